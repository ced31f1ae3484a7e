package dev.jdino.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.jdino.engine.Torch;
import org.junit.jupiter.api.Test;

/**
 * Drop-path masks of a data-parallel step: whatever the split of the global batch among ranks, each
 * sample's branch is dropped or kept exactly as in one process holding the whole batch.
 */
class DropPathShardsTest {
  private static final int DEPTH = 4;
  private static final double RATE = 0.6;
  private static final long SEED = 12345;

  /**
   * The per-row masks (1/keep or 0) of blocks 1 to 3, both branches, for crop groups of {@code
   * crops} crops of {@code batch} samples each (a global and a local group), in call order.
   */
  private static float[][] masks(DropPath dp, NDManager m, int batch) {
    int[] crops = {2, 3};
    float[][] out = new float[2 * (DEPTH - 1) * crops.length][];
    int i = 0;
    for (int group : crops) {
      for (int block = 1; block < DEPTH; block++) {
        for (int branch = 0; branch < 2; branch++) {
          NDArray ones = m.ones(new Shape(group * batch, 1));
          out[i++] = dp.apply(ones, block).toFloatArray();
        }
      }
    }
    return out;
  }

  @Test
  void everySplitGivesTheMasksOfTheGlobalBatch() {
    try (NDManager m = Torch.newManager();
        NDScope scope = new NDScope()) {
      int global = 12;
      float[][] whole = masks(new DropPath(RATE, DEPTH, SEED), m, global);
      int dropped = 0;
      for (float[] w : whole) {
        for (float v : w) {
          dropped += v == 0f ? 1 : 0;
        }
      }
      assertTrue(dropped > 20, "the test needs dropped rows: " + dropped);
      for (int world : new int[] {1, 2, 3, 4}) {
        int local = global / world;
        for (int r = 0; r < world; r++) {
          float[][] mine = masks(DropPath.sharded(RATE, DEPTH, SEED, local, r, world), m, local);
          for (int call = 0; call < whole.length; call++) {
            float[] expected = new float[mine[call].length];
            for (int row = 0; row < expected.length; row++) {
              int crop = row / local;
              int sample = row % local;
              expected[row] = whole[call][crop * global + sample * world + r];
            }
            assertArrayEquals(
                expected, mine[call], "world " + world + " rank " + r + " call " + call);
          }
        }
      }
    }
  }

  @Test
  void aWorldOfOneIsThePlainDropPath() {
    try (NDManager m = Torch.newManager();
        NDScope scope = new NDScope()) {
      float[][] a = masks(new DropPath(RATE, DEPTH, SEED), m, 5);
      float[][] b = masks(DropPath.sharded(RATE, DEPTH, SEED, 5, 0, 1), m, 5);
      for (int i = 0; i < a.length; i++) {
        assertArrayEquals(a[i], b[i]);
      }
      assertEquals(0.2, DropPath.sharded(RATE, DEPTH, SEED, 5, 1, 2).rate(1), 1e-15);
      assertThrows(
          IllegalArgumentException.class, () -> DropPath.sharded(RATE, DEPTH, SEED, 5, 2, 2));
    }
  }
}
