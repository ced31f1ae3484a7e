package dev.jdino.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.jdino.engine.TorchBridge;

/**
 * Multi-head self-attention with one fused qkv projection (the official {@code Attention} in
 * vision_transformer.py), written out as Q·Kᵀ·scale, softmax, ·V; {@link #weights} gives the
 * softmax itself, for the attention maps.
 */
final class Attention {
  private final int numHeads;
  private final int headDim;
  private final float scale;
  private final Linear qkv;
  private final Linear proj;

  private final Compute compute;

  Attention(
      ParameterLayout.Builder b,
      String name,
      int dim,
      int numHeads,
      boolean qkvBias,
      Compute compute) {
    this.compute = compute;
    this.numHeads = numHeads;
    this.headDim = dim / numHeads;
    this.scale = (float) Math.pow(headDim, -0.5);
    this.qkv = Linear.truncNormal(b, name + ".qkv", dim, 3 * dim, qkvBias);
    this.proj = Linear.truncNormal(b, name + ".proj", dim, dim, true);
  }

  /** Output tokens (B, N, D). */
  NDArray forward(ParameterSet p, NDArray x) {
    long[] s = x.getShape().getShape();
    NDList qkv = split(p, x);
    NDArray out =
        compute.fusedAttention()
            ? TorchBridge.scaledDotProductAttention(
                qkv.get(0), qkv.get(1), qkv.get(2), compute.attentionPrecision())
            : weights(qkv, x.getManager()).matMul(qkv.get(2));
    return proj.forward(p, out.transpose(0, 2, 1, 3).reshape(s[0], s[1], s[2]), compute);
  }

  /** The attention softmax, (B, heads, N, N): what the maps and masks are drawn from. */
  NDArray weights(ParameterSet p, NDArray x) {
    return weights(split(p, x), x.getManager());
  }

  /** softmax(Q Kᵀ / sqrt(head_dim)) over the keys. */
  private NDArray weights(NDList qkv, NDManager m) {
    NDArray logits = qkv.get(0).matMul(qkv.get(1).transpose(0, 1, 3, 2));
    return logits.mul(Scopes.scalar(m, scale)).softmax(-1);
  }

  /** Q, K and V, each (B, heads, N, head_dim): views of the qkv product, no copies. */
  private NDList split(ParameterSet p, NDArray x) {
    long[] s = x.getShape().getShape();
    // (B, N, 3D) -> (B, N, 3, heads, head_dim), split along the 3, each part viewed as (B, heads,
    // N, head_dim). The official permute(2, 0, 3, 1, 4) before the split costs two copies of the
    // whole qkv gradient in backward (the split's cat into the permuted layout, then the reshape's
    // clone back); split here, the cat writes the gradient in the product's layout. Split, not
    // three selects: a select's backward zero-fills the whole qkv gradient each time.
    NDList parts = qkv.forward(p, x, compute).reshape(s[0], s[1], 3, numHeads, headDim).split(3, 2);
    NDList perHead = new NDList(3);
    for (NDArray part : parts) {
      perHead.add(part.squeeze(2).transpose(0, 2, 1, 3));
    }
    return perHead;
  }
}
