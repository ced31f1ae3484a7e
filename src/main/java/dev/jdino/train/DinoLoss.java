package dev.jdino.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.jdino.dist.Collectives;
import dev.jdino.model.Scopes;
import dev.jdino.train.LossConfig.Centering;

/**
 * DINO's self-distillation loss (the paper's equation 1 and Algorithm 1; the official {@code
 * DINOLoss}). For each teacher global view iq and each student view v != iq: the cross-entropy
 * between the teacher's centred, sharpened softmax and the student's softmax at the student
 * temperature, averaged over the batch; the loss is the mean of those 2(V - 1) terms.
 *
 * <p>The teacher's targets are centred either by DINO's EMA centre, which {@link #updateCenter}
 * moves once the step is known to be finite (the official code moves it inside the forward; the
 * values are the same, but a failed step must leave it untouched), or by DINOv2's Sinkhorn-Knopp
 * normalisation of the batch (its {@code SinkhornKnoppTeacher}), which keeps no state.
 *
 * <p>Data-parallel ({@link #distributeOver}): the batch statistics are those of the global batch,
 * as in the official code: the centre moves by the mean over every rank's teacher outputs ({@code
 * dist.all_reduce} in {@code DINOLoss.update_center}), and Sinkhorn-Knopp normalises over every
 * rank's samples (DINOv2's {@code SinkhornKnoppTeacher} all-reduces its sums). The loss itself is
 * the mean over this rank's batch; averaging the gradients over ranks makes it the global mean.
 */
public final class DinoLoss implements AutoCloseable {
  /** DINOv2's number of Sinkhorn-Knopp iterations. */
  static final int SINKHORN_ITERATIONS = 3;

  private final int outDim;
  private final double studentTemp;
  private final double centerMomentum;
  private final Centering centering;
  private final NDManager manager;
  private final NDArray center;
  private Collectives world;

  /** Scalar loss (with gradient) and the no-gradient health signals of one step. */
  public record Result(NDArray loss, float value, float teacherEntropy, float klTeacherStudent) {}

  public DinoLoss(NDManager parent, int outDim, LossConfig config) {
    this.outDim = outDim;
    this.studentTemp = config.studentTemp();
    this.centerMomentum = config.centerMomentum();
    this.centering = config.centering();
    this.manager = parent.newSubManager();
    // Created outside any step scope (and unregistered in case there is one): it lives for the run.
    this.center = manager.zeros(new Shape(1, outDim));
    NDScope.unregister(center);
  }

  /** DINO's loss with EMA centring. */
  public DinoLoss(NDManager parent, int outDim, double studentTemp, double centerMomentum) {
    this(
        parent,
        outDim,
        new LossConfig(studentTemp, 0.04, 0.04, 0, centerMomentum, Centering.EMA, 0));
  }

  /**
   * Takes the centre's and Sinkhorn-Knopp's batch statistics over the ranks of {@code world} (every
   * rank must then call {@link #forward} and {@link #updateCenter} in step). A world of one changes
   * nothing.
   */
  public void distributeOver(Collectives world) {
    this.world = world != null && world.size() > 1 ? world : null;
  }

  public NDArray center() {
    return center;
  }

  /** Replaces the centre's values (resume). */
  public void setCenter(float[] values) {
    if (values.length != outDim) {
      throw new IllegalArgumentException(
          "centre has " + values.length + " values, expected " + outDim);
    }
    try (NDArray v = manager.create(values, new Shape(1, outDim))) {
      center.muli(0).addi(v);
    }
  }

  /**
   * The loss of one step; the centre is not moved (see {@link #updateCenter}).
   *
   * @param student logits of all V crops, (V*B, K), crop-major (2 global first)
   * @param teacher logits of the 2 global crops, (2B, K), no gradient
   * @param teacherTemp this epoch's teacher temperature
   */
  public Result forward(NDArray student, NDArray teacher, double teacherTemp) {
    long k = student.getShape().get(1);
    long b = teacher.getShape().get(0) / 2;
    long views = student.getShape().get(0) / b;
    if (k != outDim
        || teacher.getShape().get(1) != outDim
        || views * b != student.getShape().get(0)) {
      throw new IllegalArgumentException(
          "student "
              + student.getShape()
              + " and teacher "
              + teacher.getShape()
              + " do not fit the loss (K = "
              + outDim
              + ")");
    }
    NDManager m = student.getManager();
    NDArray logP = student.div(Scopes.scalar(m, studentTemp)).reshape(views, b, k).logSoftmax(2);
    Targets t = targets(teacher, teacherTemp, b, k);
    NDArray q0 = t.q().get(0);
    NDArray q1 = t.q().get(1);
    // The sum over iq, v != iq of q_iq . logP_v is
    //   q1 . logP_0 + q0 . logP_1 + (q0 + q1) . (sum over v > 1 of logP_v).
    // logP is split, not indexed: an index's backward zero-fills a gradient the size of all of
    // logP for each global view (2 x 19 ms of a 0.5 s step on a Zen 5, bound by fresh pages).
    NDList parts = views > 2 ? logP.split(new long[] {1, 2}, 0) : logP.split(2, 0);
    NDArray cross =
        q1.mul(parts.get(0).squeeze(0)).add(q0.mul(parts.get(1).squeeze(0))).sum(new int[] {1});
    if (views > 2) {
      cross = cross.add(q0.add(q1).mul(parts.get(2).sum(new int[] {0})).sum(new int[] {1}));
    }
    long terms = 2 * (views - 1);
    NDArray loss = cross.mean().neg().div(Scopes.scalar(m, terms));
    float value = loss.getFloat();
    float entropy = t.q().mul(t.logQ()).sum(new int[] {2}).mean().neg().getFloat();
    return new Result(loss, value, entropy, value - entropy);
  }

  /** The teacher's targets q (2, B, K) and log q. */
  private record Targets(NDArray q, NDArray logQ) {}

  private Targets targets(NDArray teacher, double teacherTemp, long b, long k) {
    if (centering == Centering.EMA) {
      NDArray centred = teacher.sub(center).divi(teacherTemp).reshape(2, b, k);
      return new Targets(centred.softmax(2), centred.logSoftmax(2));
    }
    NDArray q = sinkhornKnopp(teacher, teacherTemp, world).reshape(2, b, k);
    // A target can underflow to 0; its term in the entropy is 0 as well.
    return new Targets(q, q.maximum(Float.MIN_NORMAL).log());
  }

  /**
   * DINOv2's {@code sinkhorn_knopp_teacher}: {@code Q = exp(t / T)} over the whole batch (2B rows),
   * normalised to sum 1, then {@value #SINKHORN_ITERATIONS} times every prototype's column to 1/K
   * and every sample's row to 1/B; the rows are finally scaled to sum 1. The batch's largest logit
   * is subtracted first so that exp cannot overflow: a common factor cancels in the first
   * normalisation (a per-row shift would not, with only 3 iterations).
   */
  static NDArray sinkhornKnopp(NDArray teacher, double teacherTemp) {
    long rows = teacher.getShape().get(0);
    long k = teacher.getShape().get(1);
    NDArray scaled = teacher.div(teacherTemp);
    NDArray q = scaled.sub(scaled.max()).exp();
    q = q.div(q.sum());
    for (int it = 0; it < SINKHORN_ITERATIONS; it++) {
      q = q.div(q.sum(new int[] {0}, true)).div(k);
      q = q.div(q.sum(new int[] {1}, true)).div(rows);
    }
    return q.mul(rows);
  }

  /**
   * {@link #sinkhornKnopp(NDArray, double)} over the samples of every rank of {@code world} (null:
   * this process alone): DINOv2's {@code sinkhorn_knopp_teacher} with its {@code dist.all_reduce}
   * of the total and of each prototype's column sum, and B the global number of rows. The
   * subtracted constant is the largest logit of the global batch, so the result equals the one of a
   * single process holding all of it, up to the order of the sums.
   */
  static NDArray sinkhornKnopp(NDArray teacher, double teacherTemp, Collectives world) {
    if (world == null || world.size() == 1) {
      return sinkhornKnopp(teacher, teacherTemp);
    }
    long rows = teacher.getShape().get(0) * world.size();
    long k = teacher.getShape().get(1);
    NDArray scaled = teacher.div(teacherTemp);
    // Each rank's maximum in its own slot: the sum hands every rank all of them.
    double[] maxima = new double[world.size()];
    maxima[world.rank()] = scaled.max().getFloat();
    world.allReduceSum(maxima);
    double max = maxima[0];
    for (double m : maxima) {
      max = Math.max(max, m);
    }
    NDArray q = scaled.sub(Scopes.scalar(scaled.getManager(), max)).exp();
    NDArray total = q.sum();
    world.allReduceSum(total);
    q = q.div(total);
    for (int it = 0; it < SINKHORN_ITERATIONS; it++) {
      NDArray columns = q.sum(new int[] {0}, true);
      world.allReduceSum(columns);
      q = q.div(columns).div(k);
      q = q.div(q.sum(new int[] {1}, true)).div(rows);
    }
    return q.mul(rows);
  }

  /**
   * EMA centring: {@code center = m * center + (1 - m) * mean of the teacher's raw logits over the
   * batch} (a no-op with Sinkhorn-Knopp centring). Call once per finite step.
   */
  public void updateCenter(NDArray teacher) {
    if (centering != Centering.EMA) {
      return;
    }
    NDArray batchCenter;
    if (world == null) {
      batchCenter = teacher.mean(new int[] {0}, true);
    } else {
      // The official update_center: sum, all_reduce, divide by len(teacher_output) * world size.
      batchCenter = teacher.sum(new int[] {0}, true);
      world.allReduceSum(batchCenter);
      batchCenter = batchCenter.divi((float) (teacher.getShape().get(0) * world.size()));
    }
    center.muli(centerMomentum).addi(batchCenter.muli(1 - centerMomentum));
  }

  @Override
  public void close() {
    manager.close();
  }
}
