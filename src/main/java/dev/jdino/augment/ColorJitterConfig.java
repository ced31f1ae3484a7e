package dev.jdino.augment;

import dev.jdino.io.ConfigException;

/**
 * torchvision's {@code RandomApply([ColorJitter(b, c, s, h)], p)}: each factor is drawn uniformly
 * in {@code [1 - strength, 1 + strength]} (hue: a shift in {@code [-hue, hue]}), applied in a
 * random order.
 */
public record ColorJitterConfig(
    double p, double brightness, double contrast, double saturation, double hue) {

  public ColorJitterConfig {
    Probabilities.check("p", p);
    strength("brightness", brightness);
    strength("contrast", contrast);
    strength("saturation", saturation);
    if (!(hue >= 0 && hue <= 0.5)) {
      throw new ConfigException("hue", "hue jitter must lie in [0, 0.5], got " + hue);
    }
  }

  // An infinite strength passes ">= 0" and draws infinite factors, so NaN pixels.
  private static void strength(String setting, double v) {
    if (!(Double.isFinite(v) && v >= 0)) {
      throw new ConfigException(
          setting, "the " + setting + " jitter strength must be a finite number >= 0, got " + v);
    }
  }
}
