package dev.jdino.augment;

import java.util.Arrays;

/**
 * torchvision's tensor {@code rgb_to_grayscale(img, num_output_channels=3)}: luma {@code 0.2989 R +
 * 0.587 G + 0.114 B} (ITU-R 601-2) copied into all three channels, so that the network input keeps
 * 3 channels.
 */
public final class Grayscale {
  static final float R = 0.2989f;
  static final float G = 0.587f;
  static final float B = 0.114f;

  private Grayscale() {}

  /** Luma of one pixel, evaluated in the same float order as torchvision. */
  public static float luma(float r, float g, float b) {
    return R * r + G * g + B * b;
  }

  /** Converts, in place, 3 planes of {@code plane} pixels starting at {@code off}. */
  public static void apply(float[] px, int off, int plane) {
    int g = off + plane;
    int b = g + plane;
    for (int i = 0; i < plane; i++) {
      float l = luma(px[off + i], px[g + i], px[b + i]);
      px[off + i] = l;
      px[g + i] = l;
      px[b + i] = l;
    }
  }

  /** True if the three planes of {@code img} are identical (a grayscale source). */
  public static boolean isGray(Image img) {
    float[] d = img.data();
    int plane = img.height() * img.width();
    // Mismatch returns -1 at once on colour images; the full scan only happens on gray ones.
    return Arrays.mismatch(d, 0, plane, d, plane, 2 * plane) < 0
        && Arrays.mismatch(d, 0, plane, d, 2 * plane, 3 * plane) < 0;
  }

  /** Converts {@code img} in place and returns it. */
  public static Image apply(Image img) {
    apply(img.data(), 0, img.height() * img.width());
    return img;
  }
}
