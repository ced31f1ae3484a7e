package dev.jdino.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jdino.dist.Distributed.Launch;
import dev.jdino.io.BadInputException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Launch detection from the environment each launcher gives its processes. */
class DistributedTest {
  @Test
  void plainProcessIsNotDistributed() {
    assertEquals(Optional.empty(), Distributed.detect(Map.of("PATH", "/usr/bin")));
    // An sbatch script has the job's task count but is no task of a step itself.
    assertEquals(
        Optional.empty(),
        Distributed.detect(Map.of("SLURM_NTASKS", "8", "SLURM_PROCID", "0", "SLURM_JOB_ID", "7")));
  }

  @Test
  void eachLauncherIsRecognised() {
    assertEquals(
        Optional.of(new Launch("mpirun (Open MPI)", 4, 2)),
        Distributed.detect(
            Map.of("OMPI_COMM_WORLD_SIZE", "4", "OMPI_COMM_WORLD_RANK", "2", "PMIX_RANK", "2")));
    assertEquals(
        Optional.of(new Launch("a PMI launcher (mpiexec or srun)", 3, 1)),
        Distributed.detect(Map.of("PMI_SIZE", "3", "PMI_RANK", "1")));
    assertEquals(
        Optional.of(new Launch("srun", 8, 5)),
        Distributed.detect(
            Map.of(
                "SLURM_STEP_ID",
                "0",
                "SLURM_STEP_NUM_TASKS",
                "8",
                "SLURM_NTASKS",
                "16",
                "SLURM_PROCID",
                "5")));
    assertEquals(
        Optional.of(new Launch("srun (PMIx)", 8, 5)),
        Distributed.detect(
            Map.of("SLURM_STEP_ID", "0", "SLURM_STEP_NUM_TASKS", "8", "PMIX_RANK", "5")));
    assertEquals(
        Optional.of(new Launch("a PMIx launcher", -1, 5)),
        Distributed.detect(Map.of("PMIX_RANK", "5")));
  }

  @Test
  void badValuesNameTheVariable() {
    BadInputException e =
        assertThrows(
            BadInputException.class,
            () -> Distributed.detect(Map.of("OMPI_COMM_WORLD_SIZE", "two")));
    assertEquals(
        "environment variable OMPI_COMM_WORLD_SIZE=two: expected an integer of at least 1",
        e.getMessage());
    e =
        assertThrows(
            BadInputException.class,
            () -> Distributed.detect(Map.of("PMI_SIZE", "2", "PMI_RANK", "2")));
    assertEquals("PMI_RANK=2 is not a rank of a world of PMI_SIZE=2", e.getMessage());
  }

  @Test
  void aWorldOfOneNeedsNoMpi() {
    // No MPI library is loaded for these (none needs to exist).
    assertInstanceOf(SingleProcess.class, Distributed.fromEnvironment(Map.of()));
    assertInstanceOf(
        SingleProcess.class,
        Distributed.fromEnvironment(
            Map.of("OMPI_COMM_WORLD_SIZE", "1", "OMPI_COMM_WORLD_RANK", "0")));
  }

  @Test
  void timeoutFromTheEnvironment() {
    assertEquals(Duration.ofMinutes(30), Distributed.timeout(Map.of()));
    assertEquals(
        Duration.ofMillis(2500), Distributed.timeout(Map.of(Distributed.TIMEOUT_VARIABLE, "2.5")));
    assertEquals(Duration.ZERO, Distributed.timeout(Map.of(Distributed.TIMEOUT_VARIABLE, "0")));
    for (String bad : new String[] {"-1", "soon", "1e12"}) {
      BadInputException e =
          assertThrows(
              BadInputException.class,
              () -> Distributed.timeout(Map.of(Distributed.TIMEOUT_VARIABLE, bad)));
      assertTrue(
          e.getMessage().startsWith("JDINO_COLLECTIVE_TIMEOUT=" + bad + ": expected"),
          e.getMessage());
    }
  }

  @Test
  void threadsAreSharedAmongLocalRanks() {
    assertEquals(4, Distributed.threadsPerRank(16, 4));
    assertEquals(3, Distributed.threadsPerRank(7, 2));
    assertEquals(1, Distributed.threadsPerRank(2, 2));
    assertEquals(1, Distributed.threadsPerRank(2, 3));
    assertThrows(IllegalArgumentException.class, () -> Distributed.threadsPerRank(0, 1));
  }
}
