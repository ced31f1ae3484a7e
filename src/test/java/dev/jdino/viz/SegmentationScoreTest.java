package dev.jdino.viz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jdino.augment.Image;
import dev.jdino.model.Backbone;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The foreground Jaccard on hand-made masks, and one end-to-end score. */
class SegmentationScoreTest {

  private static boolean[] mask(int... bits) {
    boolean[] m = new boolean[bits.length];
    for (int i = 0; i < bits.length; i++) {
      m[i] = bits[i] != 0;
    }
    return m;
  }

  @Test
  void jaccardOfHandMadeMasks() {
    assertEquals(1.0 / 3, SegmentationScore.jaccard(mask(1, 1, 0, 0), mask(0, 1, 1, 0)), 0);
    assertEquals(1.0, SegmentationScore.jaccard(mask(1, 0, 1), mask(1, 0, 1)), 0);
    assertEquals(0.0, SegmentationScore.jaccard(mask(1, 0), mask(0, 1)), 0);
    assertEquals(1.0, SegmentationScore.jaccard(mask(0, 0), mask(0, 0)), 0);
    assertEquals(0.25, SegmentationScore.jaccard(mask(1, 1, 1, 1), mask(0, 0, 1, 0)), 0);
  }

  @Test
  void foregroundIsEveryPixelBrighterThanTheThresholdInAnyChannel() {
    Image img = Image.zeros(1, 4);
    img.set(0, 0, 1, 1 / 255f); // faintest non-black red
    img.set(2, 0, 2, 0.5f); // blue only
    img.set(1, 0, 3, 0.04f);
    assertArrayEquals(mask(0, 1, 1, 1), SegmentationScore.foreground(img, 0));
    assertArrayEquals(mask(0, 0, 1, 0), SegmentationScore.foreground(img, 0.05));
  }

  /**
   * A 2x2 grid of 2x2 patches (a 4x4 image). Foreground: patch 0 (4 pixels) and pixel (0, 2) of
   * patch 1. Head 0 keeps patch 0 alone (0.7 >= 0.6): J = 4/5. Head 1 is uniform: the lowest-index
   * tie is dropped, patches 1-3 kept (12 pixels): J = 1/16. The mean (0.475, 0.175 x 3) keeps
   * patches 0 and 3: J = 4/9.
   */
  @Test
  void perHeadAndMeanJaccardAtPixelResolution() {
    AttentionMap map =
        new AttentionMap(
            2, 2, 2, new float[][] {{0.7f, 0.1f, 0.1f, 0.1f}, {0.25f, 0.25f, 0.25f, 0.25f}});
    boolean[] fg = new boolean[16];
    fg[0] = fg[1] = fg[4] = fg[5] = true;
    fg[2] = true;
    double[] j = SegmentationScore.jaccards(map, fg, 0.6);
    assertArrayEquals(new double[] {4.0 / 5, 1.0 / 16, 4.0 / 9}, j, 1e-12);
  }

  @Test
  void meanOfSeveralResultsIsElementWise() {
    SegmentationScore.Result a =
        new SegmentationScore.Result(
            "a", 10, 0.5, 0.25, new double[] {0.2, 0.4}, new double[] {0.1});
    SegmentationScore.Result b =
        new SegmentationScore.Result(
            "b", 10, 0.7, 0.35, new double[] {0.6, 0.0}, new double[] {0.3});
    SegmentationScore.Result m = SegmentationScore.mean("m", List.of(a, b));
    assertEquals(0.6, m.bestHead(), 1e-12);
    assertEquals(0.3, m.headMean(), 1e-12);
    assertArrayEquals(new double[] {0.4, 0.2}, m.perHead(), 1e-12);
    assertArrayEquals(new double[] {0.2}, m.perClassBestHead(), 1e-12);
    assertEquals(10, m.images());
  }

  @Test
  void scoresOfARandomBackboneLieInTheUnitIntervalAndBestHeadBoundsEachHead() {
    ImageSet images = ImageSet.open("fmnist-sample:test", 24);
    List<String> skipped = new ArrayList<>();
    try (Backbone b = Backbone.random(TinyRun.config().vit(), 1)) {
      SegmentationScore.Result r =
          SegmentationScore.score(
              "random",
              b,
              images,
              ImageSizing.nativeSize(),
              b.normalization(),
              0.6,
              0,
              skipped::add);
      assertEquals(24, r.images());
      assertEquals(2, r.perHead().length);
      for (double h : r.perHead()) {
        assertTrue(h > 0 && h <= r.bestHead() + 1e-12, "head " + h + " best " + r.bestHead());
      }
      assertTrue(r.headMean() > 0 && r.headMean() < 1);
      assertEquals(10, r.perClassBestHead().length);
    }
  }
}
