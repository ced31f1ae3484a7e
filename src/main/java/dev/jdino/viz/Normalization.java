package dev.jdino.viz;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jdino.augment.AugmentConfig;
import dev.jdino.io.BadInputException;
import dev.jdino.model.Backbone;

/**
 * The per-channel mean and std a backbone was trained with: the images it is shown must be
 * normalised the same way.
 *
 * @param mean RGB mean
 * @param std RGB std (positive)
 */
public record Normalization(float[] mean, float[] std) {

  public Normalization {
    if (mean.length != 3 || std.length != 3) {
      throw new BadInputException("--normalize-mean and --normalize-std need 3 values each");
    }
    for (float s : std) {
      if (!(s > 0)) {
        throw new BadInputException("--normalize-std values must be positive, got " + s);
      }
    }
  }

  /** ImageNet's, which the released DINO weights use. */
  public static Normalization imagenet() {
    return new Normalization(AugmentConfig.IMAGENET_MEAN.clone(), AugmentConfig.IMAGENET_STD.clone());
  }

  /**
   * The training normalisation recorded in the backbone's file (checkpoints and snapshots carry
   * their configuration), else ImageNet's (released weights carry none).
   */
  public static Normalization of(Backbone backbone) {
    JsonNode augment = backbone.description().path("config").path("augment");
    float[] mean = floats(augment.path("mean"));
    float[] std = floats(augment.path("std"));
    return mean != null && std != null ? new Normalization(mean, std) : imagenet();
  }

  /**
   * The backbone's normalisation with the given values replacing it where not null (one value
   * stands for all three channels).
   */
  public static Normalization of(Backbone backbone, double[] mean, double[] std) {
    Normalization base = of(backbone);
    return new Normalization(mean == null ? base.mean : expand(mean, "--normalize-mean"),
        std == null ? base.std : expand(std, "--normalize-std"));
  }

  private static float[] expand(double[] v, String flag) {
    if (v.length == 1) {
      return new float[] {(float) v[0], (float) v[0], (float) v[0]};
    }
    if (v.length != 3) {
      throw new BadInputException(flag + ": expected 1 or 3 values, got " + v.length);
    }
    return new float[] {(float) v[0], (float) v[1], (float) v[2]};
  }

  private static float[] floats(JsonNode n) {
    if (!n.isArray() || n.size() != 3) {
      return null;
    }
    float[] f = new float[3];
    for (int i = 0; i < 3; i++) {
      f[i] = (float) n.get(i).asDouble();
    }
    return f;
  }
}
