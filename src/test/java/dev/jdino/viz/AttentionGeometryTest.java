package dev.jdino.viz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.jdino.augment.Image;
import dev.jdino.io.BadInputException;
import dev.jdino.model.Backbone;
import dev.jdino.model.VitConfig;
import java.awt.image.BufferedImage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Heatmap geometry on non-square images whose sides are not multiples of the patch size. */
class AttentionGeometryTest {
  private static final float[] MEAN = {0.5f, 0.5f, 0.5f};
  private static final float[] STD = {0.25f, 0.25f, 0.25f};
  private static Backbone backbone;

  @BeforeAll
  static void model() {
    backbone = Backbone.random(new VitConfig(28, 4, 32, 1, 2, 4.0, true, 0), 7);
  }

  @AfterAll
  static void close() {
    backbone.close();
  }

  /** A 3-channel image whose pixel (c, y, x) is a distinct value in [0, 1]. */
  private static Image ramp(int h, int w) {
    Image img = Image.zeros(h, w);
    for (int c = 0; c < 3; c++) {
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          img.set(c, y, x, ((c * 7 + y * 3 + x) % 97) / 96f);
        }
      }
    }
    return img;
  }

  @Test
  void nativeSizeCropsTheTopLeftToWholePatches() {
    Image src = ramp(30, 45);
    ModelInput in = ModelInput.prepare(src, ImageSizing.nativeSize(), 4, MEAN, STD);
    assertEquals(28, in.height());
    assertEquals(44, in.width());
    assertEquals(7, in.gridHeight());
    assertEquals(11, in.gridWidth());
    for (int c = 0; c < 3; c++) {
      for (int y = 0; y < 28; y++) {
        for (int x = 0; x < 44; x++) {
          assertEquals(src.get(c, y, x), in.display().get(c, y, x));
          float norm = in.normalized()[(c * 28 + y) * 44 + x];
          assertEquals((src.get(c, y, x) - 0.5f) / 0.25f, norm, 1e-6f);
        }
      }
    }
  }

  @Test
  void resizeModesGiveTheExpectedCrops() {
    Image src = ramp(30, 45);
    // Shorter side 28: 30x45 -> 28x42 (torchvision truncates 28 * 45 / 30), crop -> 28x40.
    ModelInput a = ModelInput.prepare(src, ImageSizing.shorterSide(28), 4, MEAN, STD);
    assertEquals(28, a.height());
    assertEquals(40, a.width());
    // WxH 50x33 -> 33 rows, 50 columns -> 32x48.
    ModelInput b = ModelInput.prepare(src, ImageSizing.parse("50x33", true), 4, MEAN, STD);
    assertEquals(32, b.height());
    assertEquals(48, b.width());
    // --no-keep-aspect 30 -> 30x30 -> 28x28.
    ModelInput c = ModelInput.prepare(src, ImageSizing.parse("30", false), 4, MEAN, STD);
    assertEquals(28, c.height());
    assertEquals(28, c.width());
  }

  @Test
  void attentionMapHasOneValuePerPatchAndMatchesTheBackbone() {
    ModelInput in = ModelInput.prepare(ramp(30, 45), ImageSizing.nativeSize(), 4, MEAN, STD);
    AttentionMap map = AttentionMap.of(backbone, in);
    assertEquals(7, map.gridHeight());
    assertEquals(11, map.gridWidth());
    assertEquals(2, map.numHeads());
    float[] full;
    try (NDScope scope = new NDScope()) {
      NDArray x = backbone.manager().create(in.normalized(), new Shape(1, 3, 28, 44));
      full = backbone.lastSelfAttention(x).toFloatArray(); // (1, 2, 78, 78)
    }
    int tokens = 78;
    for (int h = 0; h < 2; h++) {
      double sum = full[h * tokens * tokens]; // [CLS] on itself
      for (int i = 0; i < 77; i++) {
        assertEquals(full[h * tokens * tokens + 1 + i], map.head(h)[i], 0f, "head " + h);
        sum += map.head(h)[i];
      }
      assertEquals(1.0, sum, 1e-5);
    }
    float[] mean = map.mean();
    assertEquals((map.head(0)[5] + map.head(1)[5]) / 2, mean[5], 1e-7f);
  }

  @Test
  void nearestUpsamplingRepeatsEachPatchValueOverItsPixels() {
    float[] v = new float[7 * 11];
    for (int i = 0; i < v.length; i++) {
      v[i] = i;
    }
    float[] up = AttentionMap.upsample(v, 7, 11, 4);
    assertEquals(28 * 44, up.length);
    assertEquals(0f, up[0]);
    assertEquals(0f, up[3 * 44 + 3]);
    assertEquals(1f, up[4]);
    assertEquals(11f, up[4 * 44]);
    assertEquals(76f, up[27 * 44 + 43]);
    assertEquals(5 * 11 + 9, up[(5 * 4 + 2) * 44 + 9 * 4 + 1], 0f);
    boolean[] m = new boolean[77];
    m[12] = true; // patch (1, 1)
    boolean[] mu = AttentionMap.upsample(m, 7, 11, 4);
    int count = 0;
    for (int y = 0; y < 28; y++) {
      for (int x = 0; x < 44; x++) {
        boolean inside = y >= 4 && y < 8 && x >= 4 && x < 8;
        assertEquals(inside, mu[y * 44 + x], y + "," + x);
        count += mu[y * 44 + x] ? 1 : 0;
      }
    }
    assertEquals(16, count);
  }

  @Test
  void heatmapPictureHasPatchBlocksInViridis() {
    float[] v = new float[7 * 11];
    for (int i = 0; i < v.length; i++) {
      v[i] = i;
    }
    BufferedImage heat = Pictures.heatmap(v, 7, 11, 4);
    assertEquals(44, heat.getWidth());
    assertEquals(28, heat.getHeight());
    assertEquals(Colormap.entry(0), heat.getRGB(3, 3) & 0xffffff);
    assertEquals(Colormap.entry(255), heat.getRGB(43, 27) & 0xffffff);
    assertEquals(Colormap.entry(255), heat.getRGB(40, 24) & 0xffffff);
    // Patch 38 of 0..76: t = 38/76 = 0.5 -> entry 128; it covers pixels (12..15, 20..23).
    assertEquals(Colormap.entry(128), heat.getRGB(20, 12) & 0xffffff);
    assertEquals(Colormap.entry(128), heat.getRGB(23, 15) & 0xffffff);
    BufferedImage big = Pictures.heatmap(v, 7, 11, 12);
    assertEquals(132, big.getWidth());
    assertEquals(84, big.getHeight());
    assertEquals(Colormap.entry(128), big.getRGB(5 * 12, 3 * 12) & 0xffffff);
  }

  @Test
  void imagesSmallerThanOnePatchAreRefused() {
    BadInputException e =
        assertThrows(
            BadInputException.class,
            () -> ModelInput.prepare(ramp(3, 10), ImageSizing.nativeSize(), 4, MEAN, STD));
    assertTrue(e.getMessage().contains("3x10"), e.getMessage());
    assertTrue(e.getMessage().contains("smaller than one 4x4 patch"), e.getMessage());
    assertThrows(BadInputException.class, () -> ImageSizing.parse("0", true));
    assertThrows(BadInputException.class, () -> ImageSizing.parse("12x", true));
    assertArrayEquals(new int[] {28, 42}, ImageSizing.parse("28", true).resized(30, 45));
  }

  @Test
  void imagesOfTooManyPatchesAreRefusedBeforeTheResize() {
    // 4 x 1000 px, shorter side to 28: 28 x 7000, 7 x 1750 = 12,250 patches of 4 px
    BadInputException e =
        assertThrows(
            BadInputException.class,
            () -> ModelInput.prepare(ramp(4, 1000), ImageSizing.shorterSide(28), 4, MEAN, STD));
    assertEquals(
        "a 1000 x 4 px image (width x height; resized to 7000 x 28) makes 1750 x 7 = 12,250"
            + " patches of 4 px, more than the 9,216 (a 96 x 96 grid) an image is drawn with; give"
            + " a smaller --image-size or WxH",
        e.getMessage());
    // exactly the limit is prepared: 96 x 96 patches of 4 px, native
    ModelInput at = ModelInput.prepare(ramp(384, 384), ImageSizing.nativeSize(), 4, MEAN, STD);
    assertEquals(ModelInput.MAX_PATCHES, at.gridHeight() * at.gridWidth());
    assertThrows(
        BadInputException.class,
        () -> ModelInput.prepare(ramp(384, 388), ImageSizing.nativeSize(), 4, MEAN, STD));
  }
}
