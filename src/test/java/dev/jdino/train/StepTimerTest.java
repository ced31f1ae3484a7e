package dev.jdino.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jdino.model.Compute;
import java.util.function.LongToIntFunction;
import org.junit.jupiter.api.Test;

/**
 * How long the time budget's measurement runs and what it estimates: its stopping rule (steps,
 * seconds, settling, bounded by the first epoch) on real steps, and the settling rule on step times
 * given as numbers, not the machine's speed.
 */
class StepTimerTest {
  @Test
  void timesAtLeastTheStepsAsked() {
    // 8 steps per epoch: 2 untimed, then 3 timed steps; no time floor
    StepTimer.StepTime t =
        StepTimer.measure(
            DinoTrainerTest.tiny(1, 16),
            DinoTrainerTest.sample(128),
            1,
            Compute.fp32(),
            2,
            3,
            0,
            0,
            new StopSignal());
    assertEquals(3, t.steps());
    assertTrue(t.secondsPerStep() > 0, "a positive time: " + t.secondsPerStep());
  }

  @Test
  void aStopRequestEndsTheMeasurementAfterTheCurrentStep() throws Exception {
    // an hour's floor would time the whole epoch; the stop, requested from another thread once
    // the measurement runs (as Ctrl-C's hook does), ends it and lets the waiting hook return
    StopSignal stop = new StopSignal();
    Thread hook =
        new Thread(
            () -> {
              try {
                Thread.sleep(300);
              } catch (InterruptedException e) {
                return;
              }
              stop.requestAndWait("interrupted", 60_000);
            });
    hook.start();
    long t0 = System.nanoTime();
    assertThrows(
        StepTimer.Interrupted.class,
        () -> {
          try {
            StepTimer.measure(
                DinoTrainerTest.tiny(1, 16),
                DinoTrainerTest.sample(4096),
                1,
                Compute.fp32(),
                0,
                1,
                3600,
                3600,
                stop);
          } finally {
            stop.ended();
          }
        });
    hook.join(10_000);
    assertFalse(hook.isAlive(), "the hook returned once the measurement had ended");
    assertTrue(stop.requested());
    assertTrue((System.nanoTime() - t0) / 1e9 < 30, "stopped well before the epoch's end");
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
            3600,
            3600,
            new StopSignal());
    assertEquals(6, t.steps(), "8 steps per epoch less 2 untimed");
  }

  @Test
  void aOneStepEpochIsStillTimed() {
    StepTimer.StepTime t =
        StepTimer.measure(
            DinoTrainerTest.tiny(1, 16),
            DinoTrainerTest.sample(16),
            1,
            Compute.fp32(),
            5,
            10,
            5,
            5,
            new StopSignal());
    assertEquals(1, t.steps(), "the warm-up gives way to the only step there is");
  }

  /** Feeds {@code times} to a fresh rule; the 1-based step at which it said stop, else -1. */
  private static int stopsAt(StepTimer.Settling rule, double... times) {
    for (int i = 0; i < times.length; i++) {
      if (rule.add(times[i])) {
        return i + 1;
      }
    }
    return -1;
  }

  @Test
  void aSpeedingUpStartIsLeftOutOfTheEstimate() {
    // windows (>= 3 steps and >= 2 s): 3 x 0.9, 3 x 0.7, then 4 x 0.5 three times; the last
    // three windows agree only after the 18th step, and the estimate is theirs: 12 steps, 6 s
    var rule = new StepTimer.Settling(10, 5, 120);
    double[] times = {
      0.9, 0.9, 0.9, 0.7, 0.7, 0.7, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5,
      0.5
    };
    assertEquals(18, stopsAt(rule, times));
    StepTimer.StepTime t = rule.result();
    assertEquals(0.5, t.secondsPerStep(), 1e-12);
    assertEquals(12, t.steps());
    assertEquals(10.8, t.seconds(), 1e-9);
    assertTrue(t.settled());
  }

  @Test
  void aDriftingMachineStopsAtTheCapWithTheLatestWindows() {
    // windows alternate 3 x 1 s and 3 x 2 s and never agree; the cap of 20 s stops the 14th step
    // (3 + 6 + 3 + 6 + 2 s), and the estimate is the last three closed windows: 9 steps, 15 s
    var rule = new StepTimer.Settling(1, 0, 20);
    double[] ab = {1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 1, 1, 1, 2};
    assertEquals(14, stopsAt(rule, ab));
    StepTimer.StepTime t = rule.result();
    assertEquals(15.0 / 9, t.secondsPerStep(), 1e-12);
    assertEquals(9, t.steps());
    assertEquals(20, t.seconds(), 1e-12);
    assertFalse(t.settled());
  }

  @Test
  void aSteadyMachineStillMeetsTheStepFloor() {
    // 1 s steps settle after three 3-step windows (9 s), but 10 steps are asked for
    var rule = new StepTimer.Settling(10, 5, 120);
    assertEquals(10, stopsAt(rule, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1));
    StepTimer.StepTime t = rule.result();
    assertEquals(1.0, t.secondsPerStep(), 1e-12);
    assertEquals(9, t.steps());
    assertTrue(t.settled());
  }

  @Test
  void theCapIsAFractionOfTheBudgetWithinFixedBounds() {
    assertEquals(15, StepTimer.maxSecondsFor(150), 1e-12); // 4.5 s -> 15
    assertEquals(0.03 * 2880, StepTimer.maxSecondsFor(2880), 1e-9); // 48 min -> 86.4 s
    assertEquals(StepTimer.MAX_SECONDS, StepTimer.maxSecondsFor(36_000), 1e-12); // 10 h -> 120
  }

  /**
   * 100 s at 1 s a step, an evaluation of 2 s before training and after each 10-step epoch: 80
   * steps make 1 + 8 evaluations, 80 + 18 = 98 s; 81 steps make 1 + 9 (the partial ninth epoch is
   * evaluated), 81 + 20 = 101 s.
   */
  @Test
  void theBudgetHoldsTheEvaluationsTheRunWillMake() {
    LongToIntFunction evals = s -> (int) (1 + (s + 9) / 10);
    assertEquals(80, StepTimer.stepsFor(100, 1, 2, evals));
    assertEquals(100, StepTimer.stepsFor(100, 1, 0, evals), "free evaluations take nothing");
    assertEquals(90, StepTimer.stepsFor(100, 1, 1, evals), "90 + 10 = 100 fits exactly");
    assertEquals(
        1, StepTimer.stepsFor(10, 1, 20, evals), "nothing fits: one step, and the caller refuses");
  }
}
