package dev.jdino.viz;

import dev.jdino.augment.BicubicResampler;
import dev.jdino.augment.Image;
import dev.jdino.augment.Normalize;
import dev.jdino.io.BadInputException;
import java.util.Locale;

/**
 * One image as a visualisation feeds it to the model: resized ({@link ImageSizing}, bicubic,
 * clamped to [0, 1]), then cropped to whole patches, then normalised.
 *
 * <p>The crop keeps the top-left corner and drops the last {@code H mod p} rows and {@code W mod p}
 * columns, as the official {@code visualize_attention.py} does ({@code img[:, :w, :h]}), so patch
 * (i, j) covers pixels {@code [i p, (i+1) p) x [j p, (j+1) p)} of the resized image.
 *
 * @param display the cropped image in [0, 1]: what the model saw, before normalisation
 * @param normalized the cropped image normalised with the model's mean and std, CHW
 * @param patchSize the model's patch size
 */
public record ModelInput(Image display, float[] normalized, int patchSize) {

  /**
   * The most patches an image is prepared with: a 96 x 96 grid (768 px square at patch 8, 1536 px
   * at 16). The last block's attention over N patches is heads x (N+1)^2 floats, 340 MB a head at
   * this limit; a 4000 x 10 px image, resized to shorter side 64, would make 25,600 patches and 10
   * GB of attention for 4 heads, and its patch tokens for PCA overflowed an array.
   */
  public static final int MAX_PATCHES = 96 * 96;

  public int height() {
    return display.height();
  }

  public int width() {
    return display.width();
  }

  /** Rows of patches. */
  public int gridHeight() {
    return height() / patchSize;
  }

  /** Columns of patches. */
  public int gridWidth() {
    return width() / patchSize;
  }

  /**
   * Resizes, crops and normalises {@code src}.
   *
   * @throws BadInputException if the resized image is smaller than one patch on either side, or
   *     makes more than {@link #MAX_PATCHES} patches (checked before anything is resized)
   */
  public static ModelInput prepare(
      Image src, ImageSizing sizing, int patchSize, float[] mean, float[] std) {
    int[] hw = sizing.resized(src.height(), src.width());
    long patches = (long) (hw[0] / patchSize) * (hw[1] / patchSize);
    if (patches > MAX_PATCHES) {
      throw tooManyPatches(src.height(), src.width(), hw, patchSize);
    }
    Image resized = src;
    if (hw[0] != src.height() || hw[1] != src.width()) {
      if (hw[0] < 1 || hw[1] < 1) {
        throw tooSmall(src.height(), src.width(), hw, patchSize);
      }
      resized = BicubicResampler.resize(src, hw[0], hw[1]);
      clamp01(resized.data());
    }
    int h = resized.height() - resized.height() % patchSize;
    int w = resized.width() - resized.width() % patchSize;
    if (h == 0 || w == 0) {
      throw tooSmall(src.height(), src.width(), hw, patchSize);
    }
    Image cropped = crop(resized, h, w);
    float[] normalized = cropped.data().clone();
    Normalize.apply(normalized, 0, h * w, mean, std);
    return new ModelInput(cropped, normalized, patchSize);
  }

  /** The top-left {@code h x w} of {@code img} (the image itself if that is all of it). */
  static Image crop(Image img, int h, int w) {
    if (h == img.height() && w == img.width()) {
      return img;
    }
    Image out = Image.zeros(h, w);
    int srcH = img.height();
    int srcW = img.width();
    for (int c = 0; c < Image.CHANNELS; c++) {
      for (int y = 0; y < h; y++) {
        System.arraycopy(img.data(), (c * srcH + y) * srcW, out.data(), (c * h + y) * w, w);
      }
    }
    return out;
  }

  private static void clamp01(float[] px) {
    for (int i = 0; i < px.length; i++) {
      px[i] = Math.min(1f, Math.max(0f, px[i]));
    }
  }

  private static BadInputException tooSmall(int h, int w, int[] resized, int p) {
    return new BadInputException(
        "image of "
            + size(h, w, resized)
            + " pixels is smaller than one "
            + p
            + "x"
            + p
            + " patch");
  }

  private static BadInputException tooManyPatches(int h, int w, int[] resized, int p) {
    long rows = resized[0] / p;
    long cols = resized[1] / p;
    String to =
        resized[0] == h && resized[1] == w ? "" : "; resized to " + resized[1] + " x " + resized[0];
    return new BadInputException(
        String.format(
            Locale.ROOT,
            "a %d x %d px image (width x height%s) makes %d x %d = %,d patches of %d px, more than"
                + " the %,d (a 96 x 96 grid) an image is drawn with; give a smaller --image-size"
                + " or WxH",
            w,
            h,
            to,
            cols,
            rows,
            rows * cols,
            p,
            MAX_PATCHES));
  }

  /** {@code HxW}, the resized size too where it differs (height first, as everywhere here). */
  private static String size(int h, int w, int[] resized) {
    return resized[0] == h && resized[1] == w
        ? h + "x" + w
        : h + "x" + w + " (resized to " + resized[0] + "x" + resized[1] + ")";
  }
}
