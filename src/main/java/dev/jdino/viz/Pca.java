package dev.jdino.viz;

import java.util.Arrays;

/**
 * Principal component analysis in Java doubles: the covariance of the rows, then its
 * eigen-decomposition by the cyclic Jacobi method (exact to rounding for a symmetric matrix, and
 * simple enough to trust; a D x D sweep costs O(D^3), about a second for D = 384).
 */
public final class Pca {
  private static final int MAX_SWEEPS = 100;

  /**
   * A fitted PCA.
   *
   * @param mean the mean row (D)
   * @param components the first k eigenvectors of the covariance as rows (k x D, unit length), by
   *     decreasing eigenvalue
   * @param eigenvalues their variances (k)
   * @param totalVariance the trace of the covariance (the sum of all D eigenvalues)
   */
  public record Result(
      double[] mean, double[][] components, double[] eigenvalues, double totalVariance) {

    /** Coordinates of {@code row} on the components. */
    public double[] project(float[] row, int offset) {
      double[] out = new double[components.length];
      for (int k = 0; k < components.length; k++) {
        double s = 0;
        double[] c = components[k];
        for (int j = 0; j < c.length; j++) {
          s += (row[offset + j] - mean[j]) * c[j];
        }
        out[k] = s;
      }
      return out;
    }

    /** Share of the total variance each component explains. */
    public double[] explained() {
      double[] e = new double[eigenvalues.length];
      for (int k = 0; k < e.length; k++) {
        e[k] = totalVariance > 0 ? eigenvalues[k] / totalVariance : 0;
      }
      return e;
    }
  }

  /** Eigenvalues (decreasing) and unit eigenvectors ({@code vectors[k]} goes with value k). */
  public record Eigen(double[] values, double[][] vectors) {}

  private Pca() {}

  /**
   * Fits the first {@code k} components of {@code n} rows of {@code d} values, stored row-major in
   * {@code data}. The covariance divides by n (the population covariance; the scale does not change
   * the components).
   */
  public static Result fit(float[] data, int n, int d, int k) {
    if (n < 1 || d < 1 || k < 1 || k > d || data.length < (long) n * d) {
      throw new IllegalArgumentException("need n >= 1 rows of d >= k >= 1 values");
    }
    double[] mean = new double[d];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < d; j++) {
        mean[j] += data[i * d + j];
      }
    }
    for (int j = 0; j < d; j++) {
      mean[j] /= n;
    }
    double[][] cov = new double[d][d];
    double[] row = new double[d];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < d; j++) {
        row[j] = data[i * d + j] - mean[j];
      }
      for (int a = 0; a < d; a++) {
        double ra = row[a];
        double[] ca = cov[a];
        for (int b = a; b < d; b++) {
          ca[b] += ra * row[b];
        }
      }
    }
    double trace = 0;
    for (int a = 0; a < d; a++) {
      for (int b = a; b < d; b++) {
        cov[a][b] /= n;
        cov[b][a] = cov[a][b];
      }
      trace += cov[a][a];
    }
    Eigen e = eigen(cov);
    double[][] comps = new double[k][];
    double[] vals = new double[k];
    for (int i = 0; i < k; i++) {
      comps[i] = e.vectors()[i];
      vals[i] = e.values()[i];
    }
    return new Result(mean, comps, vals, trace);
  }

  /**
   * Eigen-decomposition of a symmetric matrix (not modified) by cyclic Jacobi rotations, until the
   * off-diagonal mass is negligible against the diagonal.
   */
  public static Eigen eigen(double[][] symmetric) {
    int n = symmetric.length;
    double[][] a = new double[n][];
    double[][] v = new double[n][n];
    for (int i = 0; i < n; i++) {
      a[i] = symmetric[i].clone();
      v[i][i] = 1;
    }
    for (int sweep = 0; sweep < MAX_SWEEPS; sweep++) {
      double off = 0;
      double diag = 0;
      for (int p = 0; p < n; p++) {
        diag += a[p][p] * a[p][p];
        for (int q = p + 1; q < n; q++) {
          off += a[p][q] * a[p][q];
        }
      }
      if (off <= 1e-30 * Math.max(diag, Double.MIN_NORMAL)) {
        break;
      }
      for (int p = 0; p < n - 1; p++) {
        for (int q = p + 1; q < n; q++) {
          if (a[p][q] != 0) {
            rotate(a, v, p, q);
          }
        }
      }
    }
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (x, y) -> Double.compare(a[y][y], a[x][x]));
    double[] values = new double[n];
    double[][] vectors = new double[n][n];
    for (int k = 0; k < n; k++) {
      int c = order[k];
      values[k] = a[c][c];
      for (int i = 0; i < n; i++) {
        vectors[k][i] = v[i][c];
      }
    }
    return new Eigen(values, vectors);
  }

  /** One Jacobi rotation zeroing a[p][q] (Golub and Van Loan, the symmetric Schur step). */
  private static void rotate(double[][] a, double[][] v, int p, int q) {
    double apq = a[p][q];
    double theta = (a[q][q] - a[p][p]) / (2 * apq);
    double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
    if (theta == 0) {
      t = 1;
    }
    double c = 1 / Math.sqrt(t * t + 1);
    double s = t * c;
    int n = a.length;
    for (int k = 0; k < n; k++) {
      double akp = a[k][p];
      double akq = a[k][q];
      a[k][p] = c * akp - s * akq;
      a[k][q] = s * akp + c * akq;
    }
    for (int k = 0; k < n; k++) {
      double apk = a[p][k];
      double aqk = a[q][k];
      a[p][k] = c * apk - s * aqk;
      a[q][k] = s * apk + c * aqk;
    }
    for (int k = 0; k < n; k++) {
      double vkp = v[k][p];
      double vkq = v[k][q];
      v[k][p] = c * vkp - s * vkq;
      v[k][q] = s * vkp + c * vkq;
    }
  }
}
