package dev.jdino.engine;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.SplittableRandom;

/**
 * Exact (double) reference arithmetic and worst-case error bounds for the bridge's bf16 operations,
 * independent of libtorch.
 *
 * <p>bfloat16 keeps 8 significant bits, so rounding to nearest has relative error at most {@link
 * #U} = 2⁻⁸. A product of two rounded operands is off by at most (2u + u²) of |a·b|; the kernel's
 * fp32 sum of K terms adds at most K·2⁻²⁴ of the sum of magnitudes; the result's rounding adds u of
 * |result|. The bounds below are these sums, element by element.
 */
final class Bf16Math {
  /** Unit roundoff of bfloat16 (8 significant bits, round to nearest even). */
  static final double U = 0x1p-8;

  /** Unit roundoff of float32. */
  static final double U32 = 0x1p-24;

  private Bf16Math() {}

  static float[] normal(SplittableRandom rng, int n, double std) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      // Box-Muller: a fixed, seeded normal sample without libtorch's generator
      double r = Math.sqrt(-2 * Math.log(1 - rng.nextDouble()));
      a[i] = (float) (std * r * Math.cos(2 * Math.PI * rng.nextDouble()));
    }
    return a;
  }

  /** Whether {@code v} is a bfloat16 value (the low 16 bits of its float32 pattern are zero). */
  static boolean isBf16(float v) {
    return (Float.floatToRawIntBits(v) & 0xFFFF) == 0;
  }

  static void assertAllBf16(float[] a, String what) {
    for (int i = 0; i < a.length; i++) {
      if (!isBf16(a[i])) {
        fail(
            what
                + ": element "
                + i
                + " = "
                + a[i]
                + " is not a bfloat16 value (computed in fp32?)");
      }
    }
  }

  /** One bf16 ulp at |v|: 2^(exponent - 7). */
  static double ulp(double v) {
    if (v == 0) {
      return Double.MIN_NORMAL;
    }
    return Math.scalb(1.0, Math.getExponent(v) - 7);
  }

  /** c = a (n, k) · bᵀ where b is (m, k); plus the sums of |a|·|b| in {@code mag}. */
  static double[] productNt(float[] a, float[] b, int n, int k, int m, double[] mag) {
    double[] c = new double[n * m];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < m; j++) {
        double s = 0;
        double t = 0;
        for (int l = 0; l < k; l++) {
          double p = (double) a[i * k + l] * b[j * k + l];
          s += p;
          t += Math.abs(p);
        }
        c[i * m + j] = s;
        if (mag != null) {
          mag[i * m + j] = t;
        }
      }
    }
    return c;
  }

  static float[] transpose(float[] a, int rows, int cols) {
    float[] t = new float[a.length];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        t[j * rows + i] = a[i * cols + j];
      }
    }
    return t;
  }

  /**
   * The worst-case error of a bf16 product with fp32 accumulation over {@code k} terms: |result -
   * exact| <= (1 + u)((2u + u² + k·u32)·mag + u·|addend|) + u·|exact|.
   */
  static double productBound(double exact, double mag, double addend, int k) {
    return (1 + U) * ((2 * U + U * U + 1.01 * k * U32) * mag + U * Math.abs(addend))
        + U * Math.abs(exact);
  }

  /** Fails with the worst element if any |actual - exact| exceeds its bound. */
  static void assertWithin(double[] exact, float[] actual, double[] bound, String what) {
    if (exact.length != actual.length) {
      fail(what + ": " + actual.length + " values, expected " + exact.length);
    }
    int worst = -1;
    double worstRatio = 0;
    for (int i = 0; i < exact.length; i++) {
      double ratio = Math.abs(actual[i] - exact[i]) / bound[i];
      if (!(ratio <= 1) && (worst < 0 || ratio > worstRatio)) {
        worst = i;
        worstRatio = ratio;
      }
    }
    if (worst >= 0) {
      fail(
          what
              + ": element "
              + worst
              + " = "
              + actual[worst]
              + ", exact "
              + exact[worst]
              + ", error "
              + Math.abs(actual[worst] - exact[worst])
              + " over the bound "
              + bound[worst]);
    }
  }

  /** max |actual - exact| / bound: how much of the bound the worst element uses (for reports). */
  static double usedOfBound(double[] exact, float[] actual, double[] bound) {
    double m = 0;
    for (int i = 0; i < exact.length; i++) {
      m = Math.max(m, Math.abs(actual[i] - exact[i]) / bound[i]);
    }
    return m;
  }

  /** ||a - b|| / ||b|| in double. */
  static double relativeNorm(float[] a, float[] b) {
    double d = 0;
    double n = 0;
    for (int i = 0; i < a.length; i++) {
      d += ((double) a[i] - b[i]) * ((double) a[i] - b[i]);
      n += (double) b[i] * b[i];
    }
    return Math.sqrt(d / n);
  }

  /**
   * Attention in double for (bh, n, d) inputs: output and, for upstream gradient g, the gradients
   * of q, k, v (P = softmax(scale·q·kᵀ), o = P·v; dv = Pᵀ·g, dP = g·vᵀ, dS = P∘(dP - rowsum(P∘dP)),
   * dq = scale·dS·k, dk = scale·dSᵀ·q).
   */
  static double[][] attention(float[] q, float[] k, float[] v, float[] g, int bh, int n, int d) {
    double scale = 1 / Math.sqrt(d);
    double[] o = new double[bh * n * d];
    double[] dq = new double[o.length];
    double[] dk = new double[o.length];
    double[] dv = new double[o.length];
    for (int h = 0; h < bh; h++) {
      int base = h * n * d;
      double[][] p = new double[n][n];
      for (int i = 0; i < n; i++) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) {
          double dot = 0;
          for (int e = 0; e < d; e++) {
            dot += (double) q[base + i * d + e] * k[base + j * d + e];
          }
          p[i][j] = scale * dot;
          max = Math.max(max, p[i][j]);
        }
        double sum = 0;
        for (int j = 0; j < n; j++) {
          p[i][j] = Math.exp(p[i][j] - max);
          sum += p[i][j];
        }
        for (int j = 0; j < n; j++) {
          p[i][j] /= sum;
        }
      }
      for (int i = 0; i < n; i++) {
        double[] dp = new double[n];
        double row = 0;
        for (int j = 0; j < n; j++) {
          for (int e = 0; e < d; e++) {
            o[base + i * d + e] += p[i][j] * v[base + j * d + e];
            dv[base + j * d + e] += p[i][j] * g[base + i * d + e];
            dp[j] += (double) g[base + i * d + e] * v[base + j * d + e];
          }
          row += p[i][j] * dp[j];
        }
        for (int j = 0; j < n; j++) {
          double ds = p[i][j] * (dp[j] - row) * scale;
          for (int e = 0; e < d; e++) {
            dq[base + i * d + e] += ds * k[base + j * d + e];
            dk[base + j * d + e] += ds * q[base + i * d + e];
          }
        }
      }
    }
    return new double[][] {o, dq, dk, dv};
  }

  /** max |a - exact| over max |exact|. */
  static double relativeMax(float[] a, double[] exact) {
    double d = 0;
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      d = Math.max(d, Math.abs(a[i] - exact[i]));
      m = Math.max(m, Math.abs(exact[i]));
    }
    return d / m;
  }
}
