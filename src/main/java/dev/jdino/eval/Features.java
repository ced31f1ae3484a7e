package dev.jdino.eval;

import java.util.Arrays;
import java.util.Objects;

/**
 * One feature vector per image, row-major in one flat array (a 60,000 x 384 set is one 92 MB array
 * instead of 60,000 small ones).
 *
 * @param values {@code count * dim} floats, row {@code i} at {@code i * dim}
 * @param count number of rows
 * @param dim floats per row
 * @param labels class index per row, or null when the data is unlabelled
 * @param indices dataset index of each row (rows skip images that failed to decode)
 */
public record Features(float[] values, int count, int dim, int[] labels, int[] indices) {

  public Features {
    if (values == null || indices == null) {
      throw new IllegalArgumentException(
          (values == null ? "values" : "indices") + ": expected an array, got null");
    }
    if (count < 0 || dim < 1 || (long) count * dim != values.length) {
      throw new IllegalArgumentException(
          "expected " + count + " x " + dim + " values, got " + values.length);
    }
    if (indices.length != count || (labels != null && labels.length != count)) {
      throw new IllegalArgumentException("need one index (and label) per row");
    }
  }

  /** Unlabelled rows indexed 0..count-1 (tests and in-memory use). */
  public static Features of(float[] values, int dim, int[] labels) {
    if (values == null) {
      throw new IllegalArgumentException("values: expected a float[] of rows x dim, got null");
    }
    if (dim < 1) {
      throw new IllegalArgumentException("dim must be >= 1, got " + dim);
    }
    int n = values.length / dim;
    int[] idx = new int[n];
    Arrays.setAll(idx, i -> i);
    return new Features(values, n, dim, labels, idx);
  }

  public boolean hasLabels() {
    return labels != null;
  }

  /** A copy of row {@code i}. */
  public float[] row(int i) {
    Objects.checkIndex(i, count);
    return Arrays.copyOfRange(values, i * dim, (i + 1) * dim);
  }

  /** Number of classes the labels imply: the largest label + 1 (0 when unlabelled or empty). */
  public int impliedClasses() {
    int max = -1;
    if (labels != null) {
      for (int l : labels) {
        max = Math.max(max, l);
      }
    }
    return max + 1;
  }

  /**
   * Rows scaled to unit L2 norm, like {@code torch.nn.functional.normalize}: {@code v / max(|v|,
   * 1e-12)}. The norm is accumulated in double, row by row, so the result does not depend on how
   * the rows were batched.
   */
  public Features l2Normalized() {
    float[] out = new float[values.length];
    for (int i = 0; i < count; i++) {
      int off = i * dim;
      double s = 0;
      for (int j = 0; j < dim; j++) {
        double v = values[off + j];
        s += v * v;
      }
      double scale = 1.0 / Math.max(Math.sqrt(s), 1e-12);
      for (int j = 0; j < dim; j++) {
        out[off + j] = (float) (values[off + j] * scale);
      }
    }
    return new Features(out, count, dim, labels, indices);
  }

  /** The rows {@code rows} (in that order), e.g. a subset for a quick evaluation. */
  public Features select(int[] rows) {
    float[] v = new float[rows.length * dim];
    int[] idx = new int[rows.length];
    int[] lab = labels == null ? null : new int[rows.length];
    for (int r = 0; r < rows.length; r++) {
      int i = Objects.checkIndex(rows[r], count);
      System.arraycopy(values, i * dim, v, r * dim, dim);
      idx[r] = indices[i];
      if (lab != null) {
        lab[r] = labels[i];
      }
    }
    return new Features(v, rows.length, dim, lab, idx);
  }
}
