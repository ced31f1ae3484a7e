package dev.jdino.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rank that dies or stops must not leave the others hanging: they end within a bounded time with
 * a line that names the rank and the operation, and files written before stay intact.
 */
class MpiFailureTest {
  private static final Duration LIMIT = Duration.ofSeconds(90);

  @Test
  void rankKilledMidCollectiveEndsTheJobAndLeavesFilesIntact(@TempDir Path out) throws Exception {
    MpiRun.Result run =
        MpiRun.run(2, LIMIT, Map.of(), MpiProbe.class.getName(), "kill", out.toString());
    assertNotEquals(0, run.exitCode(), run.output());
    // mpirun notices the dead process and ends the others; its message names the rank.
    assertTrue(run.output().contains("rank 1") && run.output().contains("signal 9"), run.output());
    assertFalse(run.output().contains("finished"), run.output());
    assertEquals("written before the failure\n", Files.readString(out.resolve("keep.txt")));
    try (var files = Files.list(out)) {
      assertEquals(1, files.count(), "no temporary files left beside keep.txt");
    }
  }

  @Test
  void rankThatLeftIsDetectedByTheWatchdogWhenTheLauncherDoesNot(@TempDir Path out)
      throws Exception {
    // Open MPI told not to end the job when a process exits (as some launchers behave): the
    // surviving rank's own watchdog must end it.
    MpiRun.Result run =
        MpiRun.run(
            2,
            LIMIT,
            Map.of(
                Distributed.TIMEOUT_VARIABLE, "3", "OMPI_MCA_orte_abort_on_non_zero_status", "0"),
            MpiProbe.class.getName(),
            "exit",
            out.toString());
    assertTrue(run.output().contains("jdino: error: rank 0 of 2 ("), run.output());
    assertTrue(
        run.output()
            .contains(
                "MPI_Allreduce of 1.0 MiB float32 did not complete within 3 s (another rank has"
                    + " probably died or stopped: see its output); exiting with status "
                    + Collectives.PEER_FAILURE_STATUS),
        run.output());
    assertFalse(run.output().contains("finished"), run.output());
  }

  @Test
  void abortEndsEveryRank(@TempDir Path out) throws Exception {
    // Rank 0 waits in a barrier that rank 1 never reaches: MPI_Abort on rank 1 ends both.
    MpiRun.Result run =
        MpiRun.run(2, LIMIT, Map.of(), MpiProbe.class.getName(), "abort", out.toString());
    assertEquals(9, run.exitCode(), run.output());
    assertTrue(
        run.output().contains("jdino: rank 1 of 2 (")
            && run.output().contains("): ending every rank with status 9 (MPI_Abort)"),
        run.output());
    assertFalse(run.output().contains("finished"), run.output());
  }

  @Test
  void stalledPeerTimesOutWithOneClearLine(@TempDir Path out) throws Exception {
    MpiRun.Result run =
        MpiRun.run(
            2,
            LIMIT,
            Map.of(Distributed.TIMEOUT_VARIABLE, "2"),
            MpiProbe.class.getName(),
            "stall",
            out.toString());
    assertEquals(Collectives.PEER_FAILURE_STATUS, run.exitCode(), run.output());
    long lines = run.output().lines().filter(l -> l.startsWith("jdino: error:")).count();
    assertEquals(1, lines, run.output());
    assertTrue(
        run.output().contains("jdino: error: rank 0 of 2 (")
            && run.output()
                .contains("MPI_Allreduce of 4.0 KiB float32 did not complete within 2 s"),
        run.output());
    // Rank 1 sleeps for ten minutes: the job ended because of rank 0's watchdog.
    assertTrue(run.seconds() < 60, "took " + run.seconds() + " s");
  }
}
