package dev.jdino.augment;

import dev.jdino.io.ConfigException;

/**
 * One kind of multi-crop view: how many crops, their side, and the RandomResizedCrop area range.
 *
 * @param number crops of this kind per source image (2 for the global crops)
 * @param size side of each crop in pixels
 * @param scale area fraction of the source image each crop covers before resizing
 */
public record Crops(int number, int size, Range scale) {

  public Crops {
    if (number < 0) {
      throw new ConfigException("number", "the number of crops must be >= 0, got " + number);
    }
    if (size < 1) {
      throw new ConfigException("size", "a crop side must be >= 1 pixel, got " + size);
    }
    if (!(scale.min() > 0 && scale.max() <= 1)) {
      throw new ConfigException(
          "scale",
          "a crop's area range must satisfy 0 < min <= max <= 1, got ("
              + scale.min()
              + ", "
              + scale.max()
              + ")");
    }
  }

  public Crops withNumber(int n) {
    return new Crops(n, size, scale);
  }
}
