package dev.jdino.augment;

/**
 * Bicubic resampling with the semantics of Pillow's {@code ImagingResample} ({@code Image.resize}
 * with {@code BICUBIC}), on planar float images.
 *
 * <p>Pillow is the reference because the official DINO pipeline resizes PIL images. Its algorithm
 * is separable (horizontal pass, then vertical pass), uses the cubic convolution kernel with {@code
 * a = -0.5}, widens the kernel by the downscale factor when shrinking (antialiasing), clips the
 * taps at the input border and renormalises the weights of every output pixel to sum to 1. Unlike
 * Pillow on 8-bit images there is no rounding between the passes, so the results match Pillow's
 * mode {@code "F"}. Results are not clamped: bicubic overshoots near edges, and callers that need
 * [0, 1] clamp afterwards.
 *
 * <p>Two ways of choosing the source region are offered because they differ at its border: {@link
 * #resampleBox} reads taps outside the box when the image has pixels there (Pillow's {@code box=}
 * argument), {@link #resampleCrop} behaves as if the region had been cut out first (torchvision's
 * {@code resized_crop}: crop, then resize), so taps stop at the crop edge.
 */
public final class BicubicResampler {
  private static final double SUPPORT = 2.0;

  private BicubicResampler() {}

  /**
   * Resamples the region {@code [x0, x1) x [y0, y1)} of a planar image to {@code outH x outW}, like
   * Pillow's {@code im.resize((outW, outH), BICUBIC, box=(x0, y0, x1, y1))} on each channel. Box
   * coordinates are single precision because Pillow passes them to C as {@code float}.
   *
   * @param src planar source, {@code channels} planes of {@code srcH * srcW} from {@code srcOff}
   * @param dst receives {@code channels} planes of {@code outH * outW} from {@code dstOff}
   */
  public static void resampleBox(
      float[] src,
      int srcOff,
      int channels,
      int srcH,
      int srcW,
      float x0,
      float y0,
      float x1,
      float y1,
      float[] dst,
      int dstOff,
      int outH,
      int outW) {
    if (!(x0 >= 0 && x0 < x1 && x1 <= srcW && y0 >= 0 && y0 < y1 && y1 <= srcH)) {
      throw new IllegalArgumentException(
          "box ("
              + x0
              + ", "
              + y0
              + ", "
              + x1
              + ", "
              + y1
              + ") is not inside a "
              + srcW
              + "x"
              + srcH
              + " image");
    }
    requireOutput(outH, outW);
    Axis horizontal = Axis.of(srcW, x0, x1, outW, 0);
    Axis vertical = Axis.of(srcH, y0, y1, outH, 0);
    run(src, srcOff, channels, srcH, srcW, horizontal, vertical, dst, dstOff);
  }

  /**
   * Resamples the integer crop {@code (top, left, cropH, cropW)} to {@code outH x outW} as if it
   * had been cut out first, like torchvision's {@code resized_crop} on a PIL image (Pillow's {@code
   * im.crop(...).resize((outW, outH), BICUBIC)}).
   */
  public static void resampleCrop(
      float[] src,
      int srcOff,
      int channels,
      int srcH,
      int srcW,
      int top,
      int left,
      int cropH,
      int cropW,
      float[] dst,
      int dstOff,
      int outH,
      int outW) {
    if (top < 0
        || left < 0
        || cropH < 1
        || cropW < 1
        || top + cropH > srcH
        || left + cropW > srcW) {
      throw new IllegalArgumentException(
          "crop (top "
              + top
              + ", left "
              + left
              + ", "
              + cropH
              + "x"
              + cropW
              + ") is not inside a "
              + srcH
              + "x"
              + srcW
              + " image");
    }
    requireOutput(outH, outW);
    Axis horizontal = Axis.of(cropW, 0f, cropW, outW, left);
    Axis vertical = Axis.of(cropH, 0f, cropH, outH, top);
    run(src, srcOff, channels, srcH, srcW, horizontal, vertical, dst, dstOff);
  }

  /**
   * The window {@code [top, top + h) x [left, left + w)} of {@link #resize}{@code (src, outH,
   * outW)}, computed alone: the same numbers (every output pixel has its own taps), without the
   * rest of the resized image. A centre crop of a resize needs only its window: a 60000 x 1 px
   * strip resized to shorter side 73 is 4.4 M x 73 pixels, 3.8 GB, for a 64 x 64 crop.
   */
  public static Image resizeWindow(Image src, int outH, int outW, int top, int left, int h, int w) {
    requireOutput(outH, outW);
    if (top < 0 || left < 0 || h < 1 || w < 1 || top + h > outH || left + w > outW) {
      throw new IllegalArgumentException(
          "window (top "
              + top
              + ", left "
              + left
              + ", "
              + h
              + "x"
              + w
              + ") is not inside "
              + outH
              + "x"
              + outW);
    }
    Image out = Image.zeros(h, w);
    Axis horizontal = Axis.of(src.width(), 0f, src.width(), outW, 0, left, w);
    Axis vertical = Axis.of(src.height(), 0f, src.height(), outH, 0, top, h);
    run(
        src.data(),
        0,
        Image.CHANNELS,
        src.height(),
        src.width(),
        horizontal,
        vertical,
        out.data(),
        0);
    return out;
  }

  /** Resizes a whole 3-channel image to {@code outH x outW} (unclamped). */
  public static Image resize(Image src, int outH, int outW) {
    Image out = Image.zeros(outH, outW);
    resampleCrop(
        src.data(),
        0,
        Image.CHANNELS,
        src.height(),
        src.width(),
        0,
        0,
        src.height(),
        src.width(),
        out.data(),
        0,
        outH,
        outW);
    return out;
  }

  private static void requireOutput(int outH, int outW) {
    if (outH < 1 || outW < 1) {
      throw new IllegalArgumentException("output size must be positive, got " + outH + "x" + outW);
    }
  }

  /** Pillow's cubic convolution kernel with a = -0.5. */
  static double kernel(double x) {
    final double a = -0.5;
    x = Math.abs(x);
    if (x < 1.0) {
      return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
    }
    if (x < 2.0) {
      return (((x - 5) * x + 8) * x - 4) * a;
    }
    return 0.0;
  }

  private static void run(
      float[] src,
      int srcOff,
      int channels,
      int srcH,
      int srcW,
      Axis horizontal,
      Axis vertical,
      float[] dst,
      int dstOff) {
    int outH = vertical.outSize;
    int outW = horizontal.outSize;
    // Only the source rows that some output row reads go through the horizontal pass.
    int firstRow = vertical.start[0];
    int lastRow = vertical.start[outH - 1] + vertical.count[outH - 1];
    int rows = lastRow - firstRow;
    float[] tmp = Scratch.floats(0, channels * rows * outW);
    for (int c = 0; c < channels; c++) {
      horizontalPass(
          src, srcOff + (c * srcH + firstRow) * srcW, srcW, rows, horizontal, tmp, c * rows * outW);
    }
    for (int c = 0; c < channels; c++) {
      verticalPass(tmp, c * rows * outW, firstRow, outW, vertical, dst, dstOff + c * outH * outW);
    }
  }

  private static void horizontalPass(
      float[] in, int inOff, int inW, int rows, Axis ax, float[] out, int outOff) {
    int outW = ax.outSize;
    int ks = ax.ksize;
    int[] start = ax.start;
    int[] count = ax.count;
    float[] w = ax.weights;
    int r = 0;
    // Four rows at a time: four independent accumulators keep the FP adder busy, where a single
    // running sum would wait on its own latency at every tap.
    for (; r + 4 <= rows; r += 4) {
      int i0 = inOff + r * inW;
      int i1 = i0 + inW;
      int i2 = i1 + inW;
      int i3 = i2 + inW;
      int o = outOff + r * outW;
      for (int xx = 0; xx < outW; xx++) {
        int s = start[xx];
        int n = count[xx];
        int k0 = xx * ks;
        float a0 = 0f;
        float a1 = 0f;
        float a2 = 0f;
        float a3 = 0f;
        for (int k = 0; k < n; k++) {
          float wk = w[k0 + k];
          int x = s + k;
          a0 += wk * in[i0 + x];
          a1 += wk * in[i1 + x];
          a2 += wk * in[i2 + x];
          a3 += wk * in[i3 + x];
        }
        out[o + xx] = a0;
        out[o + outW + xx] = a1;
        out[o + 2 * outW + xx] = a2;
        out[o + 3 * outW + xx] = a3;
      }
    }
    for (; r < rows; r++) {
      int i0 = inOff + r * inW;
      int o = outOff + r * outW;
      for (int xx = 0; xx < outW; xx++) {
        int s = i0 + start[xx];
        int n = count[xx];
        int k0 = xx * ks;
        float a = 0f;
        for (int k = 0; k < n; k++) {
          a += w[k0 + k] * in[s + k];
        }
        out[o + xx] = a;
      }
    }
  }

  private static void verticalPass(
      float[] in, int inOff, int firstRow, int width, Axis ax, float[] out, int outOff) {
    int ks = ax.ksize;
    float[] w = ax.weights;
    for (int yy = 0; yy < ax.outSize; yy++) {
      int n = ax.count[yy];
      int k0 = yy * ks;
      int row = inOff + (ax.start[yy] - firstRow) * width;
      int o = outOff + yy * width;
      Taps.weightedSums(in, row, width, w, k0, n, out, o, width);
    }
  }

  /** Pillow's per-axis coefficient table ({@code precompute_coeffs}). */
  static final class Axis {
    final int outSize;
    final int ksize;

    /** First input index read by each output index (already shifted). */
    final int[] start;

    /** Number of taps of each output index. */
    final int[] count;

    /** {@code ksize} normalised weights per output index. */
    final float[] weights;

    private Axis(int outSize, int ksize) {
      this.outSize = outSize;
      this.ksize = ksize;
      this.start = new int[outSize];
      this.count = new int[outSize];
      this.weights = new float[outSize * ksize];
    }

    /**
     * Coefficients for resampling {@code [in0, in1)} of an axis of {@code inSize} pixels to {@code
     * outSize}; {@code shift} is added to every input index (the crop offset).
     */
    static Axis of(int inSize, float in0, float in1, int outSize, int shift) {
      return of(inSize, in0, in1, outSize, shift, 0, outSize);
    }

    /**
     * The coefficients of output indices {@code [from, from + n)} only, of the same resampling to
     * {@code outSize}: entry {@code i} is output index {@code from + i}.
     */
    static Axis of(int inSize, float in0, float in1, int outSize, int shift, int from, int n) {
      double scale = (double) (in1 - in0) / outSize;
      double filterScale = Math.max(scale, 1.0);
      double support = SUPPORT * filterScale;
      double invFilterScale = 1.0 / filterScale;
      Axis ax = new Axis(n, (int) Math.ceil(support) * 2 + 1);
      double[] k = new double[ax.ksize];
      for (int i = 0; i < n; i++) {
        int xx = from + i;
        double center = in0 + (xx + 0.5) * scale;
        // (int) truncates toward zero exactly like the C cast it mirrors.
        int xmin = Math.max((int) (center - support + 0.5), 0);
        int xmax = Math.min((int) (center + support + 0.5), inSize) - xmin;
        double total = 0.0;
        for (int x = 0; x < xmax; x++) {
          k[x] = kernel((x + xmin - center + 0.5) * invFilterScale);
          total += k[x];
        }
        int base = i * ax.ksize;
        for (int x = 0; x < xmax; x++) {
          ax.weights[base + x] = (float) (total != 0.0 ? k[x] / total : k[x]);
        }
        ax.start[i] = xmin + shift;
        ax.count[i] = xmax;
      }
      return ax;
    }
  }
}
