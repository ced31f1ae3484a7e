package dev.jdino.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.jdino.engine.Precision;
import dev.jdino.engine.Torch;
import dev.jdino.engine.TorchBridge;
import dev.jdino.train.DinoConfig;

/**
 * The rate of matrix products this process reaches on the model's own shapes, measured beside a
 * benchmark so that its step's GEMM utilisation is against the same machine at the same moment (the
 * machine kind varies between sessions, and machines of one kind differ too).
 */
final class GemmRates {
  private GemmRates() {}

  /**
   * The matrix products that dominate a step, (m, k, n): a block's qkv and MLP products over all
   * global-crop tokens of a batch, and the head's last layer over all crops.
   */
  static double[][] shapes(DinoConfig c) {
    int b = c.train().batchSize();
    double tokens = 1 + Math.pow(c.augment().globalCropSize() / c.vit().patchSize(), 2);
    double rows = b * tokens;
    int d = c.vit().embedDim();
    return new double[][] {
      {rows, d, 3 * d},
      {rows, c.vit().mlpHiddenDim(), d},
      {(double) b * c.augment().cropsPerImage(), c.head().bottleneckDim(), c.head().outDim()}
    };
  }

  /** Products timed per call to a timer: 4 rounds of 10, the first one not counted (warm-up). */
  private static final int ROUNDS = 4;

  private static final int REPS = 10;

  /** Seconds for {@code reps} products of shape (m, k, n). */
  private interface Timer {
    double seconds(long m, long k, long n, int reps);
  }

  /**
   * GFLOP/s of products of the given shapes in {@code precision} (bf16 through the libtorch bridge,
   * as the training step runs them), best of a few timed runs.
   */
  static double[] measure(double[][] shapes, Precision precision) {
    try (NDManager m = Torch.newManager()) {
      return rates(
          shapes,
          (rows, k, n, reps) -> {
            NDArray x = m.randomUniform(-1, 1, new Shape(rows, k));
            NDArray w = m.randomUniform(-1, 1, new Shape(k, n));
            long t0 = System.nanoTime();
            for (int r = 0; r < reps; r++) {
              try (NDScope scope = new NDScope()) {
                TorchBridge.matmul(x, w, precision).getFloat(0, 0);
              }
            }
            return (System.nanoTime() - t0) / 1e9;
          });
    }
  }

  /**
   * GFLOP/s of bf16 products of the given shapes on tensors already bf16: the kernel alone, best of
   * a few timed runs ({@link #measure} is the same product as the step runs it, casts included).
   */
  static double[] measureBf16Kernel(double[][] shapes) {
    return rates(shapes, TorchBridge::bf16ProductSeconds);
  }

  private static double[] rates(double[][] shapes, Timer timer) {
    double[] rates = new double[shapes.length];
    for (int i = 0; i < shapes.length; i++) {
      long m = (long) shapes[i][0];
      long k = (long) shapes[i][1];
      long n = (long) shapes[i][2];
      for (int round = 0; round < ROUNDS; round++) {
        double secs = timer.seconds(m, k, n, REPS);
        if (round > 0) {
          rates[i] = Math.max(rates[i], 2.0 * m * k * n * REPS / secs / 1e9);
        }
      }
    }
    return rates;
  }
}
