package dev.jdino.augment;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jdino.io.ConfigException;
import java.util.Arrays;

/**
 * Per-channel {@code (x - mean) / std} on RGB values in [0, 1]: the last step of every crop, and
 * what any image shown to a trained backbone must go through the same way.
 *
 * @param mean RGB mean (3 values)
 * @param std RGB standard deviation (3 positive values)
 */
public record Normalization(float[] mean, float[] std) {
  private static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};
  private static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};

  public Normalization {
    if (mean == null || mean.length != 3) {
      throw new ConfigException("mean", "the normalisation mean needs 3 values (R G B)");
    }
    if (std == null || std.length != 3) {
      throw new ConfigException("std", "the normalisation std needs 3 values (R G B)");
    }
    // (x - mean) / std with a non-finite mean or std makes every pixel NaN or 0.
    for (float m : mean) {
      if (!Float.isFinite(m)) {
        throw new ConfigException("mean", "normalisation mean values must be finite, got " + m);
      }
    }
    for (float s : std) {
      if (!(Float.isFinite(s) && s > 0)) {
        throw new ConfigException(
            "std", "normalisation std values must be finite numbers > 0, got " + s);
      }
    }
    mean = mean.clone();
    std = std.clone();
  }

  /** ImageNet's statistics: the reference's, and the released DINO weights'. */
  public static Normalization imagenet() {
    return new Normalization(IMAGENET_MEAN, IMAGENET_STD);
  }

  /**
   * The normalisation recorded in a jdino configuration's JSON ({@code augment.normalize}, or
   * {@code augment.mean/std} in version-1 files), else ImageNet's (released weights carry none).
   */
  public static Normalization recordedIn(JsonNode config) {
    JsonNode a = config == null ? null : config.path("augment");
    if (a == null) {
      return imagenet();
    }
    JsonNode n = a.has("normalize") ? a.path("normalize") : a;
    float[] mean = floats3(n.get("mean"));
    float[] std = floats3(n.get("std"));
    if (mean == null || std == null) {
      return imagenet();
    }
    try {
      return new Normalization(mean, std);
    } catch (ConfigException e) {
      return imagenet();
    }
  }

  private static float[] floats3(JsonNode n) {
    if (n == null || !n.isArray() || n.size() != 3) {
      return null;
    }
    float[] f = new float[3];
    for (int i = 0; i < 3; i++) {
      if (!n.get(i).isNumber()) {
        return null;
      }
      f[i] = (float) n.get(i).asDouble();
    }
    return f;
  }

  /** The same value on every channel (gray data). */
  public static Normalization gray(float mean, float std) {
    return new Normalization(new float[] {mean, mean, mean}, new float[] {std, std, std});
  }

  /**
   * This normalisation with values replaced where given: one value stands for all three channels.
   *
   * @param mean null to keep this one's, else 1 or 3 values
   * @param std null to keep this one's, else 1 or 3 values
   */
  public Normalization with(double[] mean, double[] std) {
    return new Normalization(
        mean == null ? this.mean : expand(mean, "mean"),
        std == null ? this.std : expand(std, "std"));
  }

  private static float[] expand(double[] v, String setting) {
    if (v.length == 1) {
      return new float[] {(float) v[0], (float) v[0], (float) v[0]};
    }
    if (v.length != 3) {
      throw new ConfigException(setting, "expected 1 or 3 values, got " + v.length);
    }
    return new float[] {(float) v[0], (float) v[1], (float) v[2]};
  }

  @Override
  public float[] mean() {
    return mean.clone();
  }

  @Override
  public float[] std() {
    return std.clone();
  }

  /** True when every channel is normalised alike, so a gray image stays 3 equal planes. */
  public boolean channelsAlike() {
    return mean[0] == mean[1] && mean[1] == mean[2] && std[0] == std[1] && std[1] == std[2];
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Normalization n && Arrays.equals(n.mean, mean) && Arrays.equals(n.std, std);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(mean) + Arrays.hashCode(std);
  }

  @Override
  public String toString() {
    return "mean " + Arrays.toString(mean) + ", std " + Arrays.toString(std);
  }
}
