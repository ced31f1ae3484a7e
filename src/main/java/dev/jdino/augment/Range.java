package dev.jdino.augment;

/**
 * A closed interval of a sampled quantity: a crop's area fraction, its aspect ratio, a blur sigma.
 *
 * @param min lower end
 * @param max upper end, at least {@code min}
 */
public record Range(double min, double max) {

  public Range {
    if (!(Double.isFinite(min) && Double.isFinite(max) && min <= max)) {
      throw new IllegalArgumentException(
          "a range needs finite min <= max, got (" + min + ", " + max + ")");
    }
  }

  public static Range of(double min, double max) {
    return new Range(min, max);
  }
}
