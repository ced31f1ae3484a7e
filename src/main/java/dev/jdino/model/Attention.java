package dev.jdino.model;

import ai.djl.ndarray.NDArray;

/**
 * Multi-head self-attention with one fused qkv projection, written out (Q·Kᵀ·scale, softmax, ·V)
 * so that the attention matrix itself is available for visualisation.
 */
final class Attention {
  private final int numHeads;
  private final int headDim;
  private final float scale;
  private final Linear qkv;
  private final Linear proj;

  Attention(ParameterLayout.Builder b, String name, int dim, int numHeads, boolean qkvBias) {
    this.numHeads = numHeads;
    this.headDim = dim / numHeads;
    this.scale = (float) Math.pow(headDim, -0.5);
    this.qkv = Linear.truncNormal(b, name + ".qkv", dim, 3 * dim, qkvBias);
    this.proj = Linear.truncNormal(b, name + ".proj", dim, dim, true);
  }

  /** Output tokens (B, N, D); if {@code attentionOut} is non-null, stores the softmax in [0]. */
  NDArray forward(ParameterSet p, NDArray x, NDArray[] attentionOut) {
    long[] s = x.getShape().getShape();
    long batch = s[0];
    long tokens = s[1];
    long dim = s[2];
    // (B, N, 3D) -> (3, B, heads, N, head_dim)
    NDArray qkvOut =
        qkv.forward(p, x).reshape(batch, tokens, 3, numHeads, headDim).transpose(2, 0, 3, 1, 4);
    // split, not three selects: a select's backward zero-fills the whole qkv gradient each time.
    ai.djl.ndarray.NDList parts = qkvOut.split(3, 0);
    NDArray q = parts.get(0).squeeze(0);
    NDArray k = parts.get(1).squeeze(0);
    NDArray v = parts.get(2).squeeze(0);
    NDArray attn =
        q.matMul(k.transpose(0, 1, 3, 2)).mul(Scopes.scalar(x.getManager(), scale)).softmax(-1);
    if (attentionOut != null) {
      attentionOut[0] = attn;
    }
    NDArray out = attn.matMul(v).transpose(0, 2, 1, 3).reshape(batch, tokens, dim);
    return proj.forward(p, out);
  }
}
