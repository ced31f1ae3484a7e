package dev.jdino.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import dev.jdino.model.Scopes;

/**
 * DINOv2's KoLeo regulariser (Oquab et al. 2023, section 4; Sablayrolles et al. 2019): {@code
 * -mean_i log(||x_i - x_nn(i)|| + eps)} over the L2-normalised rows of a batch, where nn(i) is the
 * row's nearest other row. It spreads the features over the sphere, which k-NN retrieval rewards.
 * As in DINOv2's {@code KoLeoLoss}: normalisation with eps 1e-8, the neighbour chosen by the
 * largest inner product (no gradient through the choice), and torch's {@code
 * PairwiseDistance(eps=1e-8)}, which adds eps to the difference before its norm.
 */
public final class KoLeoLoss {
  static final double EPS = 1e-8;

  private KoLeoLoss() {}

  /**
   * @param x features (B, D), B >= 2, with gradient
   * @return the scalar loss
   */
  public static NDArray forward(NDArray x) {
    long b = x.getShape().get(0);
    if (b < 2) {
      throw new IllegalArgumentException("KoLeo needs at least 2 rows, got " + b);
    }
    NDManager m = x.getManager();
    NDArray norm = x.norm(new int[] {1}, true).maximum(EPS);
    NDArray u = x.div(norm);
    NDArray neighbour;
    try (NDArray dots = u.stopGradient().matMul(u.stopGradient().transpose())) {
      // The diagonal becomes -1 (the smallest cosine), so a row never picks itself.
      NDArray eye = m.eye((int) b);
      NDArray masked = dots.mul(eye.neg().add(1)).sub(eye);
      neighbour = masked.argMax(1).toType(DataType.INT64, false);
    }
    NDArray nearest = u.get(new NDIndex("{}", neighbour));
    NDArray d = u.sub(nearest).add(Scopes.scalar(m, EPS)).norm(new int[] {1});
    return d.add(Scopes.scalar(m, EPS)).log().mean().neg();
  }
}
