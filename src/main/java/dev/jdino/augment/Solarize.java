package dev.jdino.augment;

/**
 * Pillow's {@code ImageOps.solarize(img, threshold=128)} on [0, 1] floats: every value at or above
 * 128/255 becomes {@code 1 - x}. The official pipeline applies it to 8-bit images, where the
 * threshold is 128 of 255.
 */
public final class Solarize {
  /** Smallest value that gets inverted: 128/255 as a float. */
  public static final float THRESHOLD = 128f / 255f;

  private Solarize() {}

  /** Solarises {@code n} values in place starting at {@code off}. */
  public static void apply(float[] px, int off, int n) {
    for (int i = off, end = off + n; i < end; i++) {
      float x = px[i];
      px[i] = x >= THRESHOLD ? 1f - x : x;
    }
  }

  /** Solarises {@code img} in place and returns it. */
  public static Image apply(Image img) {
    apply(img.data(), 0, img.data().length);
    return img;
  }
}
