package dev.jdino.augment;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The filters' shared inner loop, by hand and against the plain loop it unrolls. */
class TapsTest {
  @Test
  void weightedSumsByHand() {
    float[] in = new float[20];
    for (int j = 0; j < in.length; j++) {
      in[j] = j + 1;
    }
    // out[i] = in[i] + 10 in[i + 2] + 100 in[i + 4] = (i + 1) + 10 (i + 3) + 100 (i + 5)
    float[] out = new float[11];
    Taps.weightedSums(in, 0, 2, new float[] {1, 10, 100}, 0, 3, out, 0, 11);
    for (int i = 0; i < 11; i++) {
      assertEquals(111f * i + 531f, out[i], "output " + i);
    }
    // Offsets: the last two weights from input 1 into output 2 onwards:
    // out[2 + i] = 10 in[1 + i] + 100 in[3 + i] = 10 (i + 2) + 100 (i + 4); the rest untouched.
    float[] shifted = new float[12];
    shifted[0] = -1;
    Taps.weightedSums(in, 1, 2, new float[] {1, 10, 100}, 1, 2, shifted, 2, 9);
    assertEquals(-1f, shifted[0]);
    assertEquals(0f, shifted[1]);
    assertEquals(0f, shifted[11]);
    for (int i = 0; i < 9; i++) {
      assertEquals(110f * i + 420f, shifted[2 + i], "output " + (2 + i));
    }
  }

  @Test
  void sameBitsAsThePlainLoop() {
    SplittableRandom r = new SplittableRandom(5);
    float[] in = new float[400];
    for (int j = 0; j < in.length; j++) {
      in[j] = (float) r.nextDouble(-1, 1);
    }
    float[] w = new float[9];
    for (int t = 0; t < w.length; t++) {
      w[t] = (float) r.nextDouble();
    }
    for (int n : new int[] {0, 1, 7, 8, 9, 23, 37}) {
      float[] out = new float[n + 3];
      Taps.weightedSums(in, 5, 37, w, 2, 7, out, 3, n);
      for (int i = 0; i < n; i++) {
        float a = 0f;
        for (int t = 0; t < 7; t++) {
          a += w[2 + t] * in[5 + i + t * 37];
        }
        assertEquals(Float.floatToIntBits(a), Float.floatToIntBits(out[3 + i]), n + ": " + i);
      }
    }
  }
}
