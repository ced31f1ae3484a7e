package dev.jdino.augment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

class GrayscaleTest {

  @Test
  void replicatesTheItuLumaIntoAllChannels() {
    // Two pixels: pure red and (0.5, 0.25, 1).
    float[] px = {1f, 0.5f, 0f, 0.25f, 0f, 1f};
    Grayscale.apply(px, 0, 2);
    float l0 = 0.2989f;
    float l1 = 0.2989f * 0.5f + 0.587f * 0.25f + 0.114f;
    assertArrayEquals(new float[] {l0, l1, l0, l1, l0, l1}, px);
    assertEquals(0.4102f, l1, 1e-6f);
  }

  @Test
  void matchesTorchvisionRgbToGrayscale() {
    JsonNode j = Fixtures.root().get("jitter");
    for (JsonNode c : j.get("cases")) {
      if (c.get("op").asText().equals("grayscale")) {
        float[] px = Fixtures.floats(j.get("input"));
        Grayscale.apply(px, 0, j.get("h").asInt() * j.get("w").asInt());
        Fixtures.assertClose(Fixtures.floats(c.get("expected")), px, "grayscale");
        return;
      }
    }
    throw new AssertionError("no grayscale fixture");
  }

  @Test
  void detectsGraySources() {
    assertTrue(Grayscale.isGray(RandomImages.gray(1, 4, 5)));
    Image img = RandomImages.gray(1, 4, 5);
    img.set(2, 3, 4, img.get(2, 3, 4) + 0.01f);
    assertFalse(Grayscale.isGray(img));
    assertFalse(Grayscale.isGray(RandomImages.colour(1, 4, 5)));
  }
}
