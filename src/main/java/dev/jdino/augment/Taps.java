package dev.jdino.augment;

/**
 * The inner loop of the separable filters ({@link GaussianBlur}'s passes, {@link
 * BicubicResampler}'s vertical pass): {@code n} weighted sums over {@code taps} inputs {@code step}
 * apart.
 */
final class Taps {
  private Taps() {}

  /**
   * {@code out[outOff + i] = sum_t w[wOff + t] * in[inOff + i + t * step]} for {@code i < n}, each
   * sum taken in order of t (so the result does not depend on how the loop is split).
   */
  static void weightedSums(
      float[] in,
      int inOff,
      int step,
      float[] w,
      int wOff,
      int taps,
      float[] out,
      int outOff,
      int n) {
    int i = 0;
    // Java 17's auto-vectoriser rejects loops whose loads are shifted against each other, so
    // this is scalar code: eight outputs per step, each summed in a register over the taps, keep
    // independent add chains in flight and touch memory once per output instead of once per tap.
    for (; i + 8 <= n; i += 8) {
      float a0 = 0f;
      float a1 = 0f;
      float a2 = 0f;
      float a3 = 0f;
      float a4 = 0f;
      float a5 = 0f;
      float a6 = 0f;
      float a7 = 0f;
      for (int t = 0, p = inOff + i; t < taps; t++, p += step) {
        float wt = w[wOff + t];
        a0 += wt * in[p];
        a1 += wt * in[p + 1];
        a2 += wt * in[p + 2];
        a3 += wt * in[p + 3];
        a4 += wt * in[p + 4];
        a5 += wt * in[p + 5];
        a6 += wt * in[p + 6];
        a7 += wt * in[p + 7];
      }
      int o = outOff + i;
      out[o] = a0;
      out[o + 1] = a1;
      out[o + 2] = a2;
      out[o + 3] = a3;
      out[o + 4] = a4;
      out[o + 5] = a5;
      out[o + 6] = a6;
      out[o + 7] = a7;
    }
    for (; i < n; i++) {
      float a = 0f;
      for (int t = 0, p = inOff + i; t < taps; t++, p += step) {
        a += w[wOff + t] * in[p];
      }
      out[outOff + i] = a;
    }
  }
}
