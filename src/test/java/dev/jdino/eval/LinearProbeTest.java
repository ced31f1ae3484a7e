package dev.jdino.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import dev.jdino.data.ImageDataset;
import dev.jdino.engine.Torch;
import dev.jdino.io.Json;
import dev.jdino.model.Backbone;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LinearProbeTest {

  /** Four clusters with bounded noise around far-apart centres: linearly separable by design. */
  private static Features clusters(int perClass, long seed) {
    int d = 8;
    int classes = 4;
    SplittableRandom rnd = new SplittableRandom(seed);
    float[] v = new float[perClass * classes * d];
    int[] y = new int[perClass * classes];
    for (int i = 0; i < y.length; i++) {
      int c = i % classes;
      y[i] = c;
      for (int j = 0; j < d; j++) {
        double centre = j == c ? 3 : (j == c + 4 ? -3 : 0);
        v[i * d + j] = (float) (centre + rnd.nextDouble(-0.5, 0.5));
      }
    }
    return Features.of(v, d, y);
  }

  @Test
  void reachesFullAccuracyOnSeparableFeatures() {
    LinearProbeConfig cfg = new LinearProbeConfig(1, false, 10, 0.5, 32, false, 0.08, 0);
    List<LinearProbe.Epoch> log = new ArrayList<>();
    LinearProbe.Result r = LinearProbe.fit(clusters(100, 1), clusters(50, 2), cfg, 4, log::add);
    assertEquals(10, log.size());
    assertEquals(100.0, r.bestTop1());
    assertEquals(100.0, log.get(9).top1());
    assertTrue(Double.isNaN(r.bestTop5()), "fewer than 5 classes: no top-5");
    assertTrue(
        log.get(9).trainLoss() < log.get(0).trainLoss() / 2,
        log.get(0).trainLoss() + " -> " + log.get(9).trainLoss());
    assertEquals(4 * 8, r.weight().length);
    assertEquals(r.epochs().get(r.bestEpoch()).top1(), r.bestTop1());
  }

  @Test
  @SuppressWarnings("try") // the scope frees the arrays made inside it
  void sgdWithMomentumMatchesTheHandComputedUpdate() {
    float[] x1 = {1, 2, -1, 0.5f, 0, 3};
    float[] x2 = {-2, 1, 0.25f, 1, 1, -1};
    int[][] y = {{2, 0}, {1, 1}};
    double lr = 0.1;
    try (LinearClassifier clf = new LinearClassifier(3, 3, 5);
        NDManager m = Torch.newManager()) {
      double[] w = toDouble(clf.weights());
      double[] b = new double[3];
      double[] bufW = new double[9];
      double[] bufB = new double[3];
      float[][] xs = {x1, x2};
      for (int step = 0; step < 2; step++) {
        double[][] g = softmaxGrad(w, b, xs[step], y[step]);
        for (int i = 0; i < 9; i++) {
          bufW[i] = 0.9 * bufW[i] + g[0][i];
          w[i] -= lr * bufW[i];
        }
        for (int c = 0; c < 3; c++) {
          bufB[c] = 0.9 * bufB[c] + g[1][c];
          b[c] -= lr * bufB[c];
        }
        try (NDScope s = new NDScope()) {
          clf.step(m.create(xs[step], new Shape(2, 3)), y[step], lr);
        }
      }
      float[] got = clf.weights();
      for (int i = 0; i < 9; i++) {
        assertEquals(w[i], got[i], 1e-6, "weight " + i);
      }
      for (int c = 0; c < 3; c++) {
        assertEquals(b[c], clf.biases()[c], 1e-6, "bias " + c);
      }
    }
  }

  /** Mean cross-entropy gradient of a (3, 3) layer on a batch of 2: {dW, db}. */
  private static double[][] softmaxGrad(double[] w, double[] b, float[] x, int[] y) {
    double[] dw = new double[9];
    double[] db = new double[3];
    for (int i = 0; i < 2; i++) {
      double[] z = new double[3];
      double max = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < 3; c++) {
        z[c] = b[c];
        for (int j = 0; j < 3; j++) {
          z[c] += w[c * 3 + j] * x[i * 3 + j];
        }
        max = Math.max(max, z[c]);
      }
      double sum = 0;
      for (int c = 0; c < 3; c++) {
        sum += Math.exp(z[c] - max);
      }
      for (int c = 0; c < 3; c++) {
        double g = (Math.exp(z[c] - max) / sum - (c == y[i] ? 1 : 0)) / 2;
        db[c] += g;
        for (int j = 0; j < 3; j++) {
          dw[c * 3 + j] += g * x[i * 3 + j];
        }
      }
    }
    return new double[][] {dw, db};
  }

  private static double[] toDouble(float[] f) {
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      d[i] = f[i];
    }
    return d;
  }

  @Test
  void cosineScheduleSteppedPerEpochFromTheScaledPeak() {
    LinearProbeConfig c = new LinearProbeConfig(4, false, 4, 0.001, 512, true, 0.08, 0);
    assertEquals(0.002, c.peakLr());
    assertEquals(0.002, c.lrAt(0));
    assertEquals(0.002 * (1 + Math.cos(Math.PI / 4)) / 2, c.lrAt(1), 1e-18);
    assertEquals(0.001, c.lrAt(2), 1e-18);
    assertEquals(0.002 * (1 + Math.cos(3 * Math.PI / 4)) / 2, c.lrAt(3), 1e-18);
  }

  @Test
  void accuracyRanksTiesByClassIndex() {
    // Row 0: classes 0 and 1 tie on top, class 0 ranks first. Row 1: class 3 wins outright.
    float[] logits = {2, 2, 1, 0, 0, 0, 1, 1, 1, 5, 0, 0};
    assertArrayEquals(new double[] {50, 100}, LinearProbe.accuracy(logits, new int[] {1, 3}, 6));
    assertArrayEquals(new double[] {100, 100}, LinearProbe.accuracy(logits, new int[] {0, 3}, 6));
    // Class 5 ties classes 3 and 4 at 0 and ranks after both: 6th, outside the top 5.
    assertArrayEquals(new double[] {50, 50}, LinearProbe.accuracy(logits, new int[] {5, 3}, 6));
  }

  @Test
  @SuppressWarnings("try") // the scope frees the arrays made inside it
  void probeFeaturesAreTheLastBlocksClsTokens() {
    try (Backbone b = Backbone.random(EvalFixtures.TINY, 4);
        NDManager m = Torch.newManager();
        NDScope s = new NDScope()) {
      NDArray x = m.randomNormal(new Shape(3, 3, 28, 28));
      List<NDArray> layers = b.intermediateLayers(x, 2);
      float[] cls0 = layers.get(0).get(new NDIndex(":, 0")).toFloatArray();
      float[] cls1 = layers.get(1).get(new NDIndex(":, 0")).toFloatArray();
      float[] two = LinearProbe.encoder(b, 2, false).encode(x).toFloatArray();
      assertEquals(3 * 64, two.length);
      for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 32; j++) {
          assertEquals(cls0[i * 32 + j], two[i * 64 + j]);
          assertEquals(cls1[i * 32 + j], two[i * 64 + 32 + j]);
        }
      }
      // n = 1 with the mean patch token: interleaved as the official cat + reshape.
      float[] avg = layers.get(1).get(new NDIndex(":, 1:")).mean(new int[] {1}).toFloatArray();
      float[] pooled = LinearProbe.encoder(b, 1, true).encode(x).toFloatArray();
      assertEquals(3 * 64, pooled.length);
      for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 32; j++) {
          assertEquals(cls1[i * 32 + j], pooled[i * 64 + 2 * j]);
          assertEquals(avg[i * 32 + j], pooled[i * 64 + 2 * j + 1]);
        }
      }
      assertEquals(96, LinearProbe.featureDim(b, 2, true));
    }
  }

  private static LinearProbe.Result withLastLoss(int classes, double... losses) {
    LinearProbeConfig c =
        new LinearProbeConfig(1, false, losses.length, 0.001, 256, false, 0.08, 0);
    List<LinearProbe.Epoch> eps = new ArrayList<>();
    for (int e = 0; e < losses.length; e++) {
      eps.add(new LinearProbe.Epoch(e, 0.001, losses[e], 50, Double.NaN, 1));
    }
    return new LinearProbe.Result(
        c,
        2,
        classes,
        eps,
        0,
        50,
        Double.NaN,
        new float[2 * classes],
        new float[classes],
        8,
        8,
        List.of(),
        List.of());
  }

  /** ln 10 = 2.3026: the note comes above twice that, or for a loss that is not a number. */
  @Test
  void aDivergedProbeIsNamedByItsLastEpochsLoss(@TempDir Path dir) throws Exception {
    assertNull(withLastLoss(10, 1e9, 4.6).divergenceNote(), "a high early loss that recovered");
    assertEquals(
        "note: the probe diverged: its last epoch's training loss is 4.6100 against ln 10 = 2.303"
            + " for a uniform guess; lower --lr (peak 0.00100 here)",
        withLastLoss(10, 2.0, 4.61).divergenceNote());
    assertTrue(withLastLoss(10, 2.0, 2.3e31).divergenceNote().contains("loss is 2.300e+31"));
    LinearProbe.Result nan = withLastLoss(3, 1.0, Double.NaN);
    assertTrue(nan.divergenceNote().contains("loss is NaN against ln 3 = 1.099"));
    // The file stays JSON: a NaN loss is written as null, and the run is marked.
    LinearProbe.save(dir, nan, Json.object());
    JsonNode d = Json.read(dir.resolve(LinearProbe.DESCRIPTION_FILE));
    assertTrue(d.get("epochs").get(1).get("train_loss").isNull(), d.toString());
    assertTrue(d.get("diverged").asBoolean());
    LinearProbe.save(dir, withLastLoss(3, 1.0), Json.object());
    assertFalse(Json.read(dir.resolve(LinearProbe.DESCRIPTION_FILE)).has("diverged"));
    assertEquals("0.1235", LinearProbe.formatLoss(0.12345));
    assertEquals("1.235e+05", LinearProbe.formatLoss(123456.0));
  }

  /**
   * The official protocol decodes the training images every epoch: images that fail from the second
   * epoch on (files removed during the run) are listed, and their class named, as images that fail
   * from the first.
   */
  @Test
  void trainingImagesThatFailInALaterEpochAreCounted() {
    Set<Integer> failing = new HashSet<>();
    ImageDataset train = EvalFixtures.synthetic(9, failing);
    ImageDataset test = EvalFixtures.synthetic(6, Set.of());
    LinearProbeConfig c = new LinearProbeConfig(1, false, 2, 0.001, 4, true, 0.08, 0);
    List<Integer> seenPerEpoch = new ArrayList<>();
    try (Backbone b = Backbone.random(EvalFixtures.TINY, 4)) {
      LinearProbe.Result r =
          LinearProbe.run(
              b,
              train,
              test,
              Preprocessing.forBackbone(b),
              c,
              1,
              Progress.NONE,
              e -> {
                seenPerEpoch.add(e.epoch());
                failing.addAll(List.of(1, 4, 7)); // class 1's training images, after epoch 0
              });
      assertEquals(List.of(0, 1), seenPerEpoch);
      assertEquals(6, r.trainImages(), "the last epoch trained on the 6 images left");
      assertEquals(
          List.of(1, 4, 7),
          r.skipped().stream().map(FeatureExtractor.Skipped::index).toList(),
          "the test set decodes; the three training images fail once each, not once per epoch");
      assertEquals(
          List.of("class 1 (2 test images; all 3 of its training images could not be decoded)"),
          r.classesWithoutTraining());
    }
  }
}
