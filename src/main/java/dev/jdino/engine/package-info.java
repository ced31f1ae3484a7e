/**
 * Everything specific to DJL's PyTorch engine; the rest of jdino speaks DJL's engine-neutral {@code
 * NDArray} API.
 *
 * <p>{@link dev.jdino.engine.Torch} starts the engine offline and owns grad mode, thread counts,
 * zeroing leaf gradients and the processor tuning the launcher applies. {@link
 * dev.jdino.engine.TorchBridge} reaches libtorch operations that DJL 0.36 cannot run (bf16 matrix
 * products, which abort the JVM inside DJL, and the fused {@code scaled_dot_product_attention})
 * through JavaCPP's PyTorch bindings, on the same libtorch that DJL loaded; {@link
 * dev.jdino.engine.Precision} names the arithmetic and picks the default for the processor.
 *
 * <p>May import: DJL ({@code ai.djl.*}, including the PyTorch engine classes), {@code dev.jdino.io}
 * (for {@code BadInputException}), and JavaCPP ({@code org.bytedeco.*}), the latter only inside
 * {@code TorchBridge}, so that no JavaCPP class is loaded until the bridge is used. Must not import
 * the model, training or command-line packages: they build on this one.
 */
package dev.jdino.engine;
