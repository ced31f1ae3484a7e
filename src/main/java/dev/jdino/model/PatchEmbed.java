package dev.jdino.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import dev.jdino.model.ParameterLayout.Init;

/**
 * Image to patch tokens: Conv2d with kernel = stride = patch size, flattened to (B, N, D). Pixels
 * beyond the last whole patch are ignored, as in PyTorch.
 */
final class PatchEmbed {
  private final int patchSize;
  private final int weight;
  private final int bias;
  private final Shape stride;
  private final Shape padding = new Shape(0, 0);
  private final Shape dilation = new Shape(1, 1);

  PatchEmbed(ParameterLayout.Builder b, int inChannels, int patchSize, int dim) {
    this.patchSize = patchSize;
    // PyTorch's default Conv2d init (kaiming_uniform with a = sqrt(5)): the official ViT's
    // _init_weights leaves the patch projection alone.
    double bound = 1.0 / Math.sqrt((double) inChannels * patchSize * patchSize);
    this.weight =
        b.add(
            "patch_embed.proj.weight",
            new long[] {dim, inChannels, patchSize, patchSize},
            new Init.Uniform(bound),
            true);
    this.bias = b.add("patch_embed.proj.bias", new long[] {dim}, new Init.Uniform(bound), true);
    this.stride = new Shape(patchSize, patchSize);
  }

  int patchSize() {
    return patchSize;
  }

  /** (B, C, H, W) -> (B, (H/p)*(W/p), D). */
  NDArray forward(ParameterSet p, NDArray x) {
    NDArray y =
        Conv2d.conv2d(x, p.get(weight), p.get(bias), stride, padding, dilation, 1)
            .singletonOrThrow();
    long[] s = y.getShape().getShape();
    return y.reshape(s[0], s[1], s[2] * s[3]).transpose(0, 2, 1);
  }
}
