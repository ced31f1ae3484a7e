package dev.jdino.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jdino.dist.SingleProcess;
import dev.jdino.io.BadInputException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a data-parallel run computes from the world size without communicating: the learning-rate
 * rule on the global batch, the steps per epoch, and the refusal to resume with another world.
 */
class GlobalBatchTest {
  @Test
  void peakLearningRateFollowsTheGlobalBatch() {
    TrainConfig t = TrainConfig.defaults(); // lr 0.0005, 64 images per rank
    assertEquals(0.000125, t.peakLr(), 0);
    assertEquals(t.peakLr(), t.peakLr(1), 0);
    // the official rule: 0.0005 * (64 * 4) / 256
    assertEquals(0.0005, t.peakLr(4), 0);
    assertEquals(0.005, t.peakLr(40), 1e-18);
    assertThrows(IllegalArgumentException.class, () -> t.peakLr(0));
  }

  @Test
  void thePlanOfAWorldPeaksAtItsGlobalRate() {
    DinoConfig c = DinoConfig.defaults().with(Map.of("train.epochs", 4, "train.warmupEpochs", 1));
    RunPlan one = RunPlan.of(c, 10);
    RunPlan alsoOne = RunPlan.of(c, 10, 1);
    assertArrayEquals(one.lr(), alsoOne.lr());
    RunPlan four = RunPlan.of(c, 10, 4);
    assertEquals(40, four.totalSteps());
    assertEquals(10, four.warmupSteps());
    // warm-up ends at the peak, then the cosine falls; the other schedules do not change
    assertEquals(0.0005, four.lr()[10], 1e-15);
    assertEquals(0.000125, one.lr()[10], 1e-15);
    for (int i = 0; i < 40; i++) {
      assertTrue(four.lr()[i] <= 0.0005 + 1e-15, "step " + i + ": " + four.lr()[i]);
    }
    assertArrayEquals(one.weightDecay(), four.weightDecay());
    assertArrayEquals(one.momentum(), four.momentum());
    assertArrayEquals(one.teacherTemp(), four.teacherTemp());
  }

  @Test
  void stepsPerEpochCountGlobalBatches() {
    DinoConfig c = DinoTrainerTest.tiny(1, 16);
    assertEquals(10, DinoTrainer.stepsPerEpoch(DinoTrainerTest.sample(160), c, 1));
    assertEquals(5, DinoTrainer.stepsPerEpoch(DinoTrainerTest.sample(160), c, 2));
    assertEquals(3, DinoTrainer.stepsPerEpoch(DinoTrainerTest.sample(160), c, 3)); // tail dropped
    BadInputException e =
        assertThrows(
            BadInputException.class,
            () -> DinoTrainer.stepsPerEpoch(DinoTrainerTest.sample(40), c, 3));
    assertEquals(
        DinoTrainerTest.sample(40).name()
            + " has 40 images, fewer than one batch of 16 on each of 3 ranks (the last"
            + " incomplete batch is dropped); give --batch-size 13 or less",
        e.getMessage());
    BadInputException few =
        assertThrows(
            BadInputException.class,
            () -> DinoTrainer.stepsPerEpoch(DinoTrainerTest.sample(2), c, 3));
    assertTrue(few.getMessage().endsWith("; use at most 2 ranks"), few.getMessage());
  }

  @Test
  void aCheckpointResumesOnlyWithTheWorldThatWroteIt(@TempDir Path dir) throws Exception {
    DinoConfig c = DinoTrainerTest.tiny(1, 16);
    Path single = dir.resolve("single.safetensors");
    Path two = dir.resolve("two.safetensors");
    try (TrainingState s = TrainingState.fresh(c, null)) {
      s.save(single, "fmnist-sample", 100, 0);
      s.save(two, "fmnist-sample", 100, 0, Map.of(DataParallel.WORLD_SIZE_KEY, "2"));
    }
    DataParallel.checkResumable(Checkpoint.open(single), 1);
    DataParallel.checkResumable(Checkpoint.open(two), 2);
    BadInputException e =
        assertThrows(
            BadInputException.class, () -> DataParallel.checkResumable(Checkpoint.open(two), 1));
    assertEquals(
        two
            + " was trained by 2 ranks with 16 images each per step (global batch 32); this launch"
            + " has one process: resume it with 2 ranks (mpirun -np 2, or --nproc-per-node 2), or"
            + " start a new run in another --output-dir",
        e.getMessage());
    e =
        assertThrows(
            BadInputException.class, () -> DataParallel.checkResumable(Checkpoint.open(single), 4));
    assertTrue(
        e.getMessage()
            .contains(
                "was trained by one process with 16 images each per step (global batch 16); this"
                    + " launch has 4 ranks: resume it as one process (without mpirun or"
                    + " --nproc-per-node)"),
        e.getMessage());
  }

  @Test
  void aWorldOfOneIsTheSingleProcess() {
    assertSame(DataParallel.single(), DataParallel.over(new SingleProcess()));
    assertEquals(Map.of(), DataParallel.single().checkpointMetadata());
    assertEquals(64, DataParallel.single().globalBatch(64));
  }
}
