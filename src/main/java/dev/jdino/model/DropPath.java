package dev.jdino.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;

/**
 * Stochastic depth for one forward pass of the student: each residual branch of block i is
 * dropped per sample with probability {@code rate * i / (depth - 1)} and the kept ones are scaled
 * by 1/keep. Masks come from a Java generator seeded per training step, so a resumed run draws
 * exactly the masks an uninterrupted run would have drawn.
 */
public final class DropPath {
  private final double[] blockRates;
  private final SplittableRandom rng;

  public DropPath(double rate, int depth, long seed) {
    this.blockRates = new double[depth];
    for (int i = 0; i < depth; i++) {
      blockRates[i] = depth == 1 ? 0.0 : rate * i / (depth - 1);
    }
    this.rng = new SplittableRandom(seed);
  }

  /** Drop probability of block {@code i} (torch.linspace(0, rate, depth)[i]). */
  public double rate(int block) {
    return blockRates[block];
  }

  /**
   * Applies drop path to a residual branch {@code x} of shape (B, ...); returns {@code x} itself
   * when block {@code i} has rate 0.
   */
  NDArray apply(NDArray x, int block) {
    double drop = blockRates[block];
    if (drop == 0) {
      return x;
    }
    double keep = 1 - drop;
    long[] s = x.getShape().getShape();
    float[] mask = new float[(int) s[0]];
    for (int b = 0; b < mask.length; b++) {
      mask[b] = rng.nextDouble() < keep ? (float) (1 / keep) : 0f;
    }
    long[] ms = new long[s.length];
    java.util.Arrays.fill(ms, 1);
    ms[0] = s[0];
    NDManager m = x.getManager();
    // The product's backward keeps the mask: it must own its memory (see Scopes.owned).
    return x.mul(Scopes.owned(m, mask, new Shape(ms)));
  }
}
