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

  /**
   * GFLOP/s of products of the given shapes in {@code precision} (bf16 through the libtorch bridge,
   * as the training step runs them), best of a few timed runs.
   */
  static double[] measure(double[][] shapes, Precision precision) {
    double[] rates = new double[shapes.length];
    try (NDManager m = Torch.newManager()) {
      for (int i = 0; i < shapes.length; i++) {
        long[] s = {(long) shapes[i][0], (long) shapes[i][1], (long) shapes[i][2]};
        NDArray x = m.randomUniform(-1, 1, new Shape(s[0], s[1]));
        NDArray w = m.randomUniform(-1, 1, new Shape(s[1], s[2]));
        double best = 0;
        for (int round = 0; round < 4; round++) {
          int reps = 10;
          long t0 = System.nanoTime();
          for (int r = 0; r < reps; r++) {
            try (NDScope scope = new NDScope()) {
              TorchBridge.matmul(x, w, precision).getFloat(0, 0);
            }
          }
          double secs = (System.nanoTime() - t0) / 1e9;
          if (round > 0) {
            best = Math.max(best, 2.0 * s[0] * s[1] * s[2] * reps / secs / 1e9);
          }
        }
        rates[i] = best;
      }
    }
    return rates;
  }

  /**
   * GFLOP/s of bf16 products of the given shapes on tensors already bf16: the kernel alone, best of
   * a few timed runs ({@link #measure} is the same product as the step runs it, casts included).
   */
  static double[] measureBf16Kernel(double[][] shapes) {
    double[] rates = new double[shapes.length];
    for (int i = 0; i < shapes.length; i++) {
      long[] s = {(long) shapes[i][0], (long) shapes[i][1], (long) shapes[i][2]};
      double best = 0;
      for (int round = 0; round < 3; round++) {
        int reps = 10;
        double secs = TorchBridge.bf16ProductSeconds(s[0], s[1], s[2], reps);
        best = Math.max(best, 2.0 * s[0] * s[1] * s[2] * reps / secs / 1e9);
      }
      rates[i] = best;
    }
    return rates;
  }
}
