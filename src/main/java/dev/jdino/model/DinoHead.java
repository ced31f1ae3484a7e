package dev.jdino.model;

import ai.djl.ndarray.NDArray;
import dev.jdino.engine.Precision;
import dev.jdino.engine.TorchBridge;
import dev.jdino.model.ParameterLayout.Init;
import java.util.ArrayList;
import java.util.List;

/**
 * The DINO projection head (the official {@code DINOHead} in vision_transformer.py): an MLP without
 * batch norm, an L2-normalised bottleneck, and a weight-normalised last layer {@code W = g * v /
 * ||v||} (per output row), no bias. With {@code norm_last_layer} the gain g stays 1, so every logit
 * is a cosine in [-1, 1].
 */
public final class DinoHead {
  private final HeadConfig config;
  private final Linear[] mlp;
  private final Compute compute;
  private final int weightG;
  private final int weightV;

  /** Declares {@code mlp.{0,2,4}.*} and {@code last_layer.weight_{g,v}} under {@code b}. */
  public DinoHead(HeadConfig config, int inDim, ParameterLayout.Builder b) {
    this(config, inDim, b, Compute.REFERENCE);
  }

  /** The same with {@code compute}'s precision for its products. */
  public DinoHead(HeadConfig config, int inDim, ParameterLayout.Builder b, Compute compute) {
    this.compute = compute;
    this.config = config;
    int n = config.nlayers();
    this.mlp = new Linear[n];
    if (n == 1) {
      // nn.Sequential is not used for a single layer in the official head: "mlp" is the Linear.
      mlp[0] = Linear.truncNormal(b, "mlp", inDim, config.bottleneckDim(), true);
    } else {
      // Sequential indices: Linear at 0, 2, 4, ... with GELUs in between.
      for (int i = 0; i < n; i++) {
        int in = i == 0 ? inDim : config.hiddenDim();
        int out = i == n - 1 ? config.bottleneckDim() : config.hiddenDim();
        mlp[i] = Linear.truncNormal(b, "mlp." + (2 * i), in, out, true);
      }
    }
    // weight_v keeps PyTorch's default Linear init; the official head applies its trunc-normal
    // init before creating the last layer.
    this.weightG =
        b.add(
            "last_layer.weight_g",
            new long[] {config.outDim(), 1},
            new Init.Constant(1f),
            !config.normLastLayer());
    this.weightV =
        b.add(
            "last_layer.weight_v",
            new long[] {config.outDim(), config.bottleneckDim()},
            new Init.Uniform(1.0 / Math.sqrt(config.bottleneckDim())),
            true);
  }

  public HeadConfig config() {
    return config;
  }

  /** (B, inDim) -> (B, outDim) logits. */
  public NDArray forward(ParameterSet p, NDArray features) {
    return Scopes.keep(() -> logits(p, features));
  }

  private NDArray logits(ParameterSet p, NDArray x) {
    // In bf16 one bridged call, the hidden activations staying bf16 as under autocast.
    List<NDArray> weights = new ArrayList<>(mlp.length);
    List<NDArray> biases = new ArrayList<>(mlp.length);
    for (Linear l : mlp) {
      weights.add(l.weight(p));
      biases.add(l.bias(p));
    }
    x = TorchBridge.linearGeluChain(x, weights, biases, compute.precision());
    x = x.normalize(2, -1, 1e-12);
    return compute.precision() == Precision.FP32
        ? x.matMul(lastLayerWeight(p).transpose())
        : TorchBridge.linear(x, lastLayerWeight(p), null, compute.precision());
  }

  /** The effective last-layer weight g * v / ||v||, (outDim, bottleneckDim). */
  NDArray lastLayerWeight(ParameterSet p) {
    NDArray v = p.get(weightV);
    NDArray norm = v.norm(new int[] {1}, true);
    return v.mul(p.get(weightG).div(norm));
  }
}
