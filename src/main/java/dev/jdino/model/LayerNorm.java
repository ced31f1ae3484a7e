package dev.jdino.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.jdino.model.ParameterLayout.Init;

/** LayerNorm over the last dimension, eps 1e-6 (timm/DINO; PyTorch's default is 1e-5). */
final class LayerNorm {
  static final float EPS = 1e-6f;

  private final int weight;
  private final int bias;
  private final Shape normalizedShape;

  LayerNorm(ParameterLayout.Builder b, String name, int dim) {
    this.weight = b.add(name + ".weight", new long[] {dim}, new Init.Constant(1f), true);
    this.bias = b.add(name + ".bias", new long[] {dim}, new Init.Constant(0f), true);
    this.normalizedShape = new Shape(dim);
  }

  NDArray forward(ParameterSet p, NDArray x) {
    return ai.djl.nn.norm.LayerNorm.layerNorm(x, normalizedShape, p.get(weight), p.get(bias), EPS)
        .singletonOrThrow();
  }
}
