package dev.jdino.model;

import dev.jdino.engine.Precision;
import dev.jdino.engine.TorchBridge;
import java.util.Locale;

/**
 * How a network's arithmetic runs, as opposed to what it computes: the precision of its large
 * matrix products, and whether attention uses libtorch's fused {@code scaled_dot_product_attention}
 * (equal to the explicit softmax path within float rounding, several times faster). Attention maps
 * for people always take the explicit path, which yields the softmax itself.
 *
 * @param precision of the linear layers (qkv, proj, MLP, head) and attention; LayerNorm, softmax
 *     and the loss stay fp32 either way, as under autocast
 * @param fusedAttention whether attention runs fused
 */
public record Compute(Precision precision, boolean fusedAttention) {

  /** fp32 with the explicit attention: the official code's arithmetic, step for step. */
  public static final Compute REFERENCE = new Compute(Precision.FP32, false);

  public Compute {
    if (precision == null) {
      throw new IllegalArgumentException("a precision is needed");
    }
  }

  /** fp32, with fused attention when the libtorch bridge loads (it loads once, about 2 s). */
  public static Compute fp32() {
    return new Compute(Precision.FP32, TorchBridge.isAvailable());
  }

  /**
   * The processor's own choice for evaluation (features, k-NN): bf16 where it has bf16 units and
   * the bridge loads, else fp32; fused attention where the bridge loads.
   */
  public static Compute forThisProcessor() {
    boolean bridge = TorchBridge.isAvailable();
    Precision p = bridge ? Precision.forThisProcessor().precision() : Precision.FP32;
    return new Compute(p, bridge);
  }

  /** Whether any operation goes through the bridge. */
  boolean bridged() {
    return fusedAttention || precision != Precision.FP32;
  }

  @Override
  public String toString() {
    return precision.name().toLowerCase(Locale.ROOT)
        + (fusedAttention ? ", fused attention" : ", explicit attention");
  }
}
