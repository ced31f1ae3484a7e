package dev.jdino.augment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** Reference outputs from Pillow and torchvision, made by {@code tools/augment_fixtures.py}. */
final class Fixtures {
  /** Absolute tolerance against the Python references (float32 there, other summation order). */
  static final double TOL = 1e-5;

  private static final String RESOURCE = "/fixtures/augment/augment_fixtures.json";
  private static JsonNode root;

  private Fixtures() {}

  static synchronized JsonNode root() {
    if (root == null) {
      try (InputStream in = Fixtures.class.getResourceAsStream(RESOURCE)) {
        assertNotNull(in, RESOURCE + " missing; run /usr/bin/python3 tools/augment_fixtures.py");
        root = new ObjectMapper().readTree(in);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return root;
  }

  static float[] floats(JsonNode array) {
    float[] out = new float[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) array.get(i).asDouble();
    }
    return out;
  }

  static void assertClose(float[] expected, float[] actual, int actualOff, String what) {
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual[actualOff + i], TOL, what + ", element " + i);
    }
  }

  static void assertClose(float[] expected, float[] actual, String what) {
    assertEquals(expected.length, actual.length, what + ": length");
    assertClose(expected, actual, 0, what);
  }
}
