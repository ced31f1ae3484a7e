package dev.jdino.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jdino.augment.AugmentConfig;
import dev.jdino.augment.Image;
import dev.jdino.augment.MultiCropAugmentation;
import dev.jdino.train.DinoConfig;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The samplers built by {@link CropSampler}'s factories, and a changed source side. */
class CropSamplerTest {
  private static Image noise(int h, int w, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] gray = new float[h * w];
    for (int i = 0; i < gray.length; i++) {
      gray[i] = (float) r.nextDouble();
    }
    return Image.fromGray(h, w, gray);
  }

  @Test
  void aChangedSourceSideKeepsSizesAndCrops() {
    CropSampler base = FakeData.sampler();
    CropSampler s = base.withMinSourceSide(45);
    assertEquals(45, s.minSourceSide());
    assertEquals(0, base.minSourceSide());
    assertEquals(0, s.withMinSourceSide(0).minSourceSide());
    assertEquals(FakeData.GLOBAL, s.globalCropSize());
    assertEquals(FakeData.LOCALS, s.localCropsNumber());
    assertEquals(FakeData.LOCAL, s.localCropSize());
    // FakeData's crop c of an image of value v is v + 100,000 c (element 1 carries the seed).
    float[][] crops = s.sample(Image.fromGray(1, 1, new float[] {3}), 7L << 40);
    assertEquals(2 + FakeData.LOCALS, crops.length);
    assertEquals(3f, crops[0][0]);
    assertEquals(200_003f, crops[2][0]);
    assertEquals(7f, crops[1][1]);
    assertEquals(3 * 2 * 2, crops[4].length);
  }

  @Test
  void aChangedSourceSideWritesTheSameBatch() {
    for (CropSampler base : new CropSampler[] {FakeData.sampler(), FakeData.inPlaceSampler()}) {
      CropSampler s = base.withMinSourceSide(12);
      int batch = 3;
      float[] g1 = new float[2 * batch * 3 * FakeData.GLOBAL * FakeData.GLOBAL];
      float[] l1 = new float[FakeData.LOCALS * batch * 3 * FakeData.LOCAL * FakeData.LOCAL];
      float[] g2 = g1.clone();
      float[] l2 = l1.clone();
      Image img = Image.fromGray(1, 1, new float[] {5});
      base.sampleInto(img, 9L << 40, g1, l1, 1, batch);
      s.sampleInto(img, 9L << 40, g2, l2, 1, batch);
      assertArrayEquals(g1, g2);
      assertArrayEquals(l1, l2);
      // Sample 1 of global crop 1 starts at (1 * 3 + 1) * 3 * 4 * 4 = 192 and holds 5 + 100,000.
      assertEquals(100_005f, g2[192]);
      assertEquals(0f, g2[191]);
    }
  }

  @Test
  void dinosAugmentationAsASampler() {
    AugmentConfig cfg = DinoConfig.preset("fmnist-small").augment();
    MultiCropAugmentation aug = new MultiCropAugmentation(cfg);
    CropSampler s = CropSampler.augmenting(aug);
    assertEquals(DecodeSize.minSourceSide(cfg), s.minSourceSide());
    assertTrue(s.minSourceSide() > 0);
    assertEquals(cfg.globalCropSize(), s.globalCropSize());
    assertEquals(cfg.localCropsNumber(), s.localCropsNumber());
    assertEquals(cfg.localCropSize(), s.localCropSize());
    Image img = noise(40, 36, 1);
    float[][] expected = aug.apply(img, 11);
    float[][] crops = s.sample(img, 11);
    assertEquals(expected.length, crops.length);
    for (int c = 0; c < crops.length; c++) {
      assertArrayEquals(expected[c], crops[c], "crop " + c);
    }
    int batch = 2;
    int g = cfg.globalCropSize();
    int l = cfg.localCropSize();
    float[] global = new float[2 * batch * 3 * g * g];
    float[] local = new float[cfg.localCropsNumber() * batch * 3 * l * l];
    s.sampleInto(img, 11, global, local, 1, batch);
    for (int c = 0; c < crops.length; c++) {
      boolean isGlobal = c < 2;
      int size = isGlobal ? g : l;
      int at = MultiCropBatch.cropOffset(isGlobal ? c : c - 2, 1, batch, size);
      float[] got = new float[3 * size * size];
      System.arraycopy(isGlobal ? global : local, at, got, 0, got.length);
      assertArrayEquals(expected[c], got, "crop " + c + " in the batch");
    }
  }

  @Test
  void impossibleGeometryIsRefused() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> CropSampler.of(0, 2, 4, (i, s) -> null));
    assertTrue(e.getMessage().contains("got 0, 2 x 4"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class, () -> CropSampler.writing(4, -1, 4, (i, s, o, f) -> {}));
    assertThrows(IllegalArgumentException.class, () -> FakeData.sampler().withMinSourceSide(-1));
  }
}
