package dev.jdino.augment;

import dev.jdino.io.ConfigException;

/**
 * A closed interval of a sampled quantity: a crop's area fraction, its aspect ratio, a blur sigma.
 *
 * @param min lower end
 * @param max upper end, at least {@code min}
 */
public record Range(double min, double max) {

  // A ConfigException (not a bare IllegalArgumentException) so that DinoConfig can say which
  // range, and the command line which flag, instead of Jackson's "Cannot construct instance".
  public Range {
    if (!Double.isFinite(min)) {
      throw new ConfigException("min", "a range's min must be a finite number, got " + min);
    }
    if (!Double.isFinite(max)) {
      throw new ConfigException("max", "a range's max must be a finite number, got " + max);
    }
    if (min > max) {
      throw new ConfigException(
          "min", "the min " + min + " is larger than the max " + max + "; expected min <= max");
    }
  }

  public static Range of(double min, double max) {
    return new Range(min, max);
  }
}
