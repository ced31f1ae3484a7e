package dev.jdino.eval;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jdino.io.Json;

/**
 * Settings of the linear probe, with {@code eval_linear.py}'s defaults.
 *
 * @param nLastBlocks concatenate the CLS token of this many last blocks (official: 4 for ViT-S)
 * @param avgpoolPatchTokens also append the mean patch token of the last block (official: ViT-B)
 * @param epochs training epochs (official 100); the lr follows a cosine from its peak to 0
 * @param lr base learning rate for a batch of 256; the peak is {@code lr * batchSize / 256}
 * @param batchSize images per SGD step
 * @param augment the official protocol: every epoch recomputes features of freshly augmented
 *     training images (RandomResizedCrop + horizontal flip); false is the fast mode that extracts
 *     features of the evaluation-transformed training images once and reuses them every epoch
 * @param scaleMin lower area bound of the RandomResizedCrop (torchvision's default 0.08)
 * @param seed seed of the weight init, the epoch order and the augmentation
 */
public record LinearProbeConfig(
    int nLastBlocks,
    boolean avgpoolPatchTokens,
    int epochs,
    double lr,
    int batchSize,
    boolean augment,
    double scaleMin,
    long seed) {

  public LinearProbeConfig {
    if (nLastBlocks < 1) {
      throw new IllegalArgumentException("--n-last-blocks must be >= 1, got " + nLastBlocks);
    }
    if (epochs < 1) {
      throw new IllegalArgumentException("--epochs must be >= 1, got " + epochs);
    }
    if (!(lr > 0) || Double.isInfinite(lr)) {
      throw new IllegalArgumentException("--lr must be a positive number, got " + lr);
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("--batch-size must be >= 1, got " + batchSize);
    }
    if (!(scaleMin > 0 && scaleMin <= 1)) {
      throw new IllegalArgumentException("crop scale minimum must lie in (0, 1], got " + scaleMin);
    }
  }

  /** The official settings for a small ViT: last 4 CLS tokens, 100 epochs, lr 0.001 at 256. */
  public static LinearProbeConfig defaults() {
    return new LinearProbeConfig(4, false, 100, 0.001, 256, true, 0.08, 0);
  }

  /** The lr of the first epoch: {@code lr * batchSize / 256} (the linear scaling rule). */
  public double peakLr() {
    return lr * batchSize / 256.0;
  }

  /**
   * The lr of epoch {@code e}: {@code CosineAnnealingLR(T_max = epochs, eta_min = 0)} stepped once
   * per epoch, as the official script does.
   */
  public double lrAt(int e) {
    return peakLr() * (1 + Math.cos(Math.PI * e / epochs)) / 2;
  }

  public ObjectNode toJson() {
    ObjectNode o = Json.object();
    o.put("n_last_blocks", nLastBlocks);
    o.put("avgpool_patchtokens", avgpoolPatchTokens);
    o.put("epochs", epochs);
    o.put("lr", lr);
    o.put("peak_lr", peakLr());
    o.put("batch_size", batchSize);
    o.put("momentum", 0.9);
    o.put("weight_decay", 0.0);
    o.put("schedule", "cosine to 0 over epochs, stepped per epoch");
    o.put("augment", augment);
    o.put(
        "train_transform",
        augment
            ? "RandomResizedCrop(crop, scale=("
                + scaleMin
                + ", 1), ratio=(3/4, 4/3), bicubic) + horizontal flip p=0.5"
            : "evaluation transform, features cached once (fast mode)");
    o.put("seed", seed);
    return o;
  }
}
