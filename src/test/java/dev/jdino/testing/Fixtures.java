package dev.jdino.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import ai.djl.ndarray.NDArray;
import dev.jdino.io.Safetensors;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Arrays;

/** Access to the committed PyTorch fixtures (tools/make_model_fixtures.py) and float asserts. */
public final class Fixtures {
  private Fixtures() {}

  public static Path path(String relative) {
    try {
      return Path.of(Fixtures.class.getResource("/fixtures/" + relative).toURI());
    } catch (URISyntaxException | NullPointerException e) {
      throw new IllegalStateException("missing fixture " + relative, e);
    }
  }

  public static Safetensors open(String relative) {
    return Safetensors.open(path(relative));
  }

  /** |a - e| <= atol + rtol |e| elementwise, shapes equal; reports the worst element. */
  public static void assertClose(
      float[] expected, float[] actual, double atol, double rtol, String what) {
    assertEquals(expected.length, actual.length, what + ": length");
    int worst = -1;
    double worstExcess = 0;
    for (int i = 0; i < expected.length; i++) {
      double tol = atol + rtol * Math.abs(expected[i]);
      double err = Math.abs(expected[i] - actual[i]);
      if (!(err <= tol) && (worst < 0 || err - tol > worstExcess)) {
        worst = i;
        worstExcess = err - tol;
      }
    }
    if (worst >= 0) {
      fail(
          what
              + ": element "
              + worst
              + " expected "
              + expected[worst]
              + " but was "
              + actual[worst]
              + " (first values expected "
              + head(expected)
              + ", actual "
              + head(actual)
              + ")");
    }
  }

  public static void assertClose(
      float[] expected, NDArray actual, double atol, double rtol, String what) {
    assertClose(expected, actual.toFloatArray(), atol, rtol, what);
  }

  public static double maxAbsDiff(float[] a, float[] b) {
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs(a[i] - b[i]));
    }
    return m;
  }

  private static String head(float[] a) {
    return Arrays.toString(Arrays.copyOf(a, Math.min(4, a.length)));
  }
}
