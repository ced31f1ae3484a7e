package dev.jdino.augment;

/** Mirrors an image left to right (torchvision's {@code hflip}). */
public final class HorizontalFlip {
  private HorizontalFlip() {}

  /** Flips, in place, 3 planes of {@code h x w} starting at {@code off}. */
  public static void apply(float[] px, int off, int h, int w) {
    for (int row = 0, rows = Image.CHANNELS * h; row < rows; row++) {
      for (int i = off + row * w, j = i + w - 1; i < j; i++, j--) {
        float t = px[i];
        px[i] = px[j];
        px[j] = t;
      }
    }
  }

  /** Flips {@code img} in place and returns it. */
  public static Image apply(Image img) {
    apply(img.data(), 0, img.height(), img.width());
    return img;
  }
}
