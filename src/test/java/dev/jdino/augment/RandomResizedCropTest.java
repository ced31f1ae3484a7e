package dev.jdino.augment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RandomResizedCropTest {
  private static final double R_MIN = 3.0 / 4.0;
  private static final double R_MAX = 4.0 / 3.0;

  @Test
  void boxesAreInsideTheImageAndNonEmpty() {
    SplittableRandom rng = new SplittableRandom(1);
    for (int i = 0; i < 5000; i++) {
      int h = 1 + rng.nextInt(60);
      int w = 1 + rng.nextInt(60);
      int[] b = RandomResizedCrop.sampleBox(h, w, 0.05, 0.4, R_MIN, R_MAX, rng);
      assertTrue(b[2] >= 1 && b[3] >= 1, () -> "empty box on " + h + "x" + w);
      assertTrue(
          b[0] >= 0 && b[1] >= 0 && b[0] + b[2] <= h && b[1] + b[3] <= w,
          () -> "box outside " + h + "x" + w);
    }
  }

  @Test
  void areaFractionAndAspectRatioFollowTheRanges() {
    SplittableRandom rng = new SplittableRandom(2);
    int n = 4000;
    double areaSum = 0;
    for (int i = 0; i < n; i++) {
      int[] b = RandomResizedCrop.sampleBox(500, 500, 0.3, 0.6, R_MIN, R_MAX, rng);
      double frac = b[2] * (double) b[3] / (500 * 500);
      // Rounding each side to an integer moves the area by well under 1%.
      assertTrue(frac > 0.3 * 0.99 && frac < 0.6 * 1.01, "area fraction " + frac);
      double ratio = (double) b[3] / b[2];
      assertTrue(ratio > R_MIN * 0.99 && ratio < R_MAX * 1.01, "aspect ratio " + ratio);
      areaSum += frac;
    }
    assertEquals(0.45, areaSum / n, 0.01);
  }

  @Test
  void aspectRatioIsLogUniform() {
    // Over (1/4, 4) a log-uniform ratio is wider than tall half of the time; a uniform one would
    // be 80% of the time.
    SplittableRandom rng = new SplittableRandom(3);
    int n = 4000;
    int wide = 0;
    for (int i = 0; i < n; i++) {
      int[] b = RandomResizedCrop.sampleBox(1000, 1000, 0.01, 0.01, 0.25, 4.0, rng);
      if (b[3] > b[2]) {
        wide++;
      }
    }
    assertEquals(0.5, wide / (double) n, 0.04);
  }

  @Test
  void positionsCoverEveryOffset() {
    SplittableRandom rng = new SplittableRandom(4);
    boolean[] tops = new boolean[20];
    boolean[] lefts = new boolean[20];
    for (int i = 0; i < 3000; i++) {
      int[] b = RandomResizedCrop.sampleBox(20, 20, 0.25, 0.25, 1.0, 1.0, rng);
      assertEquals(10, b[2]);
      assertEquals(10, b[3]);
      tops[b[0]] = true;
      lefts[b[1]] = true;
    }
    for (int i = 0; i <= 10; i++) {
      assertTrue(tops[i] && lefts[i], "offset " + i + " never drawn");
    }
  }

  @Test
  void fallsBackToACentralCropClampedToTheRatioRange() {
    SplittableRandom rng = new SplittableRandom(5);
    // Too wide for any attempt: full height, width = round(h * 4/3), centred.
    assertArrayEquals(
        new int[] {0, 43, 10, 13},
        RandomResizedCrop.sampleBox(10, 100, 0.99, 1.0, R_MIN, R_MAX, rng));
    // Too tall: full width, height = round(w / (3/4)).
    assertArrayEquals(
        new int[] {43, 0, 13, 10},
        RandomResizedCrop.sampleBox(100, 10, 0.99, 1.0, R_MIN, R_MAX, rng));
    // One-pixel strips.
    assertArrayEquals(
        new int[] {0, 49, 1, 1}, RandomResizedCrop.sampleBox(1, 100, 0.4, 1.0, R_MIN, R_MAX, rng));
    assertArrayEquals(
        new int[] {49, 0, 1, 1}, RandomResizedCrop.sampleBox(100, 1, 0.4, 1.0, R_MIN, R_MAX, rng));
  }

  @Test
  void fallbackRoundsHalvesToEvenLikePython() {
    // 3 * 1.5 = 4.5 exactly: Python's round gives 4 (Math.round would give 5).
    assertArrayEquals(
        new int[] {0, 48, 3, 4},
        RandomResizedCrop.sampleBox(3, 100, 0.9, 1.0, 0.5, 1.5, new SplittableRandom(6)));
  }

  @Test
  void onePixelImageGivesTheOnePixelBox() {
    for (long seed = 0; seed < 50; seed++) {
      assertArrayEquals(
          new int[] {0, 0, 1, 1},
          RandomResizedCrop.sampleBox(1, 1, 0.05, 0.4, R_MIN, R_MAX, new SplittableRandom(seed)));
      assertArrayEquals(
          new int[] {0, 0, 1, 1},
          RandomResizedCrop.sampleBox(1, 1, 0.4, 1.0, R_MIN, R_MAX, new SplittableRandom(seed)));
    }
  }

  @Test
  void sameSeedSameBox() {
    int[] a =
        RandomResizedCrop.sampleBox(300, 200, 0.05, 0.4, R_MIN, R_MAX, new SplittableRandom(42));
    int[] b =
        RandomResizedCrop.sampleBox(300, 200, 0.05, 0.4, R_MIN, R_MAX, new SplittableRandom(42));
    assertArrayEquals(a, b);
  }

  @Test
  void resizedCropIsClampedToUnitRange() {
    // A hard black/white step overshoots under bicubic upscaling.
    Image src = Image.zeros(4, 4);
    for (int c = 0; c < 3; c++) {
      for (int y = 0; y < 4; y++) {
        for (int x = 2; x < 4; x++) {
          src.set(c, y, x, 1f);
        }
      }
    }
    float[] raw = new float[3 * 16 * 16];
    BicubicResampler.resampleCrop(src.data(), 0, 3, 4, 4, 0, 0, 4, 4, raw, 0, 16, 16);
    float min = Float.MAX_VALUE;
    float max = -Float.MAX_VALUE;
    for (float v : raw) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    assertTrue(min < 0 && max > 1, "the fixture should overshoot");

    float[] out = new float[3 * 16 * 16];
    RandomResizedCrop.resizeBox(src, new int[] {0, 0, 4, 4}, 16, out, 0);
    for (int i = 0; i < out.length; i++) {
      assertEquals(Math.min(Math.max(raw[i], 0f), 1f), out[i], 0f);
    }
  }

  @Test
  void grayShortcutMatchesResamplingAllThreeChannels() {
    Image gray = RandomImages.gray(7, 23, 19);
    int[] box = {3, 2, 15, 11};
    float[] fast = new float[3 * 12 * 12];
    float[] full = new float[3 * 12 * 12];
    RandomResizedCrop.resizeBox(gray, true, box, 12, fast, 0);
    RandomResizedCrop.resizeBox(gray, false, box, 12, full, 0);
    assertArrayEquals(full, fast);
  }
}
