package dev.jdino.augment;

import java.util.SplittableRandom;

/**
 * torchvision's {@code RandomResizedCrop}: pick a random box by area fraction and aspect ratio,
 * then resize it to a square with bicubic resampling.
 *
 * <p>The box is resampled as if it had been cut out first ({@link BicubicResampler#resampleCrop}),
 * because that is what torchvision's {@code resized_crop} does to the PIL images of the official
 * DINO code; Pillow's {@code box=} resize would instead let the taps near the crop edge read the
 * pixels just outside it.
 */
public final class RandomResizedCrop {
  private static final int ATTEMPTS = 10;

  private RandomResizedCrop() {}

  /**
   * Samples a crop box exactly like torchvision's {@code RandomResizedCrop.get_params}: up to 10
   * attempts with area fraction uniform in [scaleMin, scaleMax] and aspect ratio (width / height)
   * log-uniform in [ratioMin, ratioMax], then a central crop clamped to the ratio range.
   *
   * @return {@code {top, left, cropH, cropW}}, always inside the {@code h x w} image and non-empty
   */
  public static int[] sampleBox(
      int h,
      int w,
      double scaleMin,
      double scaleMax,
      double ratioMin,
      double ratioMax,
      SplittableRandom rng) {
    if (h < 1 || w < 1) {
      throw new IllegalArgumentException("image size must be positive, got " + h + "x" + w);
    }
    double area = (double) h * w;
    double logRatioMin = Math.log(ratioMin);
    double logRatioMax = Math.log(ratioMax);
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      double targetArea = area * uniform(rng, scaleMin, scaleMax);
      double aspect = Math.exp(uniform(rng, logRatioMin, logRatioMax));
      // Python's round() rounds halves to even, as Math.rint does.
      int cw = (int) Math.rint(Math.sqrt(targetArea * aspect));
      int ch = (int) Math.rint(Math.sqrt(targetArea / aspect));
      if (cw > 0 && cw <= w && ch > 0 && ch <= h) {
        int top = rng.nextInt(h - ch + 1);
        int left = rng.nextInt(w - cw + 1);
        return new int[] {top, left, ch, cw};
      }
    }
    double inRatio = (double) w / h;
    int cw;
    int ch;
    if (inRatio < ratioMin) {
      cw = w;
      ch = (int) Math.rint(cw / ratioMin);
    } else if (inRatio > ratioMax) {
      ch = h;
      cw = (int) Math.rint(ch * ratioMax);
    } else {
      cw = w;
      ch = h;
    }
    // torchvision can round to 0 or past the border for extreme images; keep the box valid.
    cw = Math.min(Math.max(cw, 1), w);
    ch = Math.min(Math.max(ch, 1), h);
    return new int[] {(h - ch) / 2, (w - cw) / 2, ch, cw};
  }

  /**
   * Resamples {@code box} of {@code src} to {@code size x size} into {@code dst} (3 planes from
   * {@code dstOff}) with crop-then-resize bicubic semantics, clamped to [0, 1].
   */
  public static void resizeBox(Image src, int[] box, int size, float[] dst, int dstOff) {
    resizeBox(src, Grayscale.isGray(src), box, size, dst, dstOff);
  }

  /**
   * As {@link #resizeBox(Image, int[], int, float[], int)}, told whether the three planes of {@code
   * src} are identical: then one plane is resampled and copied, which gives the same result at a
   * third of the cost (grayscale datasets are stored as 3 identical channels).
   */
  static void resizeBox(Image src, boolean gray, int[] box, int size, float[] dst, int dstOff) {
    int plane = size * size;
    BicubicResampler.resampleCrop(
        src.data(),
        0,
        gray ? 1 : Image.CHANNELS,
        src.height(),
        src.width(),
        box[0],
        box[1],
        box[2],
        box[3],
        dst,
        dstOff,
        size,
        size);
    clamp01(dst, dstOff, gray ? plane : Image.CHANNELS * plane);
    if (gray) {
      System.arraycopy(dst, dstOff, dst, dstOff + plane, plane);
      System.arraycopy(dst, dstOff, dst, dstOff + 2 * plane, plane);
    }
  }

  /** Samples a box and resizes it: the whole transform on one image. */
  public static Image apply(
      Image src,
      int size,
      double scaleMin,
      double scaleMax,
      double ratioMin,
      double ratioMax,
      SplittableRandom rng) {
    int[] box = sampleBox(src.height(), src.width(), scaleMin, scaleMax, ratioMin, ratioMax, rng);
    Image out = Image.zeros(size, size);
    resizeBox(src, box, size, out.data(), 0);
    return out;
  }

  /** torch's {@code uniform_(a, b)}: {@code a + (b - a) * u}. */
  static double uniform(SplittableRandom rng, double a, double b) {
    return a + (b - a) * rng.nextDouble();
  }

  static void clamp01(float[] px, int off, int n) {
    for (int i = off, end = off + n; i < end; i++) {
      px[i] = Math.min(Math.max(px[i], 0f), 1f);
    }
  }
}
