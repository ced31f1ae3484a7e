package dev.jdino.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jdino.dist.LocalLauncher.Flavor;
import dev.jdino.dist.LocalLauncher.Plan;
import dev.jdino.io.BadInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --nproc-per-node}: the mpirun line it builds, and a real two-rank launch. */
class LocalLauncherTest {
  private static final List<String> RANK = List.of("java", "-cp", "x.jar", "Main", "train");

  @Test
  void openMpiLineForRootAndOthers() {
    Plan root = LocalLauncher.plan("/usr/bin/mpirun", Flavor.OPEN_MPI, true, 4, 3, RANK);
    assertEquals(
        List.of(
            "/usr/bin/mpirun",
            "-np",
            "4",
            "--oversubscribe",
            "--bind-to",
            "none",
            "--allow-run-as-root",
            "-x",
            "OMP_NUM_THREADS",
            "-x",
            "MKL_NUM_THREADS",
            "/usr/bin/env",
            "java",
            "-cp",
            "x.jar",
            "Main",
            "train"),
        root.command());
    assertEquals(Map.of("OMP_NUM_THREADS", "3", "MKL_NUM_THREADS", "3"), root.environment());
    assertEquals(3, root.threadsPerRank());
    assertEquals(RANK, root.command().subList(root.rankStart(), root.command().size()));
    assertEquals("mpirun", Path.of(root.launcher().get(0)).getFileName().toString());
    Plan user = LocalLauncher.plan("mpirun", Flavor.OPEN_MPI, false, 2, 1, RANK);
    assertEquals(
        List.of(
            "mpirun",
            "-np",
            "2",
            "--oversubscribe",
            "--bind-to",
            "none",
            "-x",
            "OMP_NUM_THREADS",
            "-x",
            "MKL_NUM_THREADS",
            "/usr/bin/env",
            "java",
            "-cp",
            "x.jar",
            "Main",
            "train"),
        user.command());
  }

  @Test
  void otherLaunchersGetTheirOwnFlags() {
    assertEquals(
        List.of("mpirun", "-np", "2", "-bind-to", "none", "java", "-cp", "x.jar", "Main", "train"),
        LocalLauncher.plan("mpirun", Flavor.HYDRA, true, 2, 1, RANK).command());
    assertEquals(
        List.of("mpirun", "-np", "2", "java", "-cp", "x.jar", "Main", "train"),
        LocalLauncher.plan("mpirun", Flavor.OTHER, true, 2, 1, RANK).command());
    assertEquals(Flavor.OPEN_MPI, LocalLauncher.flavor("mpirun (Open MPI) 4.1.4\n\nReport bugs"));
    assertEquals(Flavor.HYDRA, LocalLauncher.flavor("HYDRA build details:\n    Version: 4.0.2"));
    assertEquals(
        Flavor.HYDRA, LocalLauncher.flavor("Intel(R) MPI Library for Linux* OS, Version 2021.6"));
    assertEquals(Flavor.OTHER, LocalLauncher.flavor(""));
  }

  @Test
  void ranksRunThisJvmsCommandWithTheirThreadCount() {
    List<String> cmd = LocalLauncher.javaCommand("dev.jdino.cli.Main", List.of("train", "-x"), 3);
    assertEquals(
        List.of("dev.jdino.cli.Main", "train", "-x"), cmd.subList(cmd.size() - 3, cmd.size()));
    assertEquals(1, Collections.frequency(cmd, "-Dai.djl.pytorch.num_threads=3"));
    assertEquals(System.getProperty("java.class.path"), cmd.get(cmd.indexOf("-cp") + 1));
    assertTrue(Files.isExecutable(Path.of(cmd.get(0))), cmd.get(0));
  }

  @Test
  void refusesNonsense() {
    BadInputException e =
        assertThrows(BadInputException.class, () -> LocalLauncher.plan(0, "Main", List.of()));
    assertEquals("--nproc-per-node 0: expected at least 1", e.getMessage());
    // 100 ranks on a 2-core machine never came up; refused before anything starts
    int cores = Runtime.getRuntime().availableProcessors();
    int tooMany = 2 * cores + 1;
    e = assertThrows(BadInputException.class, () -> LocalLauncher.plan(tooMany, "Main", List.of()));
    assertEquals(
        "--nproc-per-node "
            + tooMany
            + ": more ranks than 2 per core of this machine's "
            + cores
            + " (each rank is a process with its own engine); give at most "
            + 2 * cores
            + ", or mpirun across machines",
        e.getMessage());
  }

  @Test
  void jvmOptionsReachTheRanksAsGiven(@TempDir Path out) throws Exception {
    // Open MPI rewrites a "java" command line around the first argument containing "cp"; the
    // jdino launcher's -Dorg.bytedeco.javacpp.pathsFirst=true is one (and so would be a class
    // path or library path with "cp" in it). The ranks must still start, with these options.
    MpiRun.requireMpi();
    Path mpirun = LocalLauncher.onPath("mpirun");
    List<String> rank =
        new ArrayList<>(
            LocalLauncher.javaCommand(
                LaunchProbe.class.getName(), List.of(out.toString(), "0"), 1));
    rank.add(1, "-Dorg.bytedeco.javacpp.pathsFirst=true");
    rank.add(2, "-Djava.library.path=/opt/nowhere/lib");
    rank.add(3, "-D" + MpiCollectives.LIBRARY_PROPERTY + "=" + MpiRun.requireMpi());
    Plan plan =
        LocalLauncher.plan(
            mpirun.toString(),
            LocalLauncher.flavor(LocalLauncher.versionText(mpirun)),
            LocalLauncher.isRoot(),
            2,
            1,
            rank);
    ProcessBuilder pb = new ProcessBuilder(plan.command()).redirectErrorStream(true);
    pb.environment().putAll(plan.environment());
    Process p = pb.start();
    String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), text);
    assertEquals(0, p.exitValue(), text);
    for (int r = 0; r < 2; r++) {
      assertTrue(
          Files.readString(out.resolve("rank" + r + ".txt"))
              .startsWith("MpiCollectives " + r + " 2 2 "),
          text);
    }
  }

  @Test
  void startsRanksAndReturnsTheirStatus(@TempDir Path out) throws Exception {
    MpiRun.requireMpi();
    int cores = Runtime.getRuntime().availableProcessors();
    String threads = Integer.toString(Distributed.threadsPerRank(cores, 2));
    int status =
        assertTimeoutPreemptively(
            Duration.ofSeconds(120),
            () -> LocalLauncher.run(2, LaunchProbe.class.getName(), List.of(out.toString(), "0")));
    assertEquals(0, status);
    for (int r = 0; r < 2; r++) {
      assertEquals(
          "MpiCollectives "
              + r
              + " 2 2 "
              + threads
              + " "
              + threads
              + " "
              + threads
              + " "
              + out
              + ",0",
          Files.readString(out.resolve("rank" + r + ".txt")));
    }
    status =
        assertTimeoutPreemptively(
            Duration.ofSeconds(120),
            () -> LocalLauncher.run(2, LaunchProbe.class.getName(), List.of(out.toString(), "7")));
    assertEquals(7, status, "rank 1's exit status comes back");
  }
}
