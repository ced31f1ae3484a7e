package dev.jdino.model;

import ai.djl.ndarray.NDArray;
import dev.jdino.engine.Precision;
import dev.jdino.engine.TorchBridge;
import dev.jdino.model.ParameterLayout.Init;

/** PyTorch's {@code nn.Linear}: weight (out, in), optional bias (out). */
final class Linear {
  private final int weight;
  private final int bias;

  /**
   * Declares {@code name.weight} and (if {@code withBias}) {@code name.bias}; biases start at 0.
   */
  Linear(
      ParameterLayout.Builder b, String name, int in, int out, Init weightInit, boolean withBias) {
    this.weight = b.add(name + ".weight", new long[] {out, in}, weightInit, true);
    this.bias =
        withBias ? b.add(name + ".bias", new long[] {out}, new Init.Constant(0f), true) : -1;
  }

  /** DINO's ViT and head init: truncated normal std 0.02, bias 0. */
  static Linear truncNormal(ParameterLayout.Builder b, String name, int in, int out, boolean bias) {
    return new Linear(b, name, in, out, new Init.TruncNormal(0.02), bias);
  }

  NDArray forward(ParameterSet p, NDArray x) {
    return forward(p, x, Compute.REFERENCE);
  }

  NDArray weight(ParameterSet p) {
    return p.get(weight);
  }

  /** The bias, or null for a layer without one. */
  NDArray bias(ParameterSet p) {
    return bias < 0 ? null : p.get(bias);
  }

  /** With {@code compute}'s precision: bf16 products go through the libtorch bridge. */
  NDArray forward(ParameterSet p, NDArray x, Compute compute) {
    NDArray w = p.get(weight);
    NDArray b = bias < 0 ? null : p.get(bias);
    if (compute.precision() != Precision.FP32) {
      return TorchBridge.linear(x, w, b, compute.precision());
    }
    long[] s = x.getShape().getShape();
    if (s.length <= 2) {
      return ai.djl.nn.core.Linear.linear(x, w, b).singletonOrThrow();
    }
    // Tokens as one (B*N, in) matrix: libtorch then runs a single addmm with the bias fused,
    // instead of a batched matmul followed by a separate bias pass over the output.
    long rows = 1;
    for (int i = 0; i < s.length - 1; i++) {
      rows *= s[i];
    }
    NDArray y =
        ai.djl.nn.core.Linear.linear(x.reshape(rows, s[s.length - 1]), w, b).singletonOrThrow();
    long[] out = s.clone();
    out[out.length - 1] = y.getShape().get(1);
    return y.reshape(out);
  }
}
