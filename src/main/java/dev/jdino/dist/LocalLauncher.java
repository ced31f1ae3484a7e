package dev.jdino.dist;

import dev.jdino.io.BadInputException;
import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code --nproc-per-node N}: starts N ranks of the current command on this machine under the MPI
 * launcher, as {@code torchrun --nproc-per-node} does for the official code, so that one command
 * line trains data-parallel without writing an {@code mpirun} line.
 *
 * <p>The ranks are the same JVM command again (same JVM options, class path, main class and
 * arguments, minus {@code --nproc-per-node}, which the caller removes), each with cores / N compute
 * threads ({@code OMP_NUM_THREADS}, {@code MKL_NUM_THREADS}, {@code ai.djl.pytorch.num_threads}).
 * With Open MPI the launch adds {@code --oversubscribe} (N may exceed the cores Open MPI counts as
 * slots), {@code --bind-to none} (Open MPI binds each rank to a single core by default, which would
 * leave a multi-threaded rank one core) and, as root, {@code --allow-run-as-root} (Open MPI refuses
 * root otherwise, as in containers and CI).
 */
public final class LocalLauncher {
  /** MPI launchers whose options differ. */
  public enum Flavor {
    /** Open MPI's mpirun (orterun / prterun). */
    OPEN_MPI,
    /** MPICH's and Intel MPI's Hydra mpiexec. */
    HYDRA,
    /** Anything else: only {@code -np N}. */
    OTHER
  }

  /**
   * The launch: the command line (the launcher's part, then from {@code rankStart} the command of
   * each rank), the variables to add to its environment, and the threads each rank gets.
   */
  public record Plan(
      List<String> command, int rankStart, Map<String, String> environment, int threadsPerRank) {
    public Plan {
      if (command == null || rankStart < 1 || rankStart >= command.size()) {
        throw new IllegalArgumentException(
            "a launch needs the launcher's arguments then the rank's command, got "
                + command
                + " split at "
                + rankStart);
      }
      if (threadsPerRank < 1) {
        throw new IllegalArgumentException("each rank needs a thread, got " + threadsPerRank);
      }
      command = List.copyOf(command);
      environment = Map.copyOf(environment);
    }

    /** The launcher and its options, before the rank's command. */
    public List<String> launcher() {
      return command.subList(0, rankStart);
    }
  }

  private LocalLauncher() {}

  /**
   * Runs {@code mainClass args} as {@code nprocPerNode} local ranks and waits for them.
   *
   * @return the launcher's exit status (non-zero when a rank failed)
   * @throws BadInputException if N is not positive, this process is already a rank of an MPI
   *     launch, or mpirun or the MPI library is missing
   */
  public static int run(int nprocPerNode, String mainClass, List<String> args)
      throws IOException, InterruptedException {
    Plan plan = plan(nprocPerNode, mainClass, args);
    System.err.println(
        "jdino: starting "
            + nprocPerNode
            + " ranks on this machine, "
            + plan.threadsPerRank()
            + " compute threads each: "
            + String.join(" ", plan.launcher())
            + " java ... "
            + mainClass
            + " ...");
    ProcessBuilder pb = new ProcessBuilder(plan.command()).inheritIO();
    pb.environment().putAll(plan.environment());
    Process p = pb.start();
    // A SIGTERM to this JVM must not leave the ranks running: pass it on and wait for them.
    Thread hook =
        new Thread(
            () -> {
              if (p.isAlive()) {
                p.destroy();
                try {
                  p.waitFor(150, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }
            },
            "jdino-stop-ranks");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      return p.waitFor();
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running and waits for the ranks
      }
    }
  }

  /** Local ranks allowed per core: two share a core's threads, more only wait on each other. */
  static final int MAX_RANKS_PER_CORE = 2;

  /** The launch {@link #run} would start, for this JVM on this machine. */
  public static Plan plan(int nprocPerNode, String mainClass, List<String> args) {
    if (nprocPerNode < 1) {
      throw new BadInputException("--nproc-per-node " + nprocPerNode + ": expected at least 1");
    }
    int cores = Runtime.getRuntime().availableProcessors();
    if (nprocPerNode > MAX_RANKS_PER_CORE * cores) {
      // each rank is a JVM with its own engine and data workers: 100 of them on 2 cores did not
      // come up in minutes
      throw new BadInputException(
          String.format(
              Locale.ROOT,
              "--nproc-per-node %d: more ranks than %d per core of this machine's %d (each rank"
                  + " is a process with its own engine); give at most %d, or mpirun across"
                  + " machines",
              nprocPerNode,
              MAX_RANKS_PER_CORE,
              cores,
              MAX_RANKS_PER_CORE * cores));
    }
    Distributed.detect(System.getenv())
        .ifPresent(
            l -> {
              throw new BadInputException(
                  "--nproc-per-node is given, but this process is already a rank started by "
                      + l.launcher()
                      + ": use one or the other");
            });
    Path mpirun = onPath("mpirun");
    if (mpirun == null) {
      throw new BadInputException(
          "--nproc-per-node "
              + nprocPerNode
              + " needs mpirun on PATH (install MPI, e.g."
              + " apt-get install openmpi-bin libopenmpi-dev)");
    }
    MpiCollectives.libraryPath(); // fail here, once, rather than in every rank
    int threads =
        Distributed.threadsPerRank(Runtime.getRuntime().availableProcessors(), nprocPerNode);
    return plan(
        mpirun.toString(),
        flavor(versionText(mpirun)),
        isRoot(),
        nprocPerNode,
        threads,
        javaCommand(mainClass, args, threads));
  }

  /** The launch of {@code rankCommand} as {@code n} ranks with {@code threads} threads each. */
  static Plan plan(
      String mpirun, Flavor flavor, boolean root, int n, int threads, List<String> rankCommand) {
    List<String> cmd = new ArrayList<>();
    cmd.add(mpirun);
    cmd.add("-np");
    cmd.add(Integer.toString(n));
    switch (flavor) {
      case OPEN_MPI:
        cmd.add("--oversubscribe");
        cmd.add("--bind-to");
        cmd.add("none");
        if (root) {
          cmd.add("--allow-run-as-root");
        }
        // Local ranks inherit mpirun's environment; -x also carries it to remote daemons.
        cmd.add("-x");
        cmd.add("OMP_NUM_THREADS");
        cmd.add("-x");
        cmd.add("MKL_NUM_THREADS");
        // Open MPI rewrites the arguments of an executable named "java" (for its own Java
        // bindings, orterun's create_app): it appends its lib folder to -Djava.library.path and
        // prepends the working directory to the argument after the first one that merely contains
        // "cp", which with -Dorg.bytedeco.javacpp.pathsFirst (the jdino launcher's) is the next
        // JVM option, so the JVM takes it for the main class. Started through env, the JVM gets
        // its command line untouched.
        Path env =
            Files.isExecutable(Path.of("/usr/bin/env")) ? Path.of("/usr/bin/env") : onPath("env");
        if (env != null) {
          cmd.add(env.toString());
        }
        break;
      case HYDRA:
        cmd.add("-bind-to");
        cmd.add("none");
        break;
      case OTHER:
        break;
    }
    int rankStart = cmd.size();
    cmd.addAll(rankCommand);
    Map<String, String> env = new LinkedHashMap<>();
    env.put("OMP_NUM_THREADS", Integer.toString(threads));
    env.put("MKL_NUM_THREADS", Integer.toString(threads));
    return new Plan(cmd, rankStart, env, threads);
  }

  /**
   * This JVM's own command for {@code mainClass args}: its java binary, JVM options (the engine
   * thread count replaced) and class path.
   */
  static List<String> javaCommand(String mainClass, List<String> args, int threads) {
    List<String> cmd = new ArrayList<>();
    cmd.add(
        ProcessHandle.current()
            .info()
            .command()
            .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (!a.startsWith("-Dai.djl.pytorch.num_threads=")) {
        cmd.add(a);
      }
    }
    cmd.add("-Dai.djl.pytorch.num_threads=" + threads);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(mainClass);
    cmd.addAll(args);
    return cmd;
  }

  /** Which launcher {@code mpirun --version} printed. */
  static Flavor flavor(String versionText) {
    if (versionText.contains("Open MPI")
        || versionText.contains("OpenRTE")
        || versionText.contains("PRRTE")) {
      return Flavor.OPEN_MPI;
    }
    if (versionText.contains("HYDRA") || versionText.contains("Intel(R) MPI")) {
      return Flavor.HYDRA;
    }
    return Flavor.OTHER;
  }

  static String versionText(Path mpirun) {
    try {
      Process p =
          new ProcessBuilder(mpirun.toString(), "--version").redirectErrorStream(true).start();
      String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
      return text;
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  static Path onPath(String program) {
    String path = System.getenv("PATH");
    if (path == null) {
      return null;
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path p = Path.of(dir, program);
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }

  /** Whether this process runs as root (uid 0), which Open MPI refuses without a flag. */
  static boolean isRoot() {
    try {
      return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue() == 0;
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return "root".equals(System.getProperty("user.name"));
    }
  }
}
