package dev.jdino.augment;

import dev.jdino.io.ConfigException;

/**
 * DINO's multi-crop augmentation (the paper's section 3.1 and the official {@code
 * DataAugmentationDINO} in main_dino.py): 2 global and L local RandomResizedCrops, each flipped,
 * colour-jittered, turned gray, blurred and (global crop 2 only) solarised at random, then
 * normalised.
 *
 * @param globalCrops the 2 global crops (the teacher sees only these)
 * @param localCrops the L small crops (student only); {@code number} 0 disables them
 * @param ratio aspect-ratio range of RandomResizedCrop (sampled log-uniformly)
 * @param hflipP probability of a horizontal flip, every crop
 * @param colorJitter colour jitter, every crop
 * @param grayscaleP probability of converting a crop to gray, every crop
 * @param blur Gaussian blur probabilities per crop and its sigma range
 * @param solarizeP solarisation probability, global crop 2 only
 * @param normalize the final per-channel normalisation
 */
public record AugmentConfig(
    Crops globalCrops,
    Crops localCrops,
    Range ratio,
    double hflipP,
    ColorJitterConfig colorJitter,
    double grayscaleP,
    BlurConfig blur,
    double solarizeP,
    Normalization normalize) {

  public AugmentConfig {
    if (globalCrops.number() != 2) {
      throw new ConfigException(
          "globalCrops.number", "DINO uses exactly 2 global crops, got " + globalCrops.number());
    }
    if (localCrops.number() > 0 && localCrops.size() > globalCrops.size()) {
      throw new ConfigException(
          "localCrops.size",
          "the local crop size "
              + localCrops.size()
              + " is larger than the global crop size "
              + globalCrops.size()
              + "; local crops must be the small views");
    }
    if (!(ratio.min() > 0)) {
      throw new ConfigException("ratio", "the crop aspect ratio must be > 0, got " + ratio.min());
    }
    Probabilities.check("hflipP", hflipP);
    Probabilities.check("grayscaleP", grayscaleP);
    Probabilities.check("solarizeP", solarizeP);
  }

  /** The official recipe at 224 px: 2 x 224 px (scale 0.4-1) + 8 x 96 px (scale 0.05-0.4). */
  public static AugmentConfig imagenet() {
    return new AugmentConfig(
        new Crops(2, 224, Range.of(0.4, 1.0)),
        new Crops(8, 96, Range.of(0.05, 0.4)),
        Range.of(3.0 / 4.0, 4.0 / 3.0),
        0.5,
        new ColorJitterConfig(0.8, 0.4, 0.4, 0.2, 0.1),
        0.2,
        new BlurConfig(1.0, 0.1, 0.5, Range.of(0.1, 2.0)),
        0.2,
        Normalization.imagenet());
  }

  /** Total number of crops per source image (2 global + L local). */
  public int cropsPerImage() {
    return 2 + localCrops.number();
  }

  public int globalCropSize() {
    return globalCrops.size();
  }

  public int localCropSize() {
    return localCrops.size();
  }

  public int localCropsNumber() {
    return localCrops.number();
  }
}
