package dev.jdino.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.jdino.model.Scopes;

/**
 * DINO's self-distillation loss with centring (reference section 4). For each teacher global view
 * iq and each student view v != iq: the cross-entropy between the teacher's centred, sharpened
 * softmax and the student's softmax at temperature 0.1, averaged over the batch; the loss is the
 * mean of those 2(V - 1) terms. The centre is an EMA of the teacher's raw logits, updated after
 * the loss is computed.
 */
public final class DinoLoss implements AutoCloseable {
  private final int outDim;
  private final double studentTemp;
  private final double centerMomentum;
  private final NDManager manager;
  private final NDArray center;

  /** Scalar loss (with gradient) and the no-gradient health signals of one step. */
  public record Result(NDArray loss, float value, float teacherEntropy, float klTeacherStudent) {}

  public DinoLoss(NDManager parent, int outDim, double studentTemp, double centerMomentum) {
    this.outDim = outDim;
    this.studentTemp = studentTemp;
    this.centerMomentum = centerMomentum;
    this.manager = parent.newSubManager();
    // Created outside any step scope (and unregistered in case there is one): it lives for the run.
    this.center = manager.zeros(new Shape(1, outDim));
    NDScope.unregister(center);
  }

  public NDArray center() {
    return center;
  }

  /** Replaces the centre's values (resume). */
  public void setCenter(float[] values) {
    if (values.length != outDim) {
      throw new IllegalArgumentException("centre has " + values.length + " values, expected " + outDim);
    }
    try (NDArray v = manager.create(values, new Shape(1, outDim))) {
      center.muli(0).addi(v);
    }
  }

  /**
   * @param student logits of all V crops, (V*B, K), crop-major (2 global first)
   * @param teacher logits of the 2 global crops, (2B, K), no gradient
   * @param teacherTemp this epoch's teacher temperature
   */
  public Result forward(NDArray student, NDArray teacher, double teacherTemp) {
    long k = student.getShape().get(1);
    long b = teacher.getShape().get(0) / 2;
    long views = student.getShape().get(0) / b;
    if (k != outDim || teacher.getShape().get(1) != outDim || views * b != student.getShape().get(0)) {
      throw new IllegalArgumentException(
          "student " + student.getShape() + " and teacher " + teacher.getShape()
              + " do not fit the loss (K = " + outDim + ")");
    }
    NDManager m = student.getManager();
    NDArray logP =
        student.div(Scopes.scalar(m, studentTemp)).reshape(views, b, k).logSoftmax(2);
    NDArray centred = teacher.sub(center).divi(teacherTemp).reshape(2, b, k);
    NDArray q = centred.softmax(2);
    NDArray q0 = q.get(0);
    NDArray q1 = q.get(1);
    // sum over iq, v != iq of q_iq . logP_v  =  (q0 + q1) . sum_v logP_v  -  q0 . logP_0 - q1 . logP_1
    NDArray all = q0.add(q1).mul(logP.sum(new int[] {0})).sum(new int[] {1});
    NDArray diag = q0.mul(logP.get(0)).add(q1.mul(logP.get(1))).sum(new int[] {1});
    long terms = 2 * (views - 1);
    NDArray loss = all.sub(diag).mean().neg().div(Scopes.scalar(m, terms));
    float value = loss.getFloat();
    float entropy = q.mul(centred.logSoftmax(2)).sum(new int[] {2}).mean().neg().getFloat();
    updateCenter(teacher);
    return new Result(loss, value, entropy, value - entropy);
  }

  /** center = m * center + (1 - m) * mean of the teacher's raw logits over the batch. */
  public void updateCenter(NDArray teacher) {
    NDArray batchCenter = teacher.mean(new int[] {0}, true);
    center.muli(centerMomentum).addi(batchCenter.muli(1 - centerMomentum));
  }

  @Override
  public void close() {
    manager.close();
  }
}
