package dev.jdino.eval;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The exact half of {@link KnnClassifier}'s search: re-scores float32 candidates in double
 * precision, keeps the best k by (similarity descending, index ascending), and falls back to an
 * exhaustive double-precision scan when float rounding could have hidden a better row.
 *
 * <p>Why the certificate holds: a training row left out of a block's float top-m scored at most
 * that block's lowest kept float value ({@code bound}). Float32 dot products of length d are off by
 * at most {@code gamma_d * |q| * |t|} with {@code gamma_d = d u / (1 - d u)}, {@code u = 2^-24},
 * whatever the summation order; so its exact similarity is at most {@code bound + tol} ({@code tol}
 * is twice that bound). If the k-th exact candidate similarity is above that, no left-out row can
 * take or tie its place.
 */
final class ExactSearch {
  static final AtomicLong EXHAUSTIVE = new AtomicLong();

  private final float[] train;
  private final int n;
  private final int d;
  private final int k;
  private final int[] heapId;
  private final double[] heapSim;
  private int size;

  ExactSearch(float[] train, int n, int d, int k) {
    this.train = train;
    this.n = n;
    this.d = d;
    this.k = k;
    this.heapId = new int[k];
    this.heapSim = new double[k];
  }

  /**
   * Writes the k best of {@code count} candidates of query {@code q} (or of all rows, when the
   * certificate fails) to {@code outIdx/outSim} from {@code outOff}, best first.
   *
   * @param bound highest float similarity any non-candidate may have; -infinity if none was left
   *     out
   */
  void rank(
      float[] q,
      int qOff,
      int[] cand,
      int cOff,
      int count,
      double bound,
      double maxTrainNorm,
      int[] outIdx,
      double[] outSim,
      int outOff) {
    size = 0;
    for (int c = 0; c < count; c++) {
      int j = cand[cOff + c];
      offer(j, dot(q, qOff, train, j * d, d));
    }
    drain(outIdx, outSim, outOff);
    if (bound == Double.NEGATIVE_INFINITY) {
      return;
    }
    double u = 0x1p-24;
    double gamma = d * u / (1 - d * u);
    double tol = 2 * gamma * Math.sqrt(dot(q, qOff, q, qOff, d)) * maxTrainNorm;
    if (outSim[outOff + k - 1] > bound + tol) {
      return;
    }
    EXHAUSTIVE.incrementAndGet();
    size = 0;
    for (int j = 0; j < n; j++) {
      offer(j, dot(q, qOff, train, j * d, d));
    }
    drain(outIdx, outSim, outOff);
  }

  /** Keeps (id, sim) if it is among the k best so far; the heap's root is the worst kept. */
  private void offer(int id, double sim) {
    if (size < k) {
      int i = size++;
      heapId[i] = id;
      heapSim[i] = sim;
      siftUp(i);
    } else if (worse(heapId[0], heapSim[0], id, sim)) {
      heapId[0] = id;
      heapSim[0] = sim;
      siftDown(0);
    }
  }

  /** Empties the heap into the output, best first. */
  private void drain(int[] outIdx, double[] outSim, int outOff) {
    for (int pos = size - 1; pos >= 0; pos--) {
      outIdx[outOff + pos] = heapId[0];
      outSim[outOff + pos] = heapSim[0];
      size--;
      heapId[0] = heapId[size];
      heapSim[0] = heapSim[size];
      siftDown(0);
    }
  }

  /** True if (ia, sa) ranks below (ib, sb). */
  private static boolean worse(int ia, double sa, int ib, double sb) {
    return sa < sb || (sa == sb && ia > ib);
  }

  private void siftUp(int i) {
    while (i > 0) {
      int p = (i - 1) >>> 1;
      if (!worse(heapId[i], heapSim[i], heapId[p], heapSim[p])) {
        return;
      }
      swap(i, p);
      i = p;
    }
  }

  private void siftDown(int i) {
    while (true) {
      int l = 2 * i + 1;
      if (l >= size) {
        return;
      }
      int w = l;
      int r = l + 1;
      if (r < size && worse(heapId[r], heapSim[r], heapId[l], heapSim[l])) {
        w = r;
      }
      if (!worse(heapId[w], heapSim[w], heapId[i], heapSim[i])) {
        return;
      }
      swap(i, w);
      i = w;
    }
  }

  private void swap(int a, int b) {
    int ti = heapId[a];
    heapId[a] = heapId[b];
    heapId[b] = ti;
    double ts = heapSim[a];
    heapSim[a] = heapSim[b];
    heapSim[b] = ts;
  }

  /**
   * Dot product in double with four interleaved partial sums (a fixed order, so the value is the
   * same on every call; four chains keep the FPU busy).
   */
  static double dot(float[] a, int ao, float[] b, int bo, int len) {
    double s0 = 0;
    double s1 = 0;
    double s2 = 0;
    double s3 = 0;
    int i = 0;
    for (; i + 3 < len; i += 4) {
      s0 += (double) a[ao + i] * b[bo + i];
      s1 += (double) a[ao + i + 1] * b[bo + i + 1];
      s2 += (double) a[ao + i + 2] * b[bo + i + 2];
      s3 += (double) a[ao + i + 3] * b[bo + i + 3];
    }
    for (; i < len; i++) {
      s0 += (double) a[ao + i] * b[bo + i];
    }
    return (s0 + s1) + (s2 + s3);
  }
}
