package dev.jdino.augment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ColorJitterTest {

  @Test
  void everyAdjustmentMatchesTorchvision() {
    JsonNode j = Fixtures.root().get("jitter");
    int plane = j.get("h").asInt() * j.get("w").asInt();
    int checked = 0;
    for (JsonNode c : j.get("cases")) {
      String op = c.get("op").asText();
      double f = c.get("factor").asDouble();
      float[] px = Fixtures.floats(j.get("input"));
      switch (op) {
        case "brightness" -> ColorJitter.adjustBrightness(px, 0, plane, f);
        case "contrast" -> ColorJitter.adjustContrast(px, 0, plane, f);
        case "saturation" -> ColorJitter.adjustSaturation(px, 0, plane, f);
        case "hue" -> ColorJitter.adjustHue(px, 0, plane, f);
        default -> {
          continue;
        }
      }
      Fixtures.assertClose(Fixtures.floats(c.get("expected")), px, op + " " + f);
      checked++;
    }
    assertEquals(12, checked);
  }

  @Test
  void composedJitterMatchesTorchvisionInTheGivenOrder() {
    JsonNode j = Fixtures.root().get("jitter");
    JsonNode c = j.get("composed");
    int[] order = new int[4];
    for (int i = 0; i < 4; i++) {
      order[i] = c.get("order").get(i).asInt();
    }
    ColorJitter.Params p =
        new ColorJitter.Params(
            order,
            c.get("brightness").asDouble(),
            c.get("contrast").asDouble(),
            c.get("saturation").asDouble(),
            c.get("hue").asDouble());
    float[] px = Fixtures.floats(j.get("input"));
    ColorJitter.apply(px, 0, j.get("h").asInt() * j.get("w").asInt(), p);
    Fixtures.assertClose(Fixtures.floats(c.get("expected")), px, "composed jitter");

    // The order matters: the same factors in the default order give a different image.
    float[] other = Fixtures.floats(j.get("input"));
    ColorJitter.apply(
        other,
        0,
        j.get("h").asInt() * j.get("w").asInt(),
        new ColorJitter.Params(
            new int[] {0, 1, 2, 3}, p.brightness(), p.contrast(), p.saturation(), p.hue()));
    assertTrue(maxAbsDiff(px, other) > 1e-3);
  }

  @Test
  void contrastBlendsWithTheMeanLumaByHand() {
    // Pixels red (1, 0, 0) and blue (0, 0, 1): mean luma (0.2989 + 0.114) / 2 = 0.20645.
    float[] px = {1f, 0f, 0f, 0f, 0f, 1f};
    ColorJitter.adjustContrast(px, 0, 2, 0.5);
    float m = 0.5f * 0.20645f;
    assertArrayEquals(new float[] {0.5f + m, m, m, m, m, 0.5f + m}, px, 1e-6f);
  }

  @Test
  void brightnessScalesAndClips() {
    float[] px = {0.2f, 0.6f, 0.9f};
    ColorJitter.adjustBrightness(px, 0, 1, 1.5);
    assertArrayEquals(new float[] {0.3f, 0.9f, 1f}, px, 1e-6f);
  }

  @Test
  void hueShiftsPrimariesAroundTheWheel() {
    // A third of a turn maps red to green, green to blue, blue to red.
    float[] px = {1f, 0f, 0f, 0f, 1f, 0f, 0f, 0f, 1f};
    ColorJitter.adjustHue(px, 0, 3, 1.0 / 3.0);
    assertArrayEquals(new float[] {0f, 0f, 1f, 1f, 0f, 0f, 0f, 1f, 0f}, px, 1e-5f);
    assertThrows(
        IllegalArgumentException.class, () -> ColorJitter.adjustHue(new float[3], 0, 1, 0.6));
  }

  @Test
  void sampledFactorsStayInTheirRangesAndOrdersArePermutations() {
    SplittableRandom rng = new SplittableRandom(9);
    Set<String> orders = new HashSet<>();
    for (int i = 0; i < 2000; i++) {
      ColorJitter.Params p = ColorJitter.sample(0.4, 0.4, 0.2, 0.1, rng);
      assertTrue(p.brightness() >= 0.6 && p.brightness() <= 1.4);
      assertTrue(p.contrast() >= 0.6 && p.contrast() <= 1.4);
      assertTrue(p.saturation() >= 0.8 && p.saturation() <= 1.2);
      assertTrue(p.hue() >= -0.1 && p.hue() <= 0.1);
      int[] sorted = p.order();
      Arrays.sort(sorted);
      assertArrayEquals(new int[] {0, 1, 2, 3}, sorted);
      orders.add(Arrays.toString(p.order()));
    }
    assertEquals(24, orders.size(), "all 4! orders should occur");
  }

  @Test
  void strengthAboveOneClipsTheLowerBoundAtZero() {
    SplittableRandom rng = new SplittableRandom(10);
    double min = Double.MAX_VALUE;
    for (int i = 0; i < 2000; i++) {
      min = Math.min(min, ColorJitter.sample(1.5, 0, 0, 0, rng).brightness());
    }
    assertTrue(min >= 0 && min < 0.05, "brightness factor min " + min);
  }

  @Test
  void zeroStrengthDisablesAnAdjustmentWithoutDrawing() {
    ColorJitter.Params p = ColorJitter.sample(0, 0.4, 0, 0, new SplittableRandom(11));
    assertTrue(
        Double.isNaN(p.brightness()) && Double.isNaN(p.saturation()) && Double.isNaN(p.hue()));
    // Only the permutation and the contrast factor were drawn.
    SplittableRandom replay = new SplittableRandom(11);
    ColorJitter.sample(0, 0, 0, 0, replay);
    assertEquals(p.contrast(), 0.6 + 0.8 * replay.nextDouble(), 1e-15);

    float[] px = {0.3f, 0.6f, 0.9f};
    ColorJitter.apply(px, 0, 1, ColorJitter.sample(0, 0, 0, 0, new SplittableRandom(12)));
    assertArrayEquals(new float[] {0.3f, 0.6f, 0.9f}, px);
  }

  @Test
  void randomApplyHonoursTheProbability() {
    Image img = RandomImages.colour(13, 4, 4);
    float[] before = img.data().clone();
    ColorJitter.apply(img, 0.0, 0.4, 0.4, 0.2, 0.1, new SplittableRandom(14));
    assertArrayEquals(before, img.data());
    ColorJitter.apply(img, 1.0, 0.4, 0.4, 0.2, 0.1, new SplittableRandom(14));
    assertNotEquals(0.0, maxAbsDiff(before, img.data()));
  }

  private static double maxAbsDiff(float[] a, float[] b) {
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs(a[i] - b[i]));
    }
    return m;
  }
}
