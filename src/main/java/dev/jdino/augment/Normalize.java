package dev.jdino.augment;

/** torchvision's {@code Normalize}: {@code (x - mean[c]) / std[c]} per channel. */
public final class Normalize {
  private Normalize() {}

  /**
   * Normalises, in place, 3 planes of {@code plane} values starting at {@code off}.
   *
   * @param mean per-channel mean (3 values)
   * @param std per-channel standard deviation (3 values, positive)
   */
  public static void apply(float[] px, int off, int plane, float[] mean, float[] std) {
    if (mean.length != Image.CHANNELS || std.length != Image.CHANNELS) {
      throw new IllegalArgumentException("mean and std need 3 values each");
    }
    for (int c = 0; c < Image.CHANNELS; c++) {
      float m = mean[c];
      float s = std[c];
      // Division rather than multiplying by 1/s keeps results bit-identical to torchvision.
      for (int i = off + c * plane, end = i + plane; i < end; i++) {
        px[i] = (px[i] - m) / s;
      }
    }
  }

  /**
   * Normalises {@code img} in place and returns it. The result is no longer in [0, 1], so it only
   * makes sense as the last step before the network.
   */
  public static Image apply(Image img, float[] mean, float[] std) {
    apply(img.data(), 0, img.height() * img.width(), mean, std);
    return img;
  }
}
