package dev.jdino.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.jdino.data.DataSources;
import dev.jdino.data.ImageDataset;
import dev.jdino.data.ImageDecoder;
import dev.jdino.engine.Torch;
import dev.jdino.eval.FeatureExtractor;
import dev.jdino.eval.Features;
import dev.jdino.eval.KnnClassifier;
import dev.jdino.eval.Preprocessing;
import dev.jdino.viz.TinyRun;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

  /** The README's search example, on a folder with a duplicate and a broken file. */
  @Test
  void readmeSearchExample(@TempDir Path folder) throws Exception {
    Random r = new Random(3);
    for (int i = 0; i < 6; i++) {
      BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_INT_RGB);
      for (int y = 0; y < 28; y++) {
        for (int x = 0; x < 28; x++) {
          img.setRGB(x, y, r.nextInt(1 << 24));
        }
      }
      ImageIO.write(img, "png", folder.resolve("img" + i + ".png").toFile());
    }
    Files.copy(folder.resolve("img0.png"), folder.resolve("z-copy-of-0.png"));
    Files.writeString(folder.resolve("broken.png"), "not a png");
    List<String> printed = new ArrayList<>();
    double[] sims;
    try (Backbone backbone = Backbone.load(run)) {
      ImageDataset images = DataSources.open(folder.toString());
      FeatureExtractor.Result result = FeatureExtractor.embed(backbone, images);
      Features index = result.first();
      KnnClassifier.Neighbours hits =
          KnnClassifier.neighbours(index, index.select(new int[] {0}), 5);
      for (int k = 0; k < hits.k(); k++) {
        int image = index.indices()[hits.indices()[k]];
        printed.add(
            String.format(Locale.ROOT, "%.3f %s", hits.similarities()[k], images.describe(image)));
      }
      assertEquals(7, index.count(), "the broken file is left out");
      assertEquals(1, result.skipped().size());
      assertTrue(result.skipped().get(0).source().contains("broken.png"));
      assertEquals(5, hits.k());
      sims = hits.similarities();

      // A query file outside the collection, prepared one at a time (the README's second part)
      Preprocessing prep = Preprocessing.forBackbone(backbone);
      float[] pixels = new float[prep.sampleLength()];
      prep.apply(ImageDecoder.decode(folder.resolve("img3.png")), pixels, 0);
      float[] q = backbone.features(pixels, 1, prep.crop(), prep.crop())[0];
      Features query = Features.of(q, q.length, null).l2Normalized();
      KnnClassifier.Neighbours found = KnnClassifier.neighbours(index, query, 1);
      // the same preparation as the batch: it finds its own row, at cosine 1
      assertTrue(images.describe(index.indices()[found.indices()[0]]).endsWith("img3.png"));
      assertEquals(1.0, found.similarities()[0], 1e-5);
    }
    // the query itself, then its byte-identical copy: the same feature, cosine 1; the other
    // images (noise, through a barely trained model) are close but strictly below
    assertTrue(printed.get(0).endsWith("img0.png"), printed.toString());
    assertTrue(printed.get(1).endsWith("z-copy-of-0.png"), printed.toString());
    assertTrue(printed.get(0).startsWith("1.000 ") && printed.get(1).startsWith("1.000 "));
    assertEquals(sims[0], sims[1], 0.0);
    assertEquals(1.0, sims[0], 1e-5);
    assertTrue(sims[2] < sims[1] - 1e-5, Arrays.toString(sims));
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
