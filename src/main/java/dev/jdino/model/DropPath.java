package dev.jdino.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Stochastic depth for one forward pass of the student: each residual branch of block i is dropped
 * per sample with probability {@code rate * i / (depth - 1)} and the kept ones are scaled by
 * 1/keep. Masks come from a Java generator seeded per training step, so a resumed run draws exactly
 * the masks an uninterrupted run would have drawn.
 *
 * <p>In a data-parallel run ({@link #sharded}) each rank holds its interleaved share of the global
 * batch. Every rank then draws the masks of the whole global batch, in the order one process with
 * that batch draws them, and keeps the rows of its own samples: the masks of a global batch are the
 * same however it is split among ranks (the draws cost nanoseconds per row).
 */
public final class DropPath {
  private final double[] blockRates;
  private final SplittableRandom rng;
  private final int localBatch;
  private final int rank;
  private final int worldSize;

  public DropPath(double rate, int depth, long seed) {
    this(rate, depth, seed, 1, 0, 1);
  }

  private DropPath(double rate, int depth, long seed, int localBatch, int rank, int worldSize) {
    this.blockRates = new double[depth];
    for (int i = 0; i < depth; i++) {
      blockRates[i] = depth == 1 ? 0.0 : rate * i / (depth - 1);
    }
    this.rng = new SplittableRandom(seed);
    this.localBatch = localBatch;
    this.rank = rank;
    this.worldSize = worldSize;
  }

  /**
   * The drop path of rank {@code rank} of {@code worldSize}, whose crop groups hold {@code
   * localBatch} samples per crop, sample s being sample s * worldSize + rank of the global batch
   * (the order of {@code MultiCropLoader}'s shards).
   */
  public static DropPath sharded(
      double rate, int depth, long seed, int localBatch, int rank, int worldSize) {
    if (localBatch < 1 || worldSize < 1 || rank < 0 || rank >= worldSize) {
      throw new IllegalArgumentException(
          "rank " + rank + " of " + worldSize + " with " + localBatch + " samples per crop");
    }
    return new DropPath(rate, depth, seed, localBatch, rank, worldSize);
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
    if (worldSize == 1) {
      for (int b = 0; b < mask.length; b++) {
        mask[b] = rng.nextDouble() < keep ? (float) (1 / keep) : 0f;
      }
    } else {
      // Row i = crop c, local sample t is row c * B + t * N + rank of the global group.
      if (mask.length % localBatch != 0) {
        throw new IllegalArgumentException(
            "a crop group of " + mask.length + " rows is not whole crops of " + localBatch);
      }
      float[] global = new float[mask.length * worldSize];
      for (int b = 0; b < global.length; b++) {
        global[b] = rng.nextDouble() < keep ? (float) (1 / keep) : 0f;
      }
      int globalBatch = localBatch * worldSize;
      for (int i = 0; i < mask.length; i++) {
        mask[i] = global[(i / localBatch) * globalBatch + (i % localBatch) * worldSize + rank];
      }
    }
    long[] ms = new long[s.length];
    Arrays.fill(ms, 1);
    ms[0] = s[0];
    NDManager m = x.getManager();
    // The product's backward keeps the mask: it must own its memory (see Scopes.owned).
    return x.mul(Scopes.owned(m, mask, new Shape(ms)));
  }
}
