package dev.jdino.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import dev.jdino.model.ParameterLayout.Spec;
import dev.jdino.model.ParameterSet;
import java.util.ArrayList;
import java.util.List;

/**
 * DINO's gradient clipping: each parameter tensor's gradient is scaled to norm {@code clip}
 * separately (coefficient {@code clip / (norm + 1e-6)} when below 1), not a global norm.
 */
public final class GradientClipping {
  private GradientClipping() {}

  /**
   * Clips {@code grad} (the flat gradient of {@code params}) in place.
   *
   * @return the gradient norm of each trainable tensor before clipping, in spec order
   */
  public static float[] clip(ParameterSet params, NDArray grad, double clip) {
    List<Spec> specs = new ArrayList<>();
    NDList norms = new NDList();
    List<NDArray> views = new ArrayList<>();
    for (Spec s : params.specs()) {
      if (!s.trainable()) {
        continue;
      }
      NDArray g = ParameterSet.viewOf(grad, s);
      specs.add(s);
      views.add(g);
      norms.add(g.norm());
    }
    // One transfer for all norms instead of one per tensor.
    float[] n = NDArrays.stack(norms).toFloatArray();
    if (clip > 0) {
      for (int i = 0; i < n.length; i++) {
        double coef = clip / (n[i] + 1e-6);
        if (coef < 1) {
          views.get(i).muli((float) coef);
        }
      }
    }
    return n;
  }
}
