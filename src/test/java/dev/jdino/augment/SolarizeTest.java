package dev.jdino.augment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class SolarizeTest {

  @Test
  void invertsExactlyFrom128Over255() {
    float t = 128f / 255f;
    float below = Math.nextDown(t);
    float[] px = {0f, 127f / 255f, below, t, 0.75f, 1f};
    Solarize.apply(px, 0, px.length);
    assertArrayEquals(new float[] {0f, 127f / 255f, below, 1f - t, 0.25f, 0f}, px);
    assertEquals(t, Solarize.THRESHOLD);
  }

  @Test
  void onlyTouchesTheGivenRange() {
    float[] px = {0.9f, 0.9f, 0.9f, 0.9f};
    Solarize.apply(px, 1, 2);
    assertArrayEquals(new float[] {0.9f, 1f - 0.9f, 1f - 0.9f, 0.9f}, px);
  }
}
