package dev.jdino.augment;

import dev.jdino.io.ConfigException;

/**
 * DINO's Gaussian blur: always on global crop 1, rarely on global crop 2, half the time on a local
 * crop (the official {@code DataAugmentationDINO}); sigma uniform in {@code sigma}.
 */
public record BlurConfig(double pGlobal1, double pGlobal2, double pLocal, Range sigma) {

  public BlurConfig {
    Probabilities.check("pGlobal1", pGlobal1);
    Probabilities.check("pGlobal2", pGlobal2);
    Probabilities.check("pLocal", pLocal);
    if (!(sigma.min() > 0)) {
      throw new ConfigException("sigma", "blur sigma must be > 0, got " + sigma.min());
    }
  }

  /** No blur on any crop (what small images want: a 28 px crop has little left to blur). */
  public BlurConfig off() {
    return new BlurConfig(0, 0, 0, sigma);
  }
}
