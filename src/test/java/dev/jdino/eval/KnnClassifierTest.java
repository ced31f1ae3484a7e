package dev.jdino.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jdino.io.BadInputException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The weighted vote against hand-computed values, and the search against brute force. */
class KnnClassifierTest {
  private static final double T = 0.07;

  /**
   * Query (1, 0). Train rows: (1, 0) class 0 sim 1; (0.6, 0.8) class 1 and (0.6, -0.8) class 2,
   * both sim 0.6f exactly (a tie); (0, 1) class 1 sim 0; (-1, 0) class 2 sim -1.
   */
  private static final Features TRAIN =
      Features.of(
          new float[] {1, 0, 0.6f, 0.8f, 0.6f, -0.8f, 0, 1, -1, 0}, 2, new int[] {0, 1, 2, 1, 2});

  private static Features query(int label) {
    return Features.of(new float[] {1, 0}, 2, new int[] {label});
  }

  @Test
  void neighboursAreOrderedBySimilarityThenIndex() {
    KnnClassifier.Neighbours nb = KnnClassifier.neighbours(TRAIN, query(0), 5, 128, 65_536);
    assertArrayEquals(new int[] {0, 1, 2, 3, 4}, nb.indices());
    assertArrayEquals(new double[] {1, 0.6f, 0.6f, 0, -1}, nb.similarities());
    // k = 2: of the tied pair only the lower index (row 1) is taken.
    KnnClassifier.Neighbours two = KnnClassifier.neighbours(TRAIN, query(0), 2, 128, 65_536);
    assertArrayEquals(new int[] {0, 1}, two.indices());
  }

  @Test
  void votesAreExpOfSimilarityOverTemperature() {
    KnnClassifier.Neighbours nb = KnnClassifier.neighbours(TRAIN, query(0), 5, 128, 65_536);
    double[] votes = new double[3];
    KnnClassifier.vote(nb, 0, 3, TRAIN.labels(), T, votes);
    double e1 = Math.exp(1 / T);
    double e06 = Math.exp((double) 0.6f / T);
    assertArrayEquals(new double[] {e1, e06, e06}, votes);
    // Classes 1 and 2 tie: class 1 ranks first.
    assertEquals(0, KnnClassifier.rankOf(votes, 0));
    assertEquals(1, KnnClassifier.rankOf(votes, 1));
    assertEquals(2, KnnClassifier.rankOf(votes, 2));
  }

  @Test
  void kLargerThanTheTrainingSetUsesEveryRow() {
    KnnClassifier.Neighbours nb = KnnClassifier.neighbours(TRAIN, query(2), 100, 128, 65_536);
    assertEquals(5, nb.k());
    double[] votes = new double[3];
    KnnClassifier.vote(nb, 0, 100, TRAIN.labels(), T, votes);
    double e06 = Math.exp((double) 0.6f / T);
    assertArrayEquals(
        new double[] {Math.exp(1 / T), e06 + Math.exp(0), e06 + Math.exp(-1 / T)}, votes);
    // 3 classes, k = 100: "top 5" is the first 3 ranked, so the true class 2 (rank 2) counts.
    KnnClassifier.Score s =
        KnnClassifier.evaluate(TRAIN, query(2), KnnClassifier.Options.DEFAULT.withKs(100)).get(0);
    assertEquals(new KnnClassifier.Score(100, 0, 100, 0, 1, 1), s);
  }

  @Test
  void temperatureDecidesBetweenOneCloseAndTwoFartherNeighbours() {
    // Query (1, 0): one class-0 row at sim 1, two class-1 rows at sim 0.8. Class 1 wins iff
    // 2 e^(0.8/T) > e^(1/T), i.e. T > 0.2 / ln 2 = 0.2885.
    Features train =
        Features.of(new float[] {1, 0, 0.8f, 0.6f, 0.8f, -0.6f}, 2, new int[] {0, 1, 1});
    KnnClassifier.Neighbours nb = KnnClassifier.neighbours(train, query(0), 3, 128, 65_536);
    assertArrayEquals(new int[] {0}, KnnClassifier.predict(nb, 3, train.labels(), 2, 0.07));
    assertArrayEquals(new int[] {0}, KnnClassifier.predict(nb, 3, train.labels(), 2, 0.28));
    assertArrayEquals(new int[] {1}, KnnClassifier.predict(nb, 3, train.labels(), 2, 0.30));
    assertArrayEquals(new int[] {1}, KnnClassifier.predict(nb, 3, train.labels(), 2, 0.5));
    // With k = 1 the temperature cannot matter.
    assertArrayEquals(new int[] {0}, KnnClassifier.predict(nb, 1, train.labels(), 2, 0.5));
    KnnClassifier.Options o = KnnClassifier.Options.DEFAULT.withKs(3);
    assertEquals(
        100.0, KnnClassifier.evaluate(train, query(0), o.withTemperature(0.07)).get(0).top1());
    assertEquals(
        0.0, KnnClassifier.evaluate(train, query(0), o.withTemperature(0.5)).get(0).top1());
  }

  @Test
  void topFiveCountsTheFirstMinOf5KAndClassesRanked() {
    // 7 classes, one training row each, similarity to the query (1, 0) falling with the class.
    int classes = 7;
    float[] t = new float[2 * classes];
    int[] labels = new int[classes];
    for (int c = 0; c < classes; c++) {
      double a = 0.1 * c;
      t[2 * c] = (float) Math.cos(a);
      t[2 * c + 1] = (float) Math.sin(a);
      labels[c] = c;
    }
    Features train = Features.of(t, 2, labels);
    // Seven identical queries whose true classes are 0..6.
    float[] q = new float[2 * classes];
    int[] y = new int[classes];
    for (int c = 0; c < classes; c++) {
      q[2 * c] = 1;
      y[c] = c;
    }
    Features test = Features.of(q, 2, y);
    List<KnnClassifier.Score> s =
        KnnClassifier.evaluate(train, test, KnnClassifier.Options.DEFAULT.withKs(7, 2, 3));
    // k = 7: every class voted, ranks 0..6; classes 0..4 are in the top 5.
    assertEquals(new KnnClassifier.Score(7, 100.0 / 7, 500.0 / 7, 1, 5, 7), s.get(0));
    // k = 2: official min(5, k) = 2, so only classes 0 and 1 count.
    assertEquals(new KnnClassifier.Score(2, 100.0 / 7, 200.0 / 7, 1, 2, 7), s.get(1));
    // k = 3: classes 0, 1, 2 voted; top 3.
    assertEquals(new KnnClassifier.Score(3, 100.0 / 7, 300.0 / 7, 1, 3, 7), s.get(2));
  }

  @Test
  void unvotedClassesFillTheTopFiveInClassOrder() {
    // k = 3 neighbours from classes 0, 0, 1 only; classes 2.. have no vote. With 6 classes and
    // k = 3 the top 3 are classes 0, 1 and then class 2, the first unvoted class.
    Features train =
        Features.of(
            new float[] {1, 0, 0.9f, 0.1f, 0.8f, 0.2f, -1, 0, -1, 0.1f, -1, 0.2f},
            2,
            new int[] {0, 0, 1, 3, 4, 5});
    Features test = Features.of(new float[] {1, 0, 1, 0, 1, 0}, 2, new int[] {2, 3, 1});
    KnnClassifier.Score s =
        KnnClassifier.evaluate(train, test, KnnClassifier.Options.DEFAULT.withKs(3)).get(0);
    assertEquals(new KnnClassifier.Score(3, 0, 200.0 / 3, 0, 2, 3), s);
  }

  @Test
  void chunkedAndUnchunkedSearchesEqualBruteForce() {
    SplittableRandom rnd = new SplittableRandom(7);
    int n = 300;
    int q = 97;
    int d = 16;
    float[] train = new float[n * d];
    for (int i = 0; i < train.length; i++) {
      train[i] = (float) rnd.nextGaussian();
    }
    // Exact duplicates give exactly tied similarities; 40 copies of one row (more than k plus the
    // candidate margin) tie across the k-th place for the query equal to them, which forces the
    // exhaustive path.
    for (int c = 1; c <= 40; c++) {
      System.arraycopy(train, 0, train, (c * 7) * d, d);
    }
    float[] test = new float[q * d];
    for (int i = 0; i < test.length; i++) {
      test[i] = (float) rnd.nextGaussian();
    }
    System.arraycopy(train, 0, test, 0, d);
    int[] trainLabels = new int[n];
    int[] testLabels = new int[q];
    Arrays.setAll(trainLabels, i -> rnd.nextInt(10));
    Arrays.setAll(testLabels, i -> rnd.nextInt(10));
    Features tr = Features.of(train, d, trainLabels).l2Normalized();
    Features te = Features.of(test, d, testLabels).l2Normalized();
    int k = 20;
    int[] expected = bruteForce(tr, te, k);
    long before = KnnClassifier.exhaustiveRows();
    List<List<KnnClassifier.Score>> scores = new ArrayList<>();
    for (int[] chunking : new int[][] {{q, n}, {1, n}, {7, 17}, {32, 66}, {128, 65_536}}) {
      KnnClassifier.Neighbours nb = KnnClassifier.neighbours(tr, te, k, chunking[0], chunking[1]);
      assertArrayEquals(expected, nb.indices(), Arrays.toString(chunking));
      scores.add(
          KnnClassifier.evaluate(
              tr,
              te,
              KnnClassifier.Options.DEFAULT
                  .withKs(1, 5, 10, 20)
                  .withChunking(chunking[0], chunking[1])));
    }
    assertTrue(
        KnnClassifier.exhaustiveRows() > before, "the duplicates should need the exhaustive path");
    for (List<KnnClassifier.Score> s : scores) {
      assertEquals(scores.get(0), s);
    }
  }

  /** Reference: every similarity in double, sorted by (similarity desc, index asc). */
  private static int[] bruteForce(Features train, Features test, int k) {
    int d = train.dim();
    int[] out = new int[test.count() * k];
    for (int i = 0; i < test.count(); i++) {
      final int row = i;
      double[] sim = new double[train.count()];
      for (int j = 0; j < train.count(); j++) {
        double s = 0;
        for (int c = 0; c < d; c++) {
          s += (double) test.values()[row * d + c] * train.values()[j * d + c];
        }
        sim[j] = s;
      }
      Integer[] order = new Integer[train.count()];
      Arrays.setAll(order, j -> j);
      // Re-score with the same summation order as the classifier, so equal means equal.
      double[] exact = new double[train.count()];
      for (int j = 0; j < exact.length; j++) {
        exact[j] = ExactSearch.dot(test.values(), row * d, train.values(), j * d, d);
        assertEquals(sim[j], exact[j], 1e-12);
      }
      Arrays.sort(
          order, Comparator.<Integer>comparingDouble(j -> -exact[j]).thenComparingInt(j -> j));
      for (int r = 0; r < k; r++) {
        out[i * k + r] = order[r];
      }
    }
    return out;
  }

  @Test
  void badArguments() {
    assertThrows(IllegalArgumentException.class, () -> KnnClassifier.Options.DEFAULT.withKs(0));
    assertThrows(
        IllegalArgumentException.class, () -> KnnClassifier.Options.DEFAULT.withTemperature(0));
    Features empty = new Features(new float[0], 0, 2, new int[0], new int[0]);
    assertThrows(
        BadInputException.class,
        () -> KnnClassifier.evaluate(TRAIN, empty, KnnClassifier.Options.DEFAULT));
    Features nan = Features.of(new float[] {Float.NaN, 0}, 2, new int[] {0});
    assertThrows(
        BadInputException.class,
        () -> KnnClassifier.evaluate(TRAIN, nan, KnnClassifier.Options.DEFAULT));
  }

  @Test
  void neighboursRefusesAKOrChunkBelowOne() {
    // A chunk of 0 rows used to loop forever; k of 0 or less failed deep inside the search.
    for (int k : new int[] {0, -1}) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class, () -> KnnClassifier.neighbours(TRAIN, TRAIN, k));
      assertTrue(e.getMessage().contains("got " + k), e.getMessage());
    }
    assertTimeoutPreemptively(
        Duration.ofSeconds(30),
        () ->
            assertThrows(
                IllegalArgumentException.class,
                () -> KnnClassifier.neighbours(TRAIN, TRAIN, 1, 0, 10)));
    assertThrows(
        IllegalArgumentException.class, () -> KnnClassifier.neighbours(TRAIN, TRAIN, 1, 10, 0));
    assertThrows(IllegalArgumentException.class, () -> KnnClassifier.neighbours(null, TRAIN, 1));
    assertThrows(IllegalArgumentException.class, () -> KnnClassifier.neighbours(TRAIN, null, 1));
  }

  @Test
  void featuresOfARowWidthBelowOneAreRefused() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Features.of(new float[4], 0, null));
    assertTrue(e.getMessage().contains("dim"), e.getMessage());
  }
}
