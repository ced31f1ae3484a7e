package dev.jdino.augment;

/**
 * DINO's multi-crop augmentation (reference section 7). Defaults are the paper's ImageNet recipe;
 * {@link #fmnistSmall()} is the {@code fmnist-small} benchmark configuration.
 *
 * @param globalCropSize side of the 2 global crops, in pixels
 * @param globalScaleMin RandomResizedCrop area fraction range of global crops
 * @param localCropsNumber number of local crops L (0 disables them)
 * @param localCropSize side of the local crops
 * @param localScaleMin RandomResizedCrop area fraction range of local crops
 * @param ratioMin aspect ratio range of RandomResizedCrop (sampled log-uniformly)
 * @param hflipP probability of a horizontal flip, every crop
 * @param colorJitterP probability that colour jitter is applied, every crop
 * @param brightness colour jitter brightness strength (factor uniform in [1-b, 1+b])
 * @param contrast colour jitter contrast strength
 * @param saturation colour jitter saturation strength
 * @param hue colour jitter hue strength (shift uniform in [-h, h], at most 0.5)
 * @param grayscaleP probability of converting a crop to grayscale
 * @param blurPGlobal1 Gaussian blur probability on global crop 1
 * @param blurPGlobal2 Gaussian blur probability on global crop 2
 * @param blurPLocal Gaussian blur probability on each local crop
 * @param blurSigmaMin blur sigma range (uniform)
 * @param solarizeP solarisation probability, global crop 2 only
 * @param mean per-channel normalisation mean (RGB)
 * @param std per-channel normalisation std (RGB)
 */
public record AugmentConfig(
    int globalCropSize,
    double globalScaleMin,
    double globalScaleMax,
    int localCropsNumber,
    int localCropSize,
    double localScaleMin,
    double localScaleMax,
    double ratioMin,
    double ratioMax,
    double hflipP,
    double colorJitterP,
    double brightness,
    double contrast,
    double saturation,
    double hue,
    double grayscaleP,
    double blurPGlobal1,
    double blurPGlobal2,
    double blurPLocal,
    double blurSigmaMin,
    double blurSigmaMax,
    double solarizeP,
    float[] mean,
    float[] std) {

  public static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};
  public static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};

  public AugmentConfig {
    requirePositive("global crop size", globalCropSize);
    requirePositive("local crop size", localCropSize);
    if (localCropsNumber < 0) {
      throw new IllegalArgumentException(
          "local crops number must be >= 0, got " + localCropsNumber);
    }
    if (localCropsNumber > 0 && localCropSize > globalCropSize) {
      throw new IllegalArgumentException(
          "local crop size "
              + localCropSize
              + " is larger than the global crop size "
              + globalCropSize
              + "; local crops must be the small views");
    }
    requireScale("global crops scale", globalScaleMin, globalScaleMax);
    requireScale("local crops scale", localScaleMin, localScaleMax);
    if (!(ratioMin > 0 && ratioMin <= ratioMax)) {
      throw new IllegalArgumentException(
          "crop aspect ratio range must satisfy 0 < min <= max, got " + ratioMin + ", " + ratioMax);
    }
    for (double[] p :
        new double[][] {
          {hflipP}, {colorJitterP}, {grayscaleP}, {blurPGlobal1}, {blurPGlobal2}, {blurPLocal},
          {solarizeP}
        }) {
      if (!(p[0] >= 0 && p[0] <= 1)) {
        throw new IllegalArgumentException("probabilities must lie in [0, 1], got " + p[0]);
      }
    }
    if (brightness < 0 || contrast < 0 || saturation < 0) {
      throw new IllegalArgumentException("colour jitter strengths must be >= 0");
    }
    if (hue < 0 || hue > 0.5) {
      throw new IllegalArgumentException("hue jitter must lie in [0, 0.5], got " + hue);
    }
    if (!(blurSigmaMin > 0 && blurSigmaMin <= blurSigmaMax)) {
      throw new IllegalArgumentException(
          "blur sigma range must satisfy 0 < min <= max, got " + blurSigmaMin + ", " + blurSigmaMax);
    }
    if (mean == null || mean.length != 3 || std == null || std.length != 3) {
      throw new IllegalArgumentException("normalisation mean and std need 3 values each (RGB)");
    }
    for (float s : std) {
      if (!(s > 0)) {
        throw new IllegalArgumentException("normalisation std must be > 0, got " + s);
      }
    }
    mean = mean.clone();
    std = std.clone();
  }

  /** The reference's ImageNet recipe: 224 px global crops, 8 local crops of 96 px. */
  public static AugmentConfig imagenet() {
    return new AugmentConfig(
        224, 0.4, 1.0, 8, 96, 0.05, 0.4, 3.0 / 4.0, 4.0 / 3.0, 0.5, 0.8, 0.4, 0.4, 0.2, 0.1, 0.2,
        1.0, 0.1, 0.5, 0.1, 2.0, 0.2, IMAGENET_MEAN, IMAGENET_STD);
  }

  /** {@code shared/bench/fmnist-small.json}: 28 px global, 4 x 12 px local, sigma up to 1. */
  public static AugmentConfig fmnistSmall() {
    return new AugmentConfig(
        28, 0.4, 1.0, 4, 12, 0.1, 0.4, 0.75, 4.0 / 3.0, 0.5, 0.8, 0.4, 0.4, 0.2, 0.1, 0.2, 1.0,
        0.1, 0.5, 0.1, 1.0, 0.2, new float[] {0.286f, 0.286f, 0.286f},
        new float[] {0.353f, 0.353f, 0.353f});
  }

  /** Total number of crops per source image (2 global + L local). */
  public int cropsPerImage() {
    return 2 + localCropsNumber;
  }

  @Override
  public float[] mean() {
    return mean.clone();
  }

  @Override
  public float[] std() {
    return std.clone();
  }

  private static void requirePositive(String what, int v) {
    if (v < 1) {
      throw new IllegalArgumentException(what + " must be >= 1 pixel, got " + v);
    }
  }

  private static void requireScale(String what, double lo, double hi) {
    if (!(lo > 0 && lo <= hi && hi <= 1)) {
      throw new IllegalArgumentException(
          what + " must satisfy 0 < min <= max <= 1, got (" + lo + ", " + hi + ")");
    }
  }
}
