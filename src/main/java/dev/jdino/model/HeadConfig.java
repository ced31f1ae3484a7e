package dev.jdino.model;

import dev.jdino.io.ConfigException;

/**
 * The DINO projection head (the official {@code DINOHead} in vision_transformer.py).
 *
 * @param outDim K, the number of prototypes (65536 in the paper; 1024 to 8192 for small data)
 * @param hiddenDim width of the MLP's hidden layers
 * @param bottleneckDim width of the L2-normalised bottleneck
 * @param nlayers number of Linear layers in the MLP (at least 1)
 * @param normLastLayer freeze the weight-norm gain g at 1, so every logit is a cosine
 */
public record HeadConfig(
    int outDim, int hiddenDim, int bottleneckDim, int nlayers, boolean normLastLayer) {

  public HeadConfig {
    if (outDim < 2) {
      throw new ConfigException(
          "outDim", "the number of prototypes (out dim) must be >= 2, got " + outDim);
    }
    if (hiddenDim < 1 || bottleneckDim < 1) {
      throw new ConfigException("hiddenDim", "the head's hidden and bottleneck dims must be >= 1");
    }
    if (nlayers < 1) {
      throw new ConfigException(
          "nlayers", "the head needs at least one layer: nlayers must be >= 1, got " + nlayers);
    }
  }

  /** Official defaults: K = 65536, hidden 2048, bottleneck 256, 3 layers, normalised. */
  public static HeadConfig defaults() {
    return new HeadConfig(65536, 2048, 256, 3, true);
  }
}
