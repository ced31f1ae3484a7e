package dev.jdino.augment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jdino.train.DinoConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class MultiCropAugmentationTest {
  private static final AugmentConfig FMNIST_SMALL = DinoConfig.preset("fmnist-small").augment();

  @Test
  void imagenetPresetGivesTwo224AndEight96Crops() {
    MultiCropAugmentation aug = new MultiCropAugmentation(AugmentConfig.imagenet());
    float[][] crops = aug.apply(RandomImages.colour(1, 300, 400), 7);
    assertEquals(10, crops.length);
    for (int c = 0; c < 10; c++) {
      int s = c < 2 ? 224 : 96;
      assertEquals(s, aug.cropSize(c));
      assertEquals(3 * s * s, crops[c].length, "crop " + c);
      assertEquals(3 * s * s, aug.cropLength(c));
    }
  }

  @Test
  void fmnistPresetGivesTwo28AndFour12Crops() {
    MultiCropAugmentation aug = new MultiCropAugmentation(FMNIST_SMALL);
    float[][] crops = aug.apply(RandomImages.gray(1, 28, 28), 7);
    assertEquals(6, crops.length);
    for (int c = 0; c < 6; c++) {
      assertEquals(3 * (c < 2 ? 28 * 28 : 12 * 12), crops[c].length, "crop " + c);
    }
    assertThrows(IndexOutOfBoundsException.class, () -> aug.cropSize(6));
  }

  @Test
  void sameSeedIsBitIdenticalAndDifferentSeedsDiffer() {
    MultiCropAugmentation aug = new MultiCropAugmentation(FMNIST_SMALL);
    Image src = RandomImages.colour(2, 28, 28);
    float[][] a = aug.apply(src, 123);
    // Other calls in between must not leak state (scratch buffers, generators).
    aug.apply(RandomImages.colour(3, 40, 31), 5);
    float[][] b = aug.apply(src, 123);
    for (int c = 0; c < a.length; c++) {
      assertArrayEquals(a[c], b[c], "crop " + c);
    }
    float[][] d = aug.apply(src, 124);
    for (int c = 0; c < a.length; c++) {
      assertFalse(Arrays.equals(a[c], d[c]), "crop " + c + " ignores the seed");
    }
  }

  @Test
  void cropsOfOneSampleDifferFromEachOther() {
    MultiCropAugmentation aug = new MultiCropAugmentation(FMNIST_SMALL);
    float[][] crops = aug.apply(RandomImages.gray(4, 28, 28), 9);
    assertFalse(Arrays.equals(crops[0], crops[1]));
    assertFalse(Arrays.equals(crops[2], crops[3]));
  }

  @Test
  void threadsDoNotChangeTheResult() throws Exception {
    MultiCropAugmentation aug = new MultiCropAugmentation(FMNIST_SMALL);
    List<Image> images = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      // Mixed sizes and colour/gray sources exercise scratch reuse across shapes.
      images.add(i % 2 == 0 ? RandomImages.gray(i, 28, 28) : RandomImages.colour(i, 33, 29));
    }
    float[][][] serial = new float[images.size()][][];
    for (int i = 0; i < images.size(); i++) {
      serial[i] = aug.apply(images.get(i), 1000 + i);
    }
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<float[][]>> futures = new ArrayList<>();
      // Reverse order so that each thread sees a different sequence of calls than above.
      for (int i = images.size() - 1; i >= 0; i--) {
        int k = i;
        futures.add(pool.submit(() -> aug.apply(images.get(k), 1000 + k)));
      }
      for (int j = 0; j < futures.size(); j++) {
        int i = images.size() - 1 - j;
        float[][] parallel = futures.get(j).get();
        for (int c = 0; c < parallel.length; c++) {
          assertArrayEquals(serial[i][c], parallel[c], "image " + i + ", crop " + c);
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void solarisationOnlyEverHitsTheSecondGlobalCrop() {
    // Everything off but solarisation; full-image crops of a bright constant image.
    AugmentConfig cfg = config(0, 0, 0, 0, 0, 0, 1.0, 1.0, 1.0);
    MultiCropAugmentation aug = new MultiCropAugmentation(cfg);
    float[][] crops = aug.apply(RandomImages.constant(12, 12, 0.9f), 3);
    for (int c = 0; c < crops.length; c++) {
      float expected = ((c == 1 ? 1f - 0.9f : 0.9f) - 0.5f) / 0.25f;
      for (float v : crops[c]) {
        assertEquals(expected, v, 1e-6f, "crop " + c);
      }
    }
  }

  @Test
  void firstGlobalCropWithEverythingOffIsTheNormalisedImage() {
    AugmentConfig cfg = config(0, 0, 0, 0, 0, 0, 0, 1.0, 1.0);
    Image src = RandomImages.colour(5, 12, 12);
    float[][] crops = new MultiCropAugmentation(cfg).apply(src, 11);
    float[] expected = src.copy().data();
    Normalize.apply(expected, 0, 144, cfg.normalize().mean(), cfg.normalize().std());
    assertArrayEquals(expected, crops[0]);
    assertArrayEquals(expected, crops[1]);
  }

  @Test
  void flipWithProbabilityOneFlipsEveryCrop() {
    AugmentConfig cfg = config(1.0, 0, 0, 0, 0, 0, 0, 1.0, 1.0);
    Image src = RandomImages.colour(6, 12, 12);
    float[][] crops = new MultiCropAugmentation(cfg).apply(src, 12);
    Image expected = HorizontalFlip.apply(src.copy());
    Normalize.apply(expected, cfg.normalize().mean(), cfg.normalize().std());
    assertArrayEquals(expected.data(), crops[0]);
  }

  @Test
  void blurProbabilitiesArePerCrop() {
    // Blur certain on global 1 only: crop 0 is smoothed, crop 1 and the locals are not.
    AugmentConfig cfg = config(0, 0, 0, 1.0, 0, 0, 0, 1.0, 1.0);
    Image src = RandomImages.colour(7, 12, 12);
    float[][] crops = new MultiCropAugmentation(cfg).apply(src, 13);
    assertTrue(roughness(crops[0]) < 0.8 * roughness(crops[1]));
    float[] plain = src.copy().data();
    Normalize.apply(plain, 0, 144, cfg.normalize().mean(), cfg.normalize().std());
    assertArrayEquals(plain, crops[1]);
  }

  @Test
  void applyIntoWritesOnlyItsSlotsAndMatchesApply() {
    MultiCropAugmentation aug = new MultiCropAugmentation(FMNIST_SMALL);
    Image src = RandomImages.gray(8, 28, 28);
    float[][] expected = aug.apply(src, 77);
    int batch = 3;
    float[][] buffers = new float[aug.crops()][];
    for (int c = 0; c < buffers.length; c++) {
      buffers[c] = new float[batch * aug.cropLength(c)];
      Arrays.fill(buffers[c], Float.NaN);
    }
    aug.applyIntoBatch(src, 77, buffers, 1);
    for (int c = 0; c < buffers.length; c++) {
      int len = aug.cropLength(c);
      assertArrayEquals(expected[c], Arrays.copyOfRange(buffers[c], len, 2 * len), "crop " + c);
      for (int i = 0; i < len; i++) {
        assertTrue(
            Float.isNaN(buffers[c][i]) && Float.isNaN(buffers[c][2 * len + i]),
            "crop " + c + " wrote outside its slot");
      }
    }
    assertThrows(IllegalArgumentException.class, () -> aug.applyIntoBatch(src, 77, buffers, 3));
  }

  @Test
  void cropsMayShareOneBufferAtDisjointOffsets() {
    // The loader's layout: both global crops in one (2, B, 3, S, S) buffer, locals in another.
    MultiCropAugmentation aug = new MultiCropAugmentation(FMNIST_SMALL);
    Image src = RandomImages.colour(10, 30, 26);
    float[][] expected = aug.apply(src, 5);
    int batch = 2;
    int sample = 1;
    int g = aug.cropLength(0);
    int l = aug.cropLength(2);
    float[] global = new float[2 * batch * g];
    float[] local = new float[4 * batch * l];
    float[][] out = {global, global, local, local, local, local};
    int[] offsets = new int[6];
    for (int c = 0; c < 6; c++) {
      offsets[c] = c < 2 ? (c * batch + sample) * g : ((c - 2) * batch + sample) * l;
    }
    aug.applyInto(src, 5, out, offsets);
    for (int c = 0; c < 6; c++) {
      int len = aug.cropLength(c);
      assertArrayEquals(
          expected[c], Arrays.copyOfRange(out[c], offsets[c], offsets[c] + len), "crop " + c);
    }
  }

  @Test
  void tinySourcesWork() {
    MultiCropAugmentation aug = new MultiCropAugmentation(FMNIST_SMALL);
    for (int[] hw : new int[][] {{1, 1}, {1, 9}, {5, 2}}) {
      float[][] crops = aug.apply(RandomImages.colour(9, hw[0], hw[1]), 1);
      for (float[] crop : crops) {
        for (float v : crop) {
          assertTrue(Float.isFinite(v));
        }
      }
    }
  }

  /** A 12 px, 2-local-crop config with full-image crops and normalisation (0.5, 0.25). */
  private static AugmentConfig config(
      double flip,
      double jitter,
      double gray,
      double blur1,
      double blur2,
      double blurLocal,
      double solarize,
      double scaleMin,
      double ratio) {
    return new AugmentConfig(
        new Crops(2, 12, Range.of(scaleMin, 1.0)),
        new Crops(2, 12, Range.of(scaleMin, 1.0)),
        Range.of(ratio, ratio),
        flip,
        new ColorJitterConfig(jitter, 0.4, 0.4, 0.2, 0.1),
        gray,
        new BlurConfig(blur1, blur2, blurLocal, Range.of(0.5, 1.5)),
        solarize,
        Normalization.gray(0.5f, 0.25f));
  }

  /** Mean absolute difference between horizontal neighbours. */
  private static double roughness(float[] crop) {
    double s = 0;
    for (int i = 1; i < crop.length; i++) {
      s += Math.abs(crop[i] - crop[i - 1]);
    }
    return s / crop.length;
  }
}
