package dev.jdino.augment;

import java.util.SplittableRandom;

/**
 * Separable Gaussian blur with reflect padding, like torchvision's tensor {@code gaussian_blur}
 * with a kernel of radius {@code ceil(3 sigma)}.
 *
 * <p>The official DINO code blurs with Pillow's {@code ImageFilter.GaussianBlur(radius=sigma)},
 * which approximates a Gaussian by three successive box blurs on 8-bit pixels. We use the exact
 * sampled Gaussian instead: it is what the paper describes, it has no extended box-blur tails, and
 * it works on floats without intermediate rounding.
 */
public final class GaussianBlur {
  private GaussianBlur() {}

  /** Kernel radius for {@code sigma}: {@code ceil(3 sigma)}, which keeps 99.7% of the mass. */
  public static int radius(double sigma) {
    return (int) Math.ceil(3 * sigma);
  }

  /**
   * The normalised 1-D kernel {@code exp(-x^2 / (2 sigma^2))} for {@code x = -radius..radius}
   * (torchvision's {@code _get_gaussian_kernel1d}).
   */
  public static float[] kernel(double sigma, int radius) {
    if (!(sigma > 0) || radius < 0) {
      throw new IllegalArgumentException(
          "need sigma > 0 and radius >= 0, got sigma " + sigma + ", radius " + radius);
    }
    double[] pdf = new double[2 * radius + 1];
    double sum = 0;
    for (int i = 0; i < pdf.length; i++) {
      double x = (i - radius) / sigma;
      pdf[i] = Math.exp(-0.5 * x * x);
      sum += pdf[i];
    }
    float[] k = new float[pdf.length];
    for (int i = 0; i < k.length; i++) {
      k[i] = (float) (pdf[i] / sum);
    }
    return k;
  }

  /**
   * Blurs, in place, 3 planes of {@code h x w} starting at {@code off}.
   *
   * <p>Reflect padding (mirror without repeating the edge pixel) only exists while the radius is
   * smaller than the side, so the radius is capped at {@code side - 1} per axis; a 1-pixel side is
   * left untouched along that axis. Each capped kernel is renormalised to sum to 1.
   */
  public static void apply(float[] px, int off, int h, int w, double sigma) {
    int r = radius(sigma);
    int rx = Math.min(r, w - 1);
    int ry = Math.min(r, h - 1);
    if (rx == 0 && ry == 0) {
      return;
    }
    float[] kx = kernel(sigma, rx);
    float[] ky = rx == ry ? kx : kernel(sigma, ry);
    int plane = h * w;
    int paddedW = w + 2 * rx;
    float[] padded = Scratch.floats(0, Math.max(h * paddedW, (h + 2 * ry) * w));
    float[] rows = Scratch.floats(1, h * paddedW);
    for (int c = 0; c < Image.CHANNELS; c++) {
      int base = off + c * plane;
      padColumns(px, base, h, w, rx, padded);
      // Treating the padded plane as one long row makes each pass a single loop over the whole
      // plane instead of h short ones; outputs that straddle two rows land in the padding
      // columns and are never read.
      convolve(padded, rows, h * paddedW - 2 * rx, kx, 1);
      padRows(rows, paddedW, h, w, ry, padded);
      convolve(padded, px, base, plane, ky, w);
    }
  }

  /** Draws {@code sigma} uniform in {@code [sigmaMin, sigmaMax]} and blurs {@code img}. */
  public static Image apply(Image img, double sigmaMin, double sigmaMax, SplittableRandom rng) {
    apply(
        img.data(),
        0,
        img.height(),
        img.width(),
        RandomResizedCrop.uniform(rng, sigmaMin, sigmaMax));
    return img;
  }

  /** {@code i} mirrored into {@code [0, n)} without repeating the edge; needs overshoot < n. */
  static int reflect(int i, int n) {
    if (i < 0) {
      return -i;
    }
    return i >= n ? 2 * (n - 1) - i : i;
  }

  /** Copies each row into {@code out} (row stride {@code w + 2r}), r reflected columns a side. */
  private static void padColumns(float[] in, int inOff, int h, int w, int r, float[] out) {
    int stride = w + 2 * r;
    for (int y = 0; y < h; y++) {
      int src = inOff + y * w;
      int dst = y * stride;
      System.arraycopy(in, src, out, dst + r, w);
      for (int j = 1; j <= r; j++) {
        out[dst + r - j] = in[src + j];
        out[dst + r + w - 1 + j] = in[src + w - 1 - j];
      }
    }
  }

  /**
   * Copies the first {@code w} columns of each row of {@code in} (row stride {@code stride}) into
   * {@code out} as {@code h + 2r} dense rows, the r rows each side reflected.
   */
  private static void padRows(float[] in, int stride, int h, int w, int r, float[] out) {
    for (int y = -r; y < h + r; y++) {
      System.arraycopy(in, reflect(y, h) * stride, out, (y + r) * w, w);
    }
  }

  /** {@code out[i] = sum_t k[t] * in[i + t * step]} for {@code i < n}. */
  private static void convolve(float[] in, float[] out, int n, float[] k, int step) {
    convolve(in, out, 0, n, k, step);
  }

  private static void convolve(float[] in, float[] out, int outOff, int n, float[] k, int step) {
    Taps.weightedSums(in, 0, step, k, 0, k.length, out, outOff, n);
  }
}
