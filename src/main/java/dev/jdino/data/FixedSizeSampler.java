package dev.jdino.data;

/**
 * The part of every {@link CropSampler} built in this package: crop sizes and the source side fixed
 * at construction, checked once. Subclasses supply the crops.
 */
abstract class FixedSizeSampler implements CropSampler {
  private final int globalCropSize;
  private final int localCropsNumber;
  private final int localCropSize;
  private final int minSourceSide;

  FixedSizeSampler(int globalCropSize, int localCropsNumber, int localCropSize, int minSourceSide) {
    if (globalCropSize < 1 || localCropSize < 1 || localCropsNumber < 0) {
      throw new IllegalArgumentException(
          "crop sizes must be >= 1 and the local crop count >= 0, got "
              + globalCropSize
              + ", "
              + localCropsNumber
              + " x "
              + localCropSize);
    }
    this.globalCropSize = globalCropSize;
    this.localCropsNumber = localCropsNumber;
    this.localCropSize = localCropSize;
    this.minSourceSide = minSourceSide;
  }

  @Override
  public final int globalCropSize() {
    return globalCropSize;
  }

  @Override
  public final int localCropsNumber() {
    return localCropsNumber;
  }

  @Override
  public final int localCropSize() {
    return localCropSize;
  }

  @Override
  public final int minSourceSide() {
    return minSourceSide;
  }
}
