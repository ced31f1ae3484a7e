package dev.jdino.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jdino.augment.EvalTransform;
import dev.jdino.augment.Normalize;
import dev.jdino.data.DataSources;
import dev.jdino.data.ImageDataset;
import dev.jdino.io.BadInputException;
import dev.jdino.model.Backbone;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FeatureExtractorTest {

  @Test
  void featuresEqualTheBackboneOutputForTheSameImages() throws Exception {
    ImageDataset sample = DataSources.open(DataSources.SAMPLE);
    int n = 37;
    int[] rows = FeatureExtractor.identity(n);
    try (Backbone b = Backbone.random(EvalFixtures.TINY, 3)) {
      Preprocessing prep = new Preprocessing(32, 28, EvalFixtures.MEAN, EvalFixtures.STD);
      FeatureExtractor.Result r =
          FeatureExtractor.extract(
              sample,
              rows,
              prep,
              List.of(FeatureExtractor.cls(b)),
              new FeatureExtractor.Options(16, 2, false),
              Progress.NONE,
              "t");
      Features raw = r.first();
      assertEquals(n, raw.count());
      assertEquals(32, raw.dim());
      // The same images, prepared by hand, through the backbone in the same batches.
      for (int from = 0; from < n; from += 16) {
        int m = Math.min(16, n - from);
        float[] px = new float[m * 3 * 28 * 28];
        for (int i = 0; i < m; i++) {
          float[] img = EvalTransform.apply(sample.load(from + i), 32, 28).data();
          System.arraycopy(img, 0, px, i * img.length, img.length);
          Normalize.apply(px, i * img.length, 28 * 28, EvalFixtures.MEAN, EvalFixtures.STD);
        }
        float[][] expected = b.features(px, m, 28, 28);
        for (int i = 0; i < m; i++) {
          assertArrayEquals(expected[i], raw.row(from + i), "image " + (from + i));
        }
      }
      for (int i = 0; i < n; i++) {
        assertEquals(sample.label(i), raw.labels()[i]);
      }
      // L2-normalised rows: the same vectors scaled to unit length.
      Features unit =
          FeatureExtractor.extract(
                  sample,
                  rows,
                  prep,
                  List.of(FeatureExtractor.cls(b)),
                  new FeatureExtractor.Options(16, 1, true),
                  Progress.NONE,
                  "t")
              .first();
      for (int i = 0; i < n; i++) {
        float[] v = raw.row(i);
        double s = 0;
        for (float x : v) {
          s += (double) x * x;
        }
        double norm = Math.sqrt(s);
        float[] w = unit.row(i);
        for (int j = 0; j < v.length; j++) {
          assertEquals((float) (v[j] / norm), w[j]);
        }
      }
    }
  }

  @Test
  void undecodableImagesAreLeftOutWithTheirLabels() {
    ImageDataset data = EvalFixtures.synthetic(10, Set.of(2, 7));
    Preprocessing identity = new Preprocessing(4, 4, new float[3], new float[] {1, 1, 1});
    FeatureExtractor.Result r =
        FeatureExtractor.extract(
            data,
            null,
            identity,
            List.of(FeatureExtractor.pixels(true)),
            new FeatureExtractor.Options(3, 2, false),
            Progress.NONE,
            "t");
    Features f = r.first();
    assertArrayEquals(new int[] {0, 1, 3, 4, 5, 6, 8, 9}, f.indices());
    assertArrayEquals(new int[] {0, 1, 0, 1, 2, 0, 2, 0}, f.labels());
    assertEquals(16, f.dim());
    for (int i = 0; i < f.count(); i++) {
      float[] expected = new float[16];
      Arrays.fill(expected, f.indices()[i] / 1000f);
      assertArrayEquals(expected, f.row(i));
    }
    assertEquals(
        List.of(
            new FeatureExtractor.Skipped(2, "synthetic#2", "broken on purpose"),
            new FeatureExtractor.Skipped(7, "synthetic#7", "broken on purpose")),
        r.skipped());
  }

  @Test
  void aSkippedFileIsNamedOnceBesideItsReason(@TempDir Path tmp) throws Exception {
    // The decoder says "<path>: empty file"; knn, features and pca printed "<path>: <path>: ...".
    ImageIO.write(
        new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_GRAY),
        "png",
        tmp.resolve("a.png").toFile());
    Files.createFile(tmp.resolve("b.png"));
    ImageDataset data = DataSources.open(tmp.toString());
    FeatureExtractor.Result r =
        FeatureExtractor.extract(
            data,
            null,
            new Preprocessing(4, 4, new float[3], new float[] {1, 1, 1}),
            List.of(FeatureExtractor.pixels(true)),
            new FeatureExtractor.Options(2, 1, false),
            Progress.NONE,
            "t");
    assertEquals(
        List.of(new FeatureExtractor.Skipped(1, data.describe(1), "empty file")), r.skipped());
  }

  @Test
  void aDatasetWithNoDecodableImageIsBadInput() {
    ImageDataset data = EvalFixtures.synthetic(3, Set.of(0, 1, 2));
    Preprocessing identity = new Preprocessing(4, 4, new float[3], new float[] {1, 1, 1});
    BadInputException e =
        assertThrows(
            BadInputException.class,
            () ->
                FeatureExtractor.extract(
                    data,
                    null,
                    identity,
                    List.of(FeatureExtractor.pixels(false)),
                    FeatureExtractor.Options.DEFAULT,
                    Progress.NONE,
                    "t"));
    assertTrue(e.getMessage().contains("none of its 3 images could be decoded"), e.getMessage());
  }

  @Test
  void severalEncodersShareOnePassWithAlignedRows() {
    ImageDataset data = EvalFixtures.synthetic(5, Set.of(1));
    Preprocessing identity = new Preprocessing(4, 4, new float[3], new float[] {1, 1, 1});
    FeatureExtractor.Result r =
        FeatureExtractor.extract(
            data,
            null,
            identity,
            List.of(FeatureExtractor.pixels(true), FeatureExtractor.pixels(false)),
            new FeatureExtractor.Options(2, 1, false),
            Progress.NONE,
            "t");
    assertEquals(16, r.features().get(0).dim());
    assertEquals(48, r.features().get(1).dim());
    assertArrayEquals(r.features().get(0).indices(), r.features().get(1).indices());
    // Image 1 failed: row 1 is image 2.
    assertEquals(0.002f, r.features().get(1).row(1)[47]);
  }

  @Test
  void embedNamesAMissingBackboneOrDataset() {
    ImageDataset sample = DataSources.open(DataSources.SAMPLE);
    try (Backbone b = Backbone.random(EvalFixtures.TINY, 3)) {
      for (Runnable call :
          List.<Runnable>of(
              () -> FeatureExtractor.embed(null, sample), () -> FeatureExtractor.embed(b, null))) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
        assertTrue(e.getMessage().contains("embed needs a backbone and a dataset"), e.getMessage());
      }
    }
  }
}
