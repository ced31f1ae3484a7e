package dev.jdino.augment;

import dev.jdino.io.ConfigException;

final class Probabilities {
  private Probabilities() {}

  static void check(String setting, double p) {
    if (!(p >= 0 && p <= 1)) {
      throw new ConfigException(setting, "a probability must lie in [0, 1], got " + p);
    }
  }
}
