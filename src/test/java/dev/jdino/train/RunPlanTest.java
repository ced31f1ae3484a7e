package dev.jdino.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jdino.io.ConfigException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Runs laid out in steps, fractional epochs included (hand-computed). */
class RunPlanTest {

  @Test
  void aFractionalRunEndsInsideItsLastEpoch() {
    DinoConfig c =
        DinoConfig.preset("fmnist-small")
            .with(
                Map.of(
                    "train.epochs", 2.5, "train.warmupEpochs", 0.5, "train.freezeLastLayer", 0.25));
    RunPlan p = RunPlan.of(c, 10);
    assertEquals(25, p.totalSteps());
    assertEquals(3, p.epochs());
    assertEquals(5, p.warmupSteps());
    assertEquals(10, p.stepsIn(0));
    assertEquals(5, p.stepsIn(2));
    assertEquals(0, p.stepsIn(3));
    assertTrue(p.at(2).freezeLastLayer());
    assertFalse(p.at(3).freezeLastLayer(), "round(0.25 * 10) = 3 frozen steps");
    // Linear warm-up over 5 steps from 0 to the peak, endpoints included.
    double peak = c.train().peakLr();
    assertEquals(0, p.at(0).lr(), 0);
    assertEquals(peak / 4, p.at(1).lr(), 1e-18);
    assertEquals(peak, p.at(4).lr(), 1e-18);
    // then the cosine from the peak over the 20 remaining steps: i = 10 of 20 is the midpoint.
    assertEquals(1e-6 + 0.5 * (peak - 1e-6), p.at(15).lr(), 1e-15);
  }

  @Test
  void aRunWithMoreStepsThanAScheduleCanHoldIsRefusedByItsLength() {
    // A million epochs is a valid configuration; at 5,000 steps an epoch it is 5e9 steps, more
    // than one Java array holds.
    DinoConfig c = DinoConfig.preset("fmnist-small").with(Map.of("train.epochs", 1e6));
    ConfigException e = assertThrows(ConfigException.class, () -> RunPlan.of(c, 5000));
    assertEquals("train.epochs", e.setting());
    assertEquals(
        "the run of 5000000000 steps (5000 per epoch) is longer than the 2147483639 steps a run"
            + " can have",
        e.getMessage());
  }

  @Test
  void wholeEpochsGiveTheOfficialSchedule() {
    DinoConfig c = DinoConfig.preset("fmnist-small");
    RunPlan p = RunPlan.of(c, 7);
    double[] official = Schedules.cosine(c.train().peakLr(), c.train().minLr(), 3, 7, 1, 0);
    for (int i = 0; i < 21; i++) {
      assertEquals(official[i], p.at(i).lr(), 0, "step " + i);
    }
  }

  @Test
  void theTeacherMomentumRunsFromItsStartToItsEnd() {
    DinoConfig c =
        DinoConfig.preset("fmnist-small")
            .with(Map.of("train.momentumTeacher", 0.9, "train.momentumTeacherEnd", 0.98));
    RunPlan p = RunPlan.of(c, 7);
    // cosine over 21 steps: m_i = 0.98 + 0.5 * (0.9 - 0.98) * (1 + cos(pi * i / 21))
    assertEquals(0.9, p.at(0).momentum(), 1e-15);
    assertEquals(0.94, 0.5 * (0.9 + 0.98), 1e-15);
    assertEquals(0.98 - 0.04 * (1 + Math.cos(Math.PI * 10 / 21)), p.at(10).momentum(), 1e-15);
    assertEquals(0.98 - 0.04 * (1 + Math.cos(Math.PI * 20 / 21)), p.at(20).momentum(), 1e-15);
    // a constant momentum is a cosine from m to m
    DinoConfig flat =
        c.with(Map.of("train.momentumTeacher", 0.95, "train.momentumTeacherEnd", 0.95));
    for (int i = 0; i < 21; i++) {
      assertEquals(0.95, RunPlan.of(flat, 7).at(i).momentum(), 1e-15);
    }
    // the official schedule ends at 1
    assertEquals(1.0, DinoConfig.preset("fmnist-small").train().momentumTeacherEnd());
  }

  @Test
  void positionsRollOverAtTheEndOfAnEpoch() {
    Position p = Position.START;
    for (int i = 0; i < 7; i++) {
      p = p.next(3);
    }
    assertEquals(new Position(2, 1, 7), p);
    assertTrue(p.consistent(3));
    assertEquals("in epoch 3/4 after step 1/3", p.describe(4, 3));
    assertEquals("at the start of epoch 1/4", Position.START.describe(4, 3));
  }
}
