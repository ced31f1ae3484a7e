package dev.jdino.augment;

/**
 * The deterministic evaluation transform: torchvision's {@code Resize(resize)} (shorter side to
 * {@code resize}, aspect ratio kept, bicubic) followed by {@code CenterCrop(crop)}, on PIL
 * semantics. Normalisation is separate ({@link Normalize}).
 */
public final class EvalTransform {
  private EvalTransform() {}

  /**
   * Resizes the shorter side of {@code src} to {@code resize} and cuts the central {@code crop x
   * crop} square, clamped to [0, 1]. For 28 px data the benchmark uses {@code resize = 32, crop =
   * 28}.
   *
   * @throws IllegalArgumentException if {@code crop > resize} (torchvision would zero-pad)
   */
  public static Image apply(Image src, int resize, int crop) {
    if (resize < 1 || crop < 1 || crop > resize) {
      throw new IllegalArgumentException(
          "need 1 <= crop <= resize, got resize " + resize + ", crop " + crop);
    }
    int[] hw = resizedSize(src.height(), src.width(), resize);
    int h = hw[0];
    int w = hw[1];
    // torchvision's CenterCrop: Python round() on the half difference, which rounds halves to even.
    int top = (int) Math.rint((h - crop) / 2.0);
    int left = (int) Math.rint((w - crop) / 2.0);
    // torchvision returns the image untouched when the shorter side already has the target size;
    // otherwise only the crop's window of the resize is computed (the same numbers).
    Image out =
        h == src.height() && w == src.width()
            ? window(src, top, left, crop)
            : BicubicResampler.resizeWindow(src, h, w, top, left, crop, crop);
    float[] to = out.data();
    RandomResizedCrop.clamp01(to, 0, to.length);
    return out;
  }

  private static Image window(Image src, int top, int left, int crop) {
    Image out = Image.zeros(crop, crop);
    int h = src.height();
    int w = src.width();
    for (int c = 0; c < Image.CHANNELS; c++) {
      for (int y = 0; y < crop; y++) {
        System.arraycopy(
            src.data(), (c * h + top + y) * w + left, out.data(), (c * crop + y) * crop, crop);
      }
    }
    return out;
  }

  /**
   * Output size of torchvision's {@code Resize(size)} with a single int: the shorter side becomes
   * {@code size}, the longer one {@code int(size * long / short)} (truncated).
   *
   * @return {@code {height, width}}
   */
  public static int[] resizedSize(int h, int w, int size) {
    if (w <= h) {
      return new int[] {(int) ((double) size * h / w), size};
    }
    return new int[] {size, (int) ((double) size * w / h)};
  }
}
