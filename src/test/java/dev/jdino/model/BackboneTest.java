package dev.jdino.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.jdino.engine.Torch;
import dev.jdino.viz.TinyRun;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Java API as the README shows it, on a tiny trained run (ViT 32/2 blocks/2 heads, patch 4).
 */
class BackboneTest {
  static Path run;

  @BeforeAll
  static void start() throws Exception {
    Torch.start();
    run = TinyRun.get();
  }

  private static float[] pixels(int batch, int h, int w, long seed) {
    float[] p = new float[batch * 3 * h * w];
    Random r = new Random(seed);
    for (int i = 0; i < p.length; i++) {
      p[i] = (float) r.nextGaussian();
    }
    return p;
  }

  @Test
  void readmeExample() {
    int batch = 2;
    float[] pixels = pixels(batch, 28, 28, 1);
    try (Backbone backbone = Backbone.load(run);
        NDScope scope = new NDScope()) {
      NDArray images = backbone.manager().create(pixels, new Shape(batch, 3, 28, 28));
      NDArray features = backbone.features(images);
      NDArray attention = backbone.lastSelfAttention(images);
      NDArray tokens = backbone.tokens(images);
      assertEquals(new Shape(2, 32), features.getShape());
      assertEquals(new Shape(2, 2, 50, 50), attention.getShape());
      assertEquals(new Shape(2, 50, 32), tokens.getShape());
      // The feature is the CLS token of the final-norm tokens.
      assertArrayEquals(
          features.toFloatArray(), tokens.get(new NDIndex(":, 0, :")).toFloatArray(), 1e-6f);
      // Attention rows are softmax distributions.
      float[] sums = attention.sum(new int[] {3}).toFloatArray();
      for (float s : sums) {
        assertEquals(1f, s, 1e-5f);
      }
      // The last of the intermediate layers is the final output; the one before it differs.
      List<NDArray> layers = backbone.intermediateLayers(images, 2);
      assertEquals(2, layers.size());
      assertArrayEquals(tokens.toFloatArray(), layers.get(1).toFloatArray(), 1e-6f);
      assertFalse(Arrays.equals(tokens.toFloatArray(), layers.get(0).toFloatArray()));
      // The array convenience gives the same numbers.
      float[][] rows = backbone.features(pixels, batch, 28, 28);
      float[] f = features.toFloatArray();
      assertArrayEquals(Arrays.copyOfRange(f, 0, 32), rows[0], 1e-6f);
      assertArrayEquals(Arrays.copyOfRange(f, 32, 64), rows[1], 1e-6f);
    }
  }

  @Test
  void teacherAndStudentAreDifferentNetworksAndAnyInputSizeWorks() {
    float[] pixels = pixels(1, 20, 36, 2);
    try (Backbone teacher = Backbone.load(run, "teacher");
        Backbone student = Backbone.load(run, "student")) {
      float[] t = teacher.features(pixels, 1, 20, 36)[0];
      float[] s = student.features(pixels, 1, 20, 36)[0];
      assertEquals(32, t.length);
      assertFalse(Arrays.equals(t, s), "teacher and student weights should differ after training");
      try (NDScope scope = new NDScope()) {
        NDArray x = teacher.manager().create(pixels, new Shape(1, 3, 20, 36));
        // 5 x 9 patches of 4 px, plus CLS: the position embedding was resized to fit.
        assertEquals(new Shape(1, 2, 46, 46), teacher.lastSelfAttention(x).getShape());
      }
    }
  }
}
