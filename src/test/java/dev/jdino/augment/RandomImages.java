package dev.jdino.augment;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Deterministic test images. */
final class RandomImages {
  private RandomImages() {}

  /** Uniform [0, 1) noise in 3 independent channels. */
  static Image colour(long seed, int h, int w) {
    SplittableRandom rng = new SplittableRandom(seed);
    float[] d = new float[3 * h * w];
    for (int i = 0; i < d.length; i++) {
      d[i] = (float) rng.nextDouble();
    }
    return new Image(h, w, d);
  }

  /** Uniform [0, 1) noise replicated into 3 identical channels. */
  static Image gray(long seed, int h, int w) {
    SplittableRandom rng = new SplittableRandom(seed);
    float[] g = new float[h * w];
    for (int i = 0; i < g.length; i++) {
      g[i] = (float) rng.nextDouble();
    }
    return Image.fromGray(h, w, g);
  }

  static Image constant(int h, int w, float value) {
    float[] d = new float[3 * h * w];
    Arrays.fill(d, value);
    return new Image(h, w, d);
  }
}
