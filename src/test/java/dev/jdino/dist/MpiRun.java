package dev.jdino.dist;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Starts a test main class as ranks under {@code mpirun} on this machine, with the command line
 * {@link LocalLauncher} builds (so the tests exercise it), one thread per rank, and a hard time
 * limit: a run that outlives it is killed with all its processes and the test fails. Public for the
 * tests of other packages that run ranks (the trainer's, in {@code dev.jdino.train}).
 */
public final class MpiRun {
  /** How the ranks ended: mpirun's exit status, everything they printed, the wall time. */
  public record Result(int exitCode, String output, double seconds) {}

  private MpiRun() {}

  /**
   * Skips the calling test when MPI is not installed (no mpirun, or no mpicc to build the JNI
   * library); fails it when both are there but the build did not produce the library (the build is
   * then broken, not the machine).
   */
  public static Path requireMpi() {
    Path mpirun = LocalLauncher.onPath("mpirun");
    assumeTrue(
        mpirun != null,
        "mpirun not found: MPI tests skipped (apt-get install openmpi-bin libopenmpi-dev)");
    Path lib = Path.of("target", "native", MpiCollectives.LIBRARY_NAME).toAbsolutePath();
    if (!Files.isRegularFile(lib)) {
      assumeTrue(
          LocalLauncher.onPath("mpicc") != null,
          "mpicc not found, so the MPI library was not built: MPI tests skipped (apt-get install"
              + " libopenmpi-dev)");
      fail(
          "mpicc is installed but the build did not make "
              + lib
              + " (see the build_mpi.sh output of the build)");
    }
    return lib;
  }

  public static Result run(
      int n, Duration limit, Map<String, String> env, String mainClass, String... args)
      throws IOException, InterruptedException {
    return run(n, "none", limit, env, mainClass, args);
  }

  /** As above, with Open MPI's {@code --bind-to} policy {@code binding} instead of none. */
  static Result run(
      int n,
      String binding,
      Duration limit,
      Map<String, String> env,
      String mainClass,
      String... args)
      throws IOException, InterruptedException {
    Path lib = requireMpi();
    Path mpirun = LocalLauncher.onPath("mpirun");
    List<String> rank = new ArrayList<>(LocalLauncher.javaCommand(mainClass, List.of(args), 1));
    rank.add(1, "-D" + MpiCollectives.LIBRARY_PROPERTY + "=" + lib);
    LocalLauncher.Plan plan =
        LocalLauncher.plan(
            mpirun.toString(),
            LocalLauncher.flavor(LocalLauncher.versionText(mpirun)),
            LocalLauncher.isRoot(),
            n,
            1,
            rank);
    List<String> command = new ArrayList<>(plan.command());
    int bind = command.indexOf("--bind-to");
    if (bind >= 0 && bind < plan.rankStart()) {
      command.set(bind + 1, binding);
    }
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().putAll(plan.environment());
    pb.environment().putAll(env);
    long t0 = System.nanoTime();
    Process p = pb.start();
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    Thread reader = new Thread(() -> copy(p.getInputStream(), buf), "mpirun-output");
    reader.start();
    if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      reader.join(5000);
      fail("mpirun did not finish within " + limit + "; output:\n" + text(buf));
    }
    reader.join(10_000);
    return new Result(p.exitValue(), text(buf), (System.nanoTime() - t0) / 1e9);
  }

  private static void copy(InputStream in, ByteArrayOutputStream out) {
    byte[] b = new byte[8192];
    try {
      for (int k; (k = in.read(b)) > 0; ) {
        synchronized (out) {
          out.write(b, 0, k);
        }
      }
    } catch (IOException e) {
      // the process ended
    }
  }

  private static String text(ByteArrayOutputStream buf) {
    synchronized (buf) {
      return buf.toString(StandardCharsets.UTF_8);
    }
  }
}
