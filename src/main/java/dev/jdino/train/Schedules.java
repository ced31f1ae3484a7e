package dev.jdino.train;

/**
 * DINO's schedules as precomputed arrays indexed by the global iteration (or by the epoch, for the
 * teacher temperature), exactly as the official {@code cosine_scheduler}: a linear warm-up from
 * {@code startWarmup} to {@code base} over the warm-up iterations (endpoints included), then
 * {@code final + 0.5 (base - final) (1 + cos(pi i / n))} over the remaining n iterations.
 */
public final class Schedules {
  private Schedules() {}

  public static double[] cosine(
      double base, double end, int epochs, int itersPerEpoch, int warmupEpochs, double startWarmup) {
    if (epochs < 1 || itersPerEpoch < 1) {
      throw new IllegalArgumentException("a schedule needs at least one epoch and one iteration");
    }
    if (warmupEpochs < 0 || warmupEpochs > epochs) {
      throw new IllegalArgumentException(
          "warm-up of " + warmupEpochs + " epochs does not fit in " + epochs + " epochs");
    }
    int total = epochs * itersPerEpoch;
    int warmup = warmupEpochs * itersPerEpoch;
    double[] s = new double[total];
    for (int i = 0; i < warmup; i++) {
      s[i] = linspace(startWarmup, base, warmup, i);
    }
    int n = total - warmup;
    for (int i = 0; i < n; i++) {
      s[warmup + i] = end + 0.5 * (base - end) * (1 + Math.cos(Math.PI * i / n));
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
