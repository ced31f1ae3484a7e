package dev.jdino.data;

import dev.jdino.augment.AugmentConfig;

/**
 * How small an image may be decoded before the crops lose detail, and the subsampling factor that
 * gets there.
 *
 * <p><b>The rule.</b> RandomResizedCrop picks a box covering at least {@code scaleMin} of the
 * image's area and resizes it to the crop size {@code S}. For an image whose shorter side is {@code
 * m}, the smallest box has a side of about {@code sqrt(scaleMin) * m} or more (exactly that for a
 * square image at aspect ratio 1; more for wider images). Requiring that box to hold at least
 * {@code S} pixels, so no crop is made by enlarging decimated pixels, gives
 *
 * <pre>  m >= S / sqrt(scaleMin)</pre>
 *
 * for global and for local crops; the larger of the two is the shorter side the decoder must keep.
 * With the reference recipe (224 px at scale 0.4, 96 px at 0.05) that is 430 px, so 1280x720 frames
 * are decoded in full and only bigger photos are reduced; with {@code fmnist-small} (28 px at 0.4,
 * 12 px at 0.1) it is 45 px, and a 1280x720 frame is decoded at 1/16 (80x45). Aspect-ratio jitter
 * can make one side of a box up to sqrt(4/3) shorter than this estimate; the crop is then enlarged
 * by at most that factor, which the bicubic resize absorbs.
 *
 * <p><b>Subsampling</b> keeps every f-th pixel in each direction (ImageIO's source subsampling),
 * which for JPEG and PNG also means the full-resolution image never exists in memory. Besides the
 * rule, a pixel budget of {@value #MAX_PIXELS} decoded pixels applies to every decode, so a huge
 * image (say 20000x20000) cannot exhaust memory even where no size hint is given.
 */
public final class DecodeSize {
  /** At most this many pixels are decoded from one image (a 4096x4096 image: 192 MB as floats). */
  public static final long MAX_PIXELS = 1L << 24;

  private DecodeSize() {}

  /**
   * The shorter side the decoded image must keep for the crops of {@code a}: {@code max(global /
   * sqrt(global scale min), local / sqrt(local scale min))}, rounded up; local crops count only
   * when there are some.
   */
  public static int minSourceSide(AugmentConfig a) {
    double need = a.globalCropSize() / Math.sqrt(a.globalCrops().scale().min());
    if (a.localCropsNumber() > 0) {
      need = Math.max(need, a.localCropSize() / Math.sqrt(a.localCrops().scale().min()));
    }
    return (int) Math.ceil(need - 1e-9);
  }

  /**
   * The subsampling factor for a {@code width x height} image (or region): the largest {@code f}
   * that keeps the shorter side at {@code minShorterSide} or more ({@code ceil(side / f)} pixels
   * are decoded), raised if needed to stay within {@link #MAX_PIXELS}. {@code minShorterSide <= 0}
   * means "full resolution, budget permitting".
   */
  public static int subsampling(int width, int height, int minShorterSide) {
    int shorter = Math.min(width, height);
    int f = 1;
    if (minShorterSide > 0 && shorter > minShorterSide) {
      f = Math.max(1, shorter / minShorterSide);
      // (f < shorter: for a shorter side of 1 every f would do, and f would count past the int
      // range)
      while (f < shorter && ceilDiv(shorter, f + 1) >= minShorterSide) {
        f++;
      }
    }
    while ((long) ceilDiv(width, f) * ceilDiv(height, f) > MAX_PIXELS) {
      f++;
    }
    return f;
  }

  private static int ceilDiv(int a, int b) {
    return (a + b - 1) / b;
  }
}
