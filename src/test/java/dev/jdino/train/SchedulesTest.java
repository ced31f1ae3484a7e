package dev.jdino.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jdino.io.Json;
import dev.jdino.testing.Fixtures;
import org.junit.jupiter.api.Test;

class SchedulesTest {
  private static double[] fixture(String key) {
    JsonNode n = Json.read(Fixtures.path("model/schedules.json")).get(key);
    double[] d = new double[n.size()];
    for (int i = 0; i < d.length; i++) {
      d[i] = n.get(i).asDouble();
    }
    return d;
  }

  @Test
  void matchTheOfficialCosineScheduler() {
    assertArrayEquals(fixture("lr"), Schedules.cosine(0.0005 * 128 / 256, 1e-6, 3, 7, 1, 0), 1e-15);
    assertArrayEquals(fixture("wd"), Schedules.cosine(0.04, 0.4, 3, 7), 1e-15);
    assertArrayEquals(fixture("momentum"), Schedules.cosine(0.996, 1, 3, 7), 1e-15);
    assertArrayEquals(
        fixture("teacher_temp"), Schedules.teacherTemperature(0.04, 0.07, 4, 10), 1e-15);
  }

  @Test
  void handComputedValues() {
    double[] lr = Schedules.cosine(1.0, 0.0, 2, 2, 1, 0);
    // warm-up linspace(0, 1, 2) = [0, 1]; cosine over 2 iterations: 1, 0.5
    assertArrayEquals(new double[] {0, 1, 1, 0.5}, lr, 1e-15);
    double[] m = Schedules.cosine(0.996, 1.0, 1, 4);
    assertEquals(0.996, m[0], 0);
    assertEquals(1 + 0.5 * (0.996 - 1) * (1 + Math.cos(Math.PI * 3 / 4)), m[3], 1e-15);
  }

  @Test
  void warmupLongerThanTheRunIsRejected() {
    assertThrows(IllegalArgumentException.class, () -> Schedules.cosine(1, 0, 2, 5, 3, 0));
    assertThrows(
        IllegalArgumentException.class, () -> Schedules.teacherTemperature(0.04, 0.07, 5, 3));
  }
}
