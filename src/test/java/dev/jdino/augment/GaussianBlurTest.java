package dev.jdino.augment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class GaussianBlurTest {

  @Test
  void radiusIsCeilOfThreeSigma() {
    assertEquals(1, GaussianBlur.radius(0.1));
    assertEquals(3, GaussianBlur.radius(1.0));
    assertEquals(6, GaussianBlur.radius(2.0));
    assertEquals(4, GaussianBlur.radius(1.01));
  }

  @Test
  void kernelIsTheNormalisedSampledGaussian() {
    float[] k = GaussianBlur.kernel(1.0, 2);
    double e1 = Math.exp(-0.5);
    double e2 = Math.exp(-2.0);
    double sum = 1 + 2 * e1 + 2 * e2;
    assertArrayEquals(
        new float[] {
          (float) (e2 / sum),
          (float) (e1 / sum),
          (float) (1 / sum),
          (float) (e1 / sum),
          (float) (e2 / sum)
        },
        k,
        1e-7f);
    assertThrows(IllegalArgumentException.class, () -> GaussianBlur.kernel(0, 1));
  }

  @Test
  void constantImageStaysConstant() {
    Image img = RandomImages.constant(9, 7, 0.625f);
    GaussianBlur.apply(img.data(), 0, 9, 7, 1.9);
    for (float v : img.data()) {
      assertEquals(0.625f, v, 1e-6f);
    }
  }

  @Test
  void singleBrightPixelSpreadsWithTheGaussianWeights() {
    int n = 15;
    double sigma = 1.3;
    int r = GaussianBlur.radius(sigma);
    Image img = Image.zeros(n, n);
    img.set(1, 7, 7, 1f);
    GaussianBlur.apply(img.data(), 0, n, n, sigma);

    double sum = 0;
    for (int t = -r; t <= r; t++) {
      sum += Math.exp(-0.5 * t * t / (sigma * sigma));
    }
    for (int y = 0; y < n; y++) {
      for (int x = 0; x < n; x++) {
        int dy = y - 7;
        int dx = x - 7;
        double expected =
            Math.abs(dx) > r || Math.abs(dy) > r
                ? 0
                : Math.exp(-0.5 * (dx * dx + dy * dy) / (sigma * sigma)) / (sum * sum);
        assertEquals(expected, img.get(1, y, x), 1e-7, "(" + y + ", " + x + ")");
        assertEquals(0f, img.get(0, y, x), "channel 0 must stay dark");
        assertEquals(0f, img.get(2, y, x), "channel 2 must stay dark");
      }
    }
  }

  @Test
  void reflectsAtTheBorderWithoutRepeatingTheEdge() {
    // Reflect padding mirrors around the edge pixel: index -1 reads pixel 1, -2 reads pixel 2.
    // With pixel 1 lit, pixel 0 sees it directly and through index -1, pixel 1 sees itself and
    // its own mirror image at -1 two taps away.
    Image img = Image.zeros(1, 6);
    img.set(0, 0, 1, 1f);
    GaussianBlur.apply(img.data(), 0, 1, 6, 0.5);
    float[] k = GaussianBlur.kernel(0.5, 2);
    assertEquals(k[1] + k[3], img.get(0, 0, 0), 1e-7);
    assertEquals(k[0] + k[2], img.get(0, 0, 1), 1e-7);
    assertEquals(k[1], img.get(0, 0, 2), 1e-7);
    assertEquals(k[0], img.get(0, 0, 3), 1e-7);
  }

  @Test
  void matchesTorchvisionGaussianBlur() {
    JsonNode cases = Fixtures.root().get("blur");
    assertEquals(4, cases.size());
    for (JsonNode c : cases) {
      int h = c.get("h").asInt();
      int w = c.get("w").asInt();
      double sigma = c.get("sigma").asDouble();
      float[] px = Fixtures.floats(c.get("input"));
      GaussianBlur.apply(px, 0, h, w, sigma);
      Fixtures.assertClose(
          Fixtures.floats(c.get("expected")), px, "blur " + h + "x" + w + " sigma " + sigma);
    }
  }

  @Test
  void tinyImagesSurvive() {
    Image one = RandomImages.colour(1, 1, 1);
    float[] before = one.data().clone();
    GaussianBlur.apply(one.data(), 0, 1, 1, 2.0);
    assertArrayEquals(before, one.data());

    // A 1-pixel-high strip is only blurred along its width, with the radius capped at w - 1.
    Image strip = Image.zeros(1, 3);
    strip.set(0, 0, 0, 1f);
    GaussianBlur.apply(strip.data(), 0, 1, 3, 2.0);
    float[] k = GaussianBlur.kernel(2.0, 2);
    assertEquals(k[2], strip.get(0, 0, 0), 1e-7);
    assertEquals(k[1], strip.get(0, 0, 1), 1e-7);
    assertEquals(k[0] + k[4], strip.get(0, 0, 2), 1e-7);
  }

  @Test
  void randomSigmaIsDrawnFromTheRange() {
    Image a = RandomImages.colour(2, 8, 8);
    Image b = a.copy();
    GaussianBlur.apply(a, 0.1, 2.0, new SplittableRandom(3));
    SplittableRandom replay = new SplittableRandom(3);
    GaussianBlur.apply(b.data(), 0, 8, 8, 0.1 + 1.9 * replay.nextDouble());
    assertArrayEquals(b.data(), a.data(), 1e-7f);
    assertNotEquals(RandomImages.colour(2, 8, 8).data()[0], a.data()[0]);
  }
}
