package dev.jdino.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import java.util.function.Supplier;

/**
 * Frees a computation's intermediate arrays as soon as it returns, keeping only its result.
 *
 * <p>A Java handle keeps its tensor alive until closed, whereas in PyTorch an intermediate dies
 * with its Python variable. Without this, every intermediate of a training step lives until the
 * step's scope closes: the teacher's activations during the student's backward, the forward's
 * temporaries during the backward, and so on. Autograd keeps its own references to what backward
 * needs, so closing the handles early is safe and lets backward release activations as it goes.
 */
public final class Scopes {
  private Scopes() {}

  /**
   * A 0-d float32 tensor that owns its memory. DJL's {@code x.mul(2.0)} wraps a Java buffer and
   * frees it right after the call, but autograd keeps that scalar for the backward pass (the
   * gradient of x * s is grad * s): a garbage collection in between makes the gradient read freed
   * memory. Every scalar in a differentiable expression comes from here.
   */
  public static NDArray scalar(NDManager manager, double value) {
    return manager.full(new Shape(), (float) value);
  }

  /**
   * A tensor holding {@code values} in memory that the tensor owns. {@code manager.create(float[])}
   * wraps a Java buffer instead (and {@code toType(..., true)} on it returns an alias), so a
   * borrowed array that autograd keeps for backward must be cloned like this.
   */
  public static NDArray owned(NDManager manager, float[] values, Shape shape) {
    try (NDArray borrowed = manager.create(values, shape)) {
      return borrowed.duplicate();
    }
  }

  /** Runs {@code f} in its own scope; its result moves to the enclosing scope (if any). */
  public static NDArray keep(Supplier<NDArray> f) {
    NDArray out;
    try (NDScope scope = new NDScope()) {
      out = f.get();
      NDScope.unregister(out);
    }
    NDScope.register(out);
    return out;
  }
}
