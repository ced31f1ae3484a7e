package dev.jdino.engine;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.jdino.model.Scopes;
import java.util.Arrays;
import java.util.function.Supplier;

/**
 * A quick timing sanity check, not a benchmark (run by hand, never by the test suite): the
 * fmnist-small attention shapes, fused against explicit attention, fp32 and bf16, forward and
 * forward plus backward; and one fmnist-small linear (qkv) in both precisions. Median of runs.
 *
 * <pre>
 * java -Dai.djl.offline=true -cp target/test-classes:target/classes:$(cat cp.txt) \
 *     dev.jdino.engine.BridgeTiming [runs]
 * </pre>
 */
public final class BridgeTiming {
  private BridgeTiming() {}

  public static void main(String[] args) {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 20;
    Torch.start();
    System.out.printf("threads %d, %s%n", Torch.threads(), Precision.forThisProcessor().reason());
    try (NDManager m = Torch.newManager()) {
      for (long[] s : new long[][] {{128, 4, 50, 32}, {512, 4, 10, 32}}) {
        NDArray q = m.randomNormal(new Shape(s));
        NDArray k = m.randomNormal(new Shape(s));
        NDArray v = m.randomNormal(new Shape(s));
        for (NDArray a : new NDArray[] {q, k, v}) {
          a.setRequiresGradient(true);
        }
        double scale = Math.pow(s[3], -0.5);
        for (boolean backward : new boolean[] {false, true}) {
          String pass = backward ? "fwd+bwd" : "fwd    ";
          report(
              new Shape(s) + " explicit fp32 " + pass,
              runs,
              backward,
              () ->
                  q.matMul(k.transpose(0, 1, 3, 2))
                      .mul(Scopes.scalar(m, scale))
                      .softmax(-1)
                      .matMul(v));
          report(
              new Shape(s) + " fused    fp32 " + pass,
              runs,
              backward,
              () -> TorchBridge.scaledDotProductAttention(q, k, v, Precision.FP32));
          report(
              new Shape(s) + " explicit bf16 " + pass,
              runs,
              backward,
              () ->
                  TorchBridge.matmul(
                      TorchBridge.matmul(q, k.transpose(0, 1, 3, 2), Precision.BF16)
                          .mul(Scopes.scalar(m, scale))
                          .softmax(-1),
                      v,
                      Precision.BF16));
          report(
              new Shape(s) + " fused    bf16 " + pass,
              runs,
              backward,
              () -> TorchBridge.scaledDotProductAttention(q, k, v, Precision.BF16));
        }
      }
      NDArray x = m.randomNormal(new Shape(128, 50, 128));
      NDArray w = m.randomNormal(new Shape(384, 128)).mul(0.05);
      NDArray b = m.zeros(new Shape(384));
      report(
          "linear 6400x128 -> 384 fp32 fwd    ",
          runs,
          false,
          () -> TorchBridge.linear(x, w, b, Precision.FP32));
      report(
          "linear 6400x128 -> 384 bf16 fwd    ",
          Math.max(3, runs / 5),
          false,
          () -> TorchBridge.linear(x, w, b, Precision.BF16));
    }
  }

  private static void report(String what, int runs, boolean backward, Supplier<NDArray> f) {
    double[] ms = new double[runs];
    for (int r = -2; r < runs; r++) { // two warm-up runs
      try (NDScope scope = new NDScope()) {
        long t0 = System.nanoTime();
        if (backward) {
          try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            gc.backward(f.get().sum());
          }
        } else {
          f.get().toFloatArray(); // waits for the result
        }
        if (r >= 0) {
          ms[r] = (System.nanoTime() - t0) / 1e6;
        }
      }
    }
    Arrays.sort(ms);
    System.out.printf("%s %8.2f ms (median of %d; min %.2f)%n", what, ms[runs / 2], runs, ms[0]);
  }
}
