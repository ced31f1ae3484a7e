package dev.jdino.train;

/**
 * DINO's schedules as precomputed arrays indexed by the global iteration (or by the epoch, for the
 * teacher temperature), exactly as the official {@code cosine_scheduler}: a linear warm-up from
 * {@code startWarmup} to {@code base} over the warm-up iterations (endpoints included), then {@code
 * final + 0.5 (base - final) (1 + cos(pi i / n))} over the remaining n iterations.
 */
public final class Schedules {
  private Schedules() {}

  /** The official {@code cosine_scheduler(base, end, epochs, itersPerEpoch, warmupEpochs, ...)}. */
  public static double[] cosine(
      double base,
      double end,
      int epochs,
      int itersPerEpoch,
      int warmupEpochs,
      double startWarmup) {
    if (epochs < 1 || itersPerEpoch < 1) {
      throw new IllegalArgumentException("a schedule needs at least one epoch and one iteration");
    }
    if (warmupEpochs < 0 || warmupEpochs > epochs) {
      throw new IllegalArgumentException(
          "warm-up of " + warmupEpochs + " epochs does not fit in " + epochs + " epochs");
    }
    return cosine(
        base, end, (long) epochs * itersPerEpoch, (long) warmupEpochs * itersPerEpoch, startWarmup);
  }

  /**
   * The same schedule counted in steps: {@code warmup} steps of linear warm-up from {@code
   * startWarmup}, then the cosine from {@code base} to {@code end} over the remaining steps. With
   * whole epochs it is {@link #cosine(double, double, int, int, int, double)} exactly.
   */
  public static double[] cosine(
      double base, double end, long total, long warmup, double startWarmup) {
    if (total < 1 || total > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("a schedule needs 1 to 2^31 steps, got " + total);
    }
    if (warmup < 0 || warmup > total) {
      throw new IllegalArgumentException(
          "a warm-up of " + warmup + " steps does not fit in " + total + " steps");
    }
    double[] s = new double[(int) total];
    int w = (int) warmup;
    for (int i = 0; i < w; i++) {
      s[i] = linspace(startWarmup, base, w, i);
    }
    int n = (int) total - w;
    for (int i = 0; i < n; i++) {
      s[w + i] = end + 0.5 * (base - end) * (1 + Math.cos(Math.PI * i / n));
    }
    return s;
  }

  public static double[] cosine(double base, double end, int epochs, int itersPerEpoch) {
    return cosine(base, end, epochs, itersPerEpoch, 0, 0);
  }

  /**
   * Teacher temperature per epoch: linear from {@code warmupTemp} to {@code temp} over {@code
   * warmupEpochs} epochs (endpoints included), then constant.
   */
  public static double[] teacherTemperature(
      double warmupTemp, double temp, int warmupEpochs, int epochs) {
    if (warmupEpochs < 0 || warmupEpochs > epochs) {
      throw new IllegalArgumentException(
          "teacher temperature warm-up of "
              + warmupEpochs
              + " epochs does not fit in "
              + epochs
              + " epochs");
    }
    double[] s = new double[epochs];
    for (int e = 0; e < epochs; e++) {
      s[e] = e < warmupEpochs ? linspace(warmupTemp, temp, warmupEpochs, e) : temp;
    }
    return s;
  }

  /** numpy.linspace(a, b, n)[i]. */
  static double linspace(double a, double b, int n, int i) {
    if (n == 1) {
      return a;
    }
    double step = (b - a) / (n - 1);
    // numpy computes a + i*step and pins the last point to b exactly.
    return i == n - 1 ? b : a + i * step;
  }
}
