package dev.jdino.augment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class NormalizeTest {

  @Test
  void subtractsMeanAndDividesByStdPerChannel() {
    // 1x2 image: channel c holds {0.5, 1}.
    float[] px = {0.5f, 1f, 0.5f, 1f, 0.5f, 1f};
    Normalize.apply(
        new Image(1, 2, px), new float[] {0.5f, 0.25f, 0f}, new float[] {0.5f, 0.25f, 2f});
    assertArrayEquals(new float[] {0f, 1f, 1f, 3f, 0.25f, 0.5f}, px);
  }

  @Test
  void usesTheConfiguredImagenetStatistics() {
    float[] px = {0.485f, 0.456f + 0.224f, 0.406f - 0.225f};
    Normalize.apply(px, 0, 1, Normalization.imagenet().mean(), Normalization.imagenet().std());
    assertArrayEquals(new float[] {0f, 1f, -1f}, px, 1e-6f);
  }

  @Test
  void rejectsWrongChannelCounts() {
    assertThrows(
        IllegalArgumentException.class,
        () -> Normalize.apply(new float[3], 0, 1, new float[2], new float[3]));
  }
}
