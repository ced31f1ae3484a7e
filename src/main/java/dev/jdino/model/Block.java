package dev.jdino.model;

import ai.djl.ndarray.NDArray;

/**
 * A pre-norm transformer block: {@code x + dropPath(attn(norm1(x)))}, then {@code x +
 * dropPath(mlp(norm2(x)))}.
 */
final class Block {
  private final int index;
  private final LayerNorm norm1;
  private final Attention attn;
  private final LayerNorm norm2;
  private final Mlp mlp;

  Block(ParameterLayout.Builder b, int index, VitConfig c, Compute compute) {
    String name = "blocks." + index;
    this.index = index;
    this.norm1 = new LayerNorm(b, name + ".norm1", c.embedDim());
    this.attn = new Attention(b, name + ".attn", c.embedDim(), c.numHeads(), c.qkvBias(), compute);
    this.norm2 = new LayerNorm(b, name + ".norm2", c.embedDim());
    this.mlp = new Mlp(b, name + ".mlp", c.embedDim(), c.mlpHiddenDim(), compute);
  }

  /**
   * @param dropPath stochastic depth of this forward pass, or null (teacher, evaluation)
   */
  NDArray forward(ParameterSet p, NDArray x, DropPath dropPath) {
    NDArray y = attn.forward(p, norm1.forward(p, x));
    x = x.add(dropPath == null ? y : dropPath.apply(y, index));
    NDArray z = mlp.forward(p, norm2.forward(p, x));
    return x.add(dropPath == null ? z : dropPath.apply(z, index));
  }

  /** The block's attention softmax on input tokens {@code x}, (B, heads, N, N). */
  NDArray attention(ParameterSet p, NDArray x) {
    return attn.weights(p, norm1.forward(p, x));
  }
}
