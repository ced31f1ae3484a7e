package dev.jdino.train;

import dev.jdino.augment.AugmentConfig;
import dev.jdino.model.HeadConfig;
import dev.jdino.model.VitConfig;

/**
 * Arithmetic of one DINO step, counted from the configuration: multiply-adds of the matrix products
 * (2 FLOP each); norms, softmax and GELU are left out (a few percent).
 *
 * <pre>
 * ViT forward, one image of side S:  T = 1 + (S/p)^2 tokens
 *   patch embedding   2 (S/p)^2 (3 p^2) D
 *   per block         2 T D (3D) + 2 T^2 D + 2 T^2 D + 2 T D D + 2 T D (rD) + 2 T (rD) D
 * head, one crop      2 (D h + (n-2) h h + h b + b K)
 * per source image    3 (2 F(global) + L F(local)) + 2 F(global)
 *                     (student forward + backward ~ 3 forwards; teacher forward on 2 globals)
 * </pre>
 */
public final class ModelFlops {
  private ModelFlops() {}

  public static final String FORMULA =
      "3 x student forward (2 global + L local crops; backward = 2 forwards) + teacher forward on"
          + " 2 global crops; forward = patch embedding + depth x (qkv + QK^T + AV + proj + MLP)"
          + " + head, 2 FLOP per multiply-add";

  /** Forward FLOPs of backbone + head for one crop of side {@code size}. */
  public static double forward(VitConfig v, HeadConfig h, int size) {
    double grid = Math.pow(size / v.patchSize(), 2);
    double t = 1 + grid;
    double d = v.embedDim();
    double hidden = v.mlpHiddenDim();
    double flops = 2 * grid * 3 * v.patchSize() * v.patchSize() * d;
    double block = 2 * t * d * 3 * d + 4 * t * t * d + 2 * t * d * d + 4 * t * d * hidden;
    flops += v.depth() * block;
    return flops + head(d, h);
  }

  private static double head(double in, HeadConfig h) {
    if (h.nlayers() == 1) {
      return 2 * (in * h.bottleneckDim() + (double) h.bottleneckDim() * h.outDim());
    }
    double hid = h.hiddenDim();
    return 2
        * (in * hid
            + (h.nlayers() - 2) * hid * hid
            + hid * h.bottleneckDim()
            + (double) h.bottleneckDim() * h.outDim());
  }

  /** Training FLOPs per source image (all its crops, student and teacher). */
  public static double perSourceImage(DinoConfig c) {
    AugmentConfig a = c.augment();
    double global = forward(c.vit(), c.head(), a.globalCropSize());
    double local = a.localCropsNumber() == 0 ? 0 : forward(c.vit(), c.head(), a.localCropSize());
    double student = 2 * global + a.localCropsNumber() * local;
    return 3 * student + 2 * global;
  }
}
