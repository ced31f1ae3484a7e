package dev.jdino.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.jdino.model.ParameterLayout.Group;
import dev.jdino.model.ParameterLayout.Spec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One network's parameter values: a flat float32 buffer laid out by a {@link ParameterLayout},
 * and a view per parameter into it. Student and teacher are two sets of the same layout; the
 * modules themselves hold no weights, only indices into a set.
 *
 * <p>With {@code requiresGrad}, the flat buffer is the autograd leaf: gradients of every view
 * accumulate into one flat gradient, which the optimiser and the clipping read by segment.
 */
public final class ParameterSet implements AutoCloseable {
  private final ParameterLayout layout;
  private final NDManager manager;
  private final NDArray flat;
  private final NDArray[] views;

  /** Creates a set holding {@code values} (length {@code layout.numel()}). */
  public ParameterSet(ParameterLayout layout, NDManager parent, float[] values, boolean requiresGrad) {
    if (values.length != layout.numel()) {
      throw new IllegalArgumentException(
          "expected " + layout.numel() + " parameter values, got " + values.length);
    }
    this.layout = layout;
    this.manager = parent.newSubManager();
    this.flat = manager.create(values);
    this.views = new NDArray[layout.specs().size()];
    // Views are made in grad mode so that each carries a ViewBackward node into the flat leaf;
    // they stay valid across steps because the optimiser updates the buffer in place.
    boolean gradMode = JniUtils.isGradMode();
    if (requiresGrad) {
      flat.setRequiresGradient(true);
      JniUtils.setGradMode(true);
    }
    try {
      for (Spec s : layout.specs()) {
        NDArray v = flat.get(new NDIndex().addSliceDim(s.offset(), s.offset() + s.numel()));
        NDArray shaped = v.reshape(new Shape(s.shape()));
        views[s.index()] = shaped;
      }
    } finally {
      JniUtils.setGradMode(gradMode);
    }
    NDScope.unregister(flat);
    for (NDArray v : views) {
      NDScope.unregister(v);
    }
    // Intermediate slice handles are not needed: the reshaped views keep the storage alive.
  }

  public ParameterLayout layout() {
    return layout;
  }

  /** The manager that owns the buffer (and caches derived from it). */
  public NDManager manager() {
    return manager;
  }

  /** The view of parameter {@code index} (as returned by {@link ParameterLayout.Builder#add}). */
  public NDArray get(int index) {
    return views[index];
  }

  public NDArray get(String name) {
    return views[layout.spec(name).index()];
  }

  /** The whole flat buffer. */
  public NDArray flat() {
    return flat;
  }

  /** A 1-D view of one optimiser group's part of {@code buffer} (which has this layout). */
  public NDArray segmentOf(NDArray buffer, Group g) {
    long[] s = layout.segment(g);
    return buffer.get(new NDIndex().addSliceDim(s[0], s[1]));
  }

  /** Views of parameter {@code spec} inside another buffer of the same layout (e.g. a gradient). */
  public static NDArray viewOf(NDArray buffer, Spec spec) {
    return buffer
        .get(new NDIndex().addSliceDim(spec.offset(), spec.offset() + spec.numel()))
        .reshape(new Shape(spec.shape()));
  }

  /** The flat gradient (a new handle; close or scope it). */
  public NDArray gradient() {
    return flat.getGradient();
  }

  /** Zeroes the accumulated gradient in place (PyTorch accumulates across backward passes). */
  public void zeroGradient() {
    if (flat.hasGradient()) {
      JniUtils.zeroGrad((PtNDArray) flat);
    }
  }

  /** A copy of every value, in buffer order. */
  public float[] toFloatArray() {
    return flat.toFloatArray();
  }

  /** Name-to-view map in official order (for checkpoints). */
  public Map<String, NDArray> named() {
    Map<String, NDArray> m = new LinkedHashMap<>();
    for (Spec s : layout.specs()) {
      m.put(s.name(), views[s.index()]);
    }
    return m;
  }

  /** Number of parameter tensors. */
  public int size() {
    return views.length;
  }

  public List<Spec> specs() {
    return layout.specs();
  }

  @Override
  public void close() {
    manager.close();
  }
}
