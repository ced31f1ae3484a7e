package dev.jdino.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.jdino.model.ParameterLayout;
import dev.jdino.model.ParameterLayout.Group;
import dev.jdino.model.ParameterSet;
import java.util.EnumMap;
import java.util.Map;

/**
 * AdamW as {@code torch.optim.AdamW} computes it, with DINO's parameter groups: weight decay on
 * weights, none on biases and 1-D tensors. The first moments, second moments and step counts are
 * kept per optimiser group over the flat buffer, so an update is a dozen engine calls per group.
 *
 * <p>Step counts are per group because PyTorch counts steps per parameter and skips parameters
 * without a gradient: while the last layer is frozen it takes no steps, so its bias correction lags
 * the rest exactly as in the official run.
 */
public final class AdamW implements AutoCloseable {
  private static final Group[] TRAINED = {Group.DECAY, Group.NO_DECAY, Group.LAST_LAYER};

  private final double beta1;
  private final double beta2;
  private final double eps;
  private final NDManager manager;
  private final NDArray expAvg;
  private final NDArray expAvgSq;
  private final Map<Group, Long> steps = new EnumMap<>(Group.class);

  public AdamW(NDManager parent, ParameterLayout layout, double beta1, double beta2, double eps) {
    this(parent, layout, beta1, beta2, eps, null, null);
  }

  private AdamW(
      NDManager parent,
      ParameterLayout layout,
      double beta1,
      double beta2,
      double eps,
      float[] m,
      float[] v) {
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
    this.manager = parent.newSubManager();
    var shape = new Shape(layout.numel());
    this.expAvg = m == null ? manager.zeros(shape) : manager.create(m, shape);
    this.expAvgSq = v == null ? manager.zeros(shape) : manager.create(v, shape);
    NDScope.unregister(expAvg, expAvgSq);
    for (Group g : TRAINED) {
      steps.put(g, 0L);
    }
  }

  /** DINO's optimiser resumed from saved moments and per-group step counts. */
  public static AdamW restore(
      NDManager parent,
      ParameterLayout layout,
      float[] expAvg,
      float[] expAvgSq,
      Map<Group, Long> steps) {
    AdamW a = new AdamW(parent, layout, 0.9, 0.999, 1e-8, expAvg, expAvgSq);
    steps.forEach(
        (g, n) -> {
          if (a.steps.containsKey(g)) {
            a.steps.put(g, n);
          }
        });
    return a;
  }

  /** Step counts per trained group (for checkpoints). */
  public Map<Group, Long> stepCounts() {
    return new EnumMap<>(steps);
  }

  /** DINO's optimiser settings: betas (0.9, 0.999), eps 1e-8. */
  public static AdamW dino(NDManager parent, ParameterLayout layout) {
    return new AdamW(parent, layout, 0.9, 0.999, 1e-8);
  }

  /** First moments, flat, same layout as the parameters. */
  public NDArray expAvg() {
    return expAvg;
  }

  /** Second moments, flat, same layout as the parameters. */
  public NDArray expAvgSq() {
    return expAvgSq;
  }

  public long steps(Group g) {
    return steps.get(g);
  }

  /**
   * One update of {@code params} from its flat gradient {@code grad}.
   *
   * @param lr learning rate for all groups
   * @param weightDecay decay of the regularised groups (DECAY and LAST_LAYER)
   * @param updateLastLayer false while the last layer is frozen: its gradient is dropped
   */
  public void step(
      ParameterSet params, NDArray grad, double lr, double weightDecay, boolean updateLastLayer) {
    for (Group g : TRAINED) {
      if (params.layout().segmentLength(g) == 0 || (g == Group.LAST_LAYER && !updateLastLayer)) {
        continue;
      }
      double wd = g == Group.NO_DECAY ? 0 : weightDecay;
      update(
          params.segmentOf(params.flat(), g),
          params.segmentOf(grad, g),
          params.segmentOf(expAvg, g),
          params.segmentOf(expAvgSq, g),
          g,
          lr,
          wd);
    }
  }

  private void update(
      NDArray p, NDArray g, NDArray m, NDArray v, Group group, double lr, double wd) {
    long t = steps.merge(group, 1L, Long::sum);
    if (wd != 0) {
      p.muli((float) (1 - lr * wd));
    }
    m.muli((float) beta1).addi(g.mul((float) (1 - beta1)));
    v.muli((float) beta2).addi(g.mul(g).muli((float) (1 - beta2)));
    double bc1 = 1 - Math.pow(beta1, t);
    double bc2 = 1 - Math.pow(beta2, t);
    NDArray denom = v.sqrt().divi((float) Math.sqrt(bc2)).addi((float) eps);
    p.subi(m.div(denom).muli((float) (lr / bc1)));
  }

  @Override
  public void close() {
    manager.close();
  }
}
