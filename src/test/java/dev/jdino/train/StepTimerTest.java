package dev.jdino.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jdino.model.Compute;
import org.junit.jupiter.api.Test;

/**
 * How long the time budget's measurement runs: its stopping rule (steps and seconds, bounded by the
 * first epoch), not the machine's speed.
 */
class StepTimerTest {
  @Test
  void timesAtLeastTheStepsAsked() {
    // 8 steps per epoch: 2 untimed, then 3 timed steps; no time floor
    StepTimer.StepTime t =
        StepTimer.measure(
            DinoTrainerTest.tiny(1, 16), DinoTrainerTest.sample(128), 1, Compute.fp32(), 2, 3, 0);
    assertEquals(3, t.steps());
    assertTrue(t.secondsPerStep() > 0, "a positive time: " + t.secondsPerStep());
  }

  @Test
  void keepsTimingUntilTheTimeFloorOrTheEpochEnds() {
    // a floor of an hour cannot be met: the measurement stops at the first epoch's 8 steps
    StepTimer.StepTime t =
        StepTimer.measure(
            DinoTrainerTest.tiny(1, 16),
            DinoTrainerTest.sample(128),
            1,
            Compute.fp32(),
            2,
            1,
            3600);
    assertEquals(6, t.steps(), "8 steps per epoch less 2 untimed");
  }

  @Test
  void aOneStepEpochIsStillTimed() {
    StepTimer.StepTime t =
        StepTimer.measure(
            DinoTrainerTest.tiny(1, 16), DinoTrainerTest.sample(16), 1, Compute.fp32(), 5, 10, 5);
    assertEquals(1, t.steps(), "the warm-up gives way to the only step there is");
  }
}
