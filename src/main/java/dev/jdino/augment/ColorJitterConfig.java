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
    if (!(brightness >= 0 && contrast >= 0 && saturation >= 0)) {
      throw new ConfigException("brightness", "colour jitter strengths must be >= 0");
    }
    if (!(hue >= 0 && hue <= 0.5)) {
      throw new ConfigException("hue", "hue jitter must lie in [0, 0.5], got " + hue);
    }
  }
}
