package dev.jdino.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.jdino.engine.Torch;
import dev.jdino.model.ParameterLayout.Group;
import dev.jdino.model.ParameterLayout.Spec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One network's parameter values: a flat float32 buffer laid out by a {@link ParameterLayout}, and
 * a tensor per parameter that shares the buffer's memory. Student and teacher are two sets of the
 * same layout; the modules themselves hold no weights, only indices into a set.
 *
 * <p>With {@code requiresGrad}, each trainable parameter is its own autograd leaf (a detached view
 * of the buffer), so backward costs what it costs in PyTorch. Views with autograd history would
 * make every parameter's backward scatter into a zero-filled copy of the whole buffer. After
 * backward, {@link #gradient()} gathers the leaves' gradients into one flat gradient of the same
 * layout, which clipping, the optimiser and the EMA read by segment.
 */
public final class ParameterSet implements AutoCloseable {
  private static final NDIndex ALL = new NDIndex("...");

  private final ParameterLayout layout;
  private final NDManager manager;
  private final NDArray flat;
  private final NDArray[] views;
  private final NDArray gradFlat;
  private final NDArray[] gradViews;

  /** Creates a set holding {@code values} (length {@code layout.numel()}). */
  public ParameterSet(
      ParameterLayout layout, NDManager parent, float[] values, boolean requiresGrad) {
    if (values.length != layout.numel()) {
      throw new IllegalArgumentException(
          "expected " + layout.numel() + " parameter values, got " + values.length);
    }
    this.layout = layout;
    this.manager = parent.newSubManager();
    this.flat = Torch.withoutGradient(() -> manager.create(values));
    this.views = new NDArray[layout.specs().size()];
    this.gradFlat = requiresGrad ? manager.zeros(new Shape(layout.numel())) : null;
    this.gradViews = requiresGrad ? new NDArray[views.length] : null;
    Torch.withoutGradient(
        () -> {
          for (Spec s : layout.specs()) {
            NDArray v = viewOf(flat, s);
            if (requiresGrad && s.trainable()) {
              // detach: a new leaf over the same memory, updated in place by the optimiser
              v = v.stopGradient();
              v.setRequiresGradient(true);
              gradViews[s.index()] = viewOf(gradFlat, s);
            }
            views[s.index()] = v;
          }
          return null;
        });
    // Whatever scope is open now must not close the weights.
    for (NDArray a : manager.getManagedArrays()) {
      NDScope.unregister(a);
    }
  }

  public ParameterLayout layout() {
    return layout;
  }

  /** The manager that owns the buffer (and caches derived from it). */
  public NDManager manager() {
    return manager;
  }

  /** The tensor of parameter {@code index} (as returned by {@link ParameterLayout.Builder#add}). */
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

  /** A view of parameter {@code spec} inside another buffer of the same layout. */
  public static NDArray viewOf(NDArray buffer, Spec spec) {
    return buffer
        .get(new NDIndex().addSliceDim(spec.offset(), spec.offset() + spec.numel()))
        .reshape(new Shape(spec.shape()));
  }

  /**
   * The flat gradient after a backward pass: every trainable leaf's gradient copied into one buffer
   * of this layout (owned by this set; do not close it). Call inside an {@code NDScope}.
   */
  public NDArray gradient() {
    if (gradFlat == null) {
      throw new IllegalStateException("this parameter set does not require gradients");
    }
    for (Spec s : layout.specs()) {
      NDArray g = gradViews[s.index()];
      if (g != null) {
        g.set(ALL, views[s.index()].getGradient());
      }
    }
    return gradFlat;
  }

  /** The part of {@link #gradient()} that belongs to {@code spec} (valid after gradient()). */
  public NDArray gradientView(Spec spec) {
    return gradViews[spec.index()];
  }

  /** Zeroes the accumulated gradients in place (PyTorch accumulates across backward passes). */
  public void zeroGradient() {
    if (gradFlat == null) {
      return;
    }
    for (Spec s : layout.specs()) {
      if (gradViews[s.index()] != null) {
        Torch.zeroGradient(views[s.index()]);
      }
    }
  }

  /** A copy of every value, in buffer order. */
  public float[] toFloatArray() {
    return flat.toFloatArray();
  }

  /** Name-to-tensor map in official order (for checkpoints). */
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
