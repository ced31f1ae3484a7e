package dev.jdino.model;

import dev.jdino.io.ConfigException;
import java.util.Locale;

/**
 * Shape of a Vision Transformer (the paper's section 3.1; the official vision_transformer.py).
 *
 * @param imgSize training resolution; the learned position embedding has (imgSize/patchSize)^2
 *     patch entries, and other input sizes get it resized bicubically
 * @param patchSize side of a square patch (Conv2d kernel = stride)
 * @param embedDim token width D
 * @param depth number of transformer blocks
 * @param numHeads attention heads (must divide embedDim)
 * @param mlpRatio hidden width of each block's MLP as a multiple of D
 * @param qkvBias whether the qkv projection has a bias (true in DINO)
 * @param dropPathRate stochastic depth rate of the last block (linear from 0); 0 for the teacher
 */
public record VitConfig(
    int imgSize,
    int patchSize,
    int embedDim,
    int depth,
    int numHeads,
    double mlpRatio,
    boolean qkvBias,
    double dropPathRate) {

  public VitConfig {
    if (patchSize < 1) {
      throw new ConfigException("patchSize", "the patch size must be >= 1, got " + patchSize);
    }
    if (imgSize < patchSize || imgSize % patchSize != 0) {
      throw new ConfigException(
          "imgSize",
          "the image size "
              + imgSize
              + " must be a positive multiple of the patch size "
              + patchSize);
    }
    if (embedDim < 1 || depth < 1 || numHeads < 1) {
      throw new ConfigException(
          "embedDim", "the embed dim, depth and number of heads must be >= 1");
    }
    if (embedDim % numHeads != 0) {
      throw new ConfigException(
          "numHeads",
          "the embed dim " + embedDim + " is not divisible by the number of heads " + numHeads);
    }
    // Infinity passes "> 0" and would ask for an MLP of Integer.MAX_VALUE units.
    if (!(Double.isFinite(mlpRatio) && mlpRatio > 0)) {
      throw new ConfigException(
          "mlpRatio", "the MLP ratio must be a finite number > 0, got " + mlpRatio);
    }
    if (!(dropPathRate >= 0 && dropPathRate < 1)) {
      throw new ConfigException(
          "dropPathRate", "the drop-path rate must lie in [0, 1), got " + dropPathRate);
    }
  }

  /**
   * The reference's named architectures: {@code vit_tiny} (192/12/3), {@code vit_small} (384/12/6),
   * {@code vit_base} (768/12/12), MLP ratio 4, qkv bias.
   */
  public static VitConfig preset(String arch, int patchSize, int imgSize, double dropPathRate) {
    int[] dims =
        switch (arch.toLowerCase(Locale.ROOT)) {
          case "vit_tiny" -> new int[] {192, 12, 3};
          case "vit_small" -> new int[] {384, 12, 6};
          case "vit_base" -> new int[] {768, 12, 12};
          default ->
              throw new ConfigException(
                  "arch",
                  "unknown arch '" + arch + "': expected vit_tiny, vit_small, vit_base or custom");
        };
    return new VitConfig(imgSize, patchSize, dims[0], dims[1], dims[2], 4.0, true, dropPathRate);
  }

  /** Side of the patch grid at the training resolution. */
  public int gridSize() {
    return imgSize / patchSize;
  }

  /** Number of patch tokens at the training resolution. */
  public int numPatches() {
    return gridSize() * gridSize();
  }

  public int headDim() {
    return embedDim / numHeads;
  }

  public int mlpHiddenDim() {
    return (int) (embedDim * mlpRatio);
  }

  /** The same network without stochastic depth (what the teacher is). */
  public VitConfig withoutDropPath() {
    return new VitConfig(imgSize, patchSize, embedDim, depth, numHeads, mlpRatio, qkvBias, 0.0);
  }
}
