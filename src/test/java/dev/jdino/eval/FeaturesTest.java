package dev.jdino.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Features as library users build them: rows, normalisation, selection, and their refusals. */
class FeaturesTest {

  @Test
  void rowsNormaliseAndSelectExactly() {
    Features f = Features.of(new float[] {3, 4, 0, 2, 1, 0}, 2, new int[] {7, 8, 9});
    assertEquals(3, f.count());
    assertEquals(10, f.impliedClasses());
    Features n = f.l2Normalized();
    assertArrayEquals(new float[] {0.6f, 0.8f}, n.row(0));
    assertArrayEquals(new float[] {0f, 1f}, n.row(1));
    Features s = f.select(new int[] {2, 0});
    assertArrayEquals(new float[] {1, 0, 3, 4}, s.values());
    assertArrayEquals(new int[] {9, 7}, s.labels());
    assertArrayEquals(new int[] {2, 0}, s.indices());
  }

  @Test
  void mistakenArgumentsAreIllegalArgumentsNamingTheValue() {
    assertMessage(() -> Features.of(null, 2, null), "values: expected a float[]");
    assertMessage(() -> Features.of(new float[5], 2, null), "expected 2 x 2 values, got 5");
    assertMessage(() -> Features.of(new float[4], 0, null), "dim must be >= 1, got 0");
    assertMessage(() -> new Features(new float[2], 1, 2, null, null), "indices: expected");
    assertMessage(
        () -> Features.of(new float[4], 2, new int[] {1}), "need one index (and label) per row");
  }

  private static void assertMessage(Runnable call, String expected) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
    assertEquals(true, e.getMessage().contains(expected), e.getMessage());
  }
}
