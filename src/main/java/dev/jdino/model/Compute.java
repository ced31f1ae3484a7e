package dev.jdino.model;

import dev.jdino.engine.Precision;
import dev.jdino.engine.TorchBridge;

/**
 * How a network's arithmetic runs, as opposed to what it computes: the precision of its large
 * matrix products, and whether attention uses libtorch's fused {@code scaled_dot_product_attention}
 * (equal to the explicit softmax path within float rounding, several times faster). Attention maps
 * for people always take the explicit path, which yields the softmax itself.
 *
 * @param precision of the linear layers (qkv, proj, MLP, head); LayerNorm, softmax and the loss
 *     stay fp32 either way, as under autocast
 * @param fusedAttention whether attention runs fused
 * @param attentionPrecision of the fused attention kernel (the explicit path is fp32): autocast's
 *     choice is {@code precision}, {@link Precision#attentionFor} jdino's default
 */
public record Compute(Precision precision, boolean fusedAttention, Precision attentionPrecision) {

  /** fp32 with the explicit attention: the official code's arithmetic, step for step. */
  public static final Compute REFERENCE = new Compute(Precision.FP32, false);

  public Compute {
    if (precision == null || attentionPrecision == null) {
      throw new IllegalArgumentException("a precision is needed");
    }
    if (!fusedAttention) {
      attentionPrecision = Precision.FP32; // the explicit path's products are DJL's, fp32
    }
  }

  /** Attention in the products' precision, as CPU autocast runs it. */
  public Compute(Precision precision, boolean fusedAttention) {
    this(precision, fusedAttention, precision);
  }

  /** fp32, with fused attention when the libtorch bridge loads (it loads once, about 2 s). */
  public static Compute fp32() {
    return new Compute(Precision.FP32, TorchBridge.isAvailable());
  }

  /**
   * The processor's own choice for evaluation (features, k-NN): bf16 products where it has bf16
   * units and the bridge loads, else fp32; fused attention where the bridge loads, in fp32 ({@link
   * Precision#attentionFor}).
   */
  public static Compute forThisProcessor() {
    return forThisProcessor(Precision.forThisProcessor().precision());
  }

  /**
   * {@code products} (fp32 when the bridge does not load, which bf16 needs) with this processor's
   * choices for the rest.
   */
  public static Compute forThisProcessor(Precision products) {
    boolean bridge = TorchBridge.isAvailable();
    Precision p = bridge ? products : Precision.FP32;
    return new Compute(p, bridge, Precision.attentionFor(p).precision());
  }

  /** Whether any operation goes through the bridge. */
  boolean bridged() {
    return fusedAttention || precision != Precision.FP32;
  }

  @Override
  public String toString() {
    String attention = fusedAttention ? ", fused attention" : ", explicit attention";
    return precision.flag()
        + attention
        + (fusedAttention && attentionPrecision != precision
            ? " in " + attentionPrecision.flag()
            : "");
  }
}
