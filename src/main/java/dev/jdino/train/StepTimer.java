package dev.jdino.train;

import dev.jdino.augment.MultiCropAugmentation;
import dev.jdino.data.CropSampler;
import dev.jdino.data.ImageDataset;
import dev.jdino.data.MultiCropLoader;
import dev.jdino.model.Compute;
import dev.jdino.model.DropPath;
import java.util.ArrayDeque;
import java.util.function.LongToIntFunction;

/**
 * How long one training step of a configuration takes on this machine, measured on a throwaway copy
 * of the run (fresh weights, the first batches of epoch 0), so that a run can be sized to a time
 * budget before its schedules are fixed. Nothing of the measurement reaches the run: its state is
 * discarded, and the run starts from its own initialisation.
 */
public final class StepTimer {
  private StepTimer() {}

  /** Untimed steps before the measurement (JIT compilation, one-off caches, prefetched batches). */
  public static final int WARMUP_STEPS = 5;

  /** The fewest steps a measurement times. */
  public static final int MIN_STEPS = 10;

  /** The least time a measurement takes, in seconds. */
  public static final int MIN_SECONDS = 5;

  /** The most time a measurement takes, in per cent of the budget it sizes. */
  public static final int MAX_PERCENT = 3;

  /** The most time a measurement takes, in seconds, however long the budget. */
  public static final int MAX_SECONDS = 120;

  /**
   * The cap on a measurement's time never falls below this, however short the budget: capped at 5
   * s, the demo's 2:30 (3 % is 4.5 s) measured 0.40 s per step, unsettled, and then ran at 0.31.
   */
  public static final int SHORT_BUDGET_SECONDS = 15;

  /**
   * The measurement was asked to stop ({@link StopSignal}, Ctrl-C): it ended after its current step
   * with its throwaway state closed, so no thread is inside libtorch when the JVM exits (exiting
   * while a step's backward ran crashed the JVM in libtorch's teardown).
   */
  public static final class Interrupted extends RuntimeException {
    public Interrupted() {
      super(
          "interrupted while measuring the step time, before the run started: nothing was written");
    }
  }

  /** A measured step time: the mean over the {@code steps} timed steps it was taken from. */
  public record StepTime(double secondsPerStep, int steps, double seconds, boolean settled) {}

  /** How long a measurement for a budget of {@code budgetSeconds} may take, at most. */
  public static double maxSecondsFor(double budgetSeconds) {
    return Math.min(
        MAX_SECONDS, Math.max(SHORT_BUDGET_SECONDS, MAX_PERCENT / 100.0 * budgetSeconds));
  }

  /**
   * Times steps until the step time has settled, and at least {@code minSteps} have run and {@code
   * minSeconds} have passed; or until {@code maxSeconds} have passed or the first epoch ends.
   *
   * <p>A fresh JVM on 2 cores runs its first minute of steps slower than the rest, while the JIT
   * compiles on the core the step also wants: on a 2-core AMD EPYC (Zen 3), 10 steps measured 0.78
   * s per step where the run then went at 0.48, so a 48-minute budget would have trained for 30
   * (and five steps, earlier, measured 0.47 where the run averaged 0.34). The mean from the start
   * is dragged by the slowest steps; {@link Settling} keeps timing until the latest windows agree,
   * and takes the step time from them.
   *
   * @param warmup steps run first and not timed (JIT compilation, one-off caches, prefetch)
   * @param stop ends the measurement after its current step when requested (Ctrl-C)
   * @return seconds per step, data loading included
   * @throws Interrupted if {@code stop} was requested; the throwaway state is closed by then
   */
  public static StepTime measure(
      DinoConfig config,
      ImageDataset data,
      int workers,
      Compute compute,
      int warmup,
      int minSteps,
      double minSeconds,
      double maxSeconds,
      StopSignal stop) {
    int stepsPerEpoch = DinoTrainer.stepsPerEpoch(data, config);
    int untimed = Math.min(warmup, Math.max(0, stepsPerEpoch - 1));
    RunPlan plan =
        RunPlan.of(config.withEpochs(Math.max(1, config.train().epochs())), stepsPerEpoch);
    CropSampler sampler = CropSampler.augmenting(new MultiCropAugmentation(config.augment()));
    Settling settling = new Settling(minSteps, minSeconds, maxSeconds);
    try (TrainingState state = TrainingState.fresh(config, null, compute);
        MultiCropLoader loader =
            MultiCropLoader.builder()
                .setDataset(data)
                .setSampler(sampler)
                .setBatchSize(config.train().batchSize())
                .optSeed(config.train().seed())
                .optWorkers(workers)
                .build()) {
      DinoStep step = state.newStep();
      double rate = config.vit().dropPathRate();
      long last = 0;
      for (int i = 0; i < stepsPerEpoch; i++) {
        if (stop.requested()) {
          throw new Interrupted();
        }
        if (i == untimed) {
          last = System.nanoTime();
        }
        DropPath dp = rate > 0 ? new DropPath(rate, config.vit().depth(), i) : null;
        step.run(state.manager(), loader.next(), plan.at(i), dp, DinoStep.Phases.NONE);
        if (i >= untimed) {
          long now = System.nanoTime();
          boolean done = settling.add((now - last) / 1e9);
          last = now;
          if (done) {
            break;
          }
        }
      }
      return settling.result();
    }
  }

  /**
   * The measurement's stopping rule and estimate, apart from the clock. Timed steps are grouped in
   * windows of at least {@link #WINDOW_STEPS} steps and {@link #WINDOW_SECONDS} seconds; the step
   * time has settled when the last {@link #WINDOWS} windows' means lie within {@link #SPREAD} of
   * each other, and the estimate is the mean over those windows (over all timed steps while fewer
   * have closed).
   */
  static final class Settling {
    static final int WINDOW_STEPS = 3;
    static final double WINDOW_SECONDS = 2;
    static final int WINDOWS = 3;
    static final double SPREAD = 1.1;

    private final int minSteps;
    private final double minSeconds;
    private final double maxSeconds;
    private final ArrayDeque<double[]> closed = new ArrayDeque<>();
    private int steps;
    private double seconds;
    private int openSteps;
    private double openSeconds;
    private boolean settled;

    Settling(int minSteps, double minSeconds, double maxSeconds) {
      this.minSteps = minSteps;
      this.minSeconds = minSeconds;
      this.maxSeconds = maxSeconds;
    }

    /** Adds one timed step; true when the measurement may stop. */
    boolean add(double stepSeconds) {
      steps++;
      seconds += stepSeconds;
      openSteps++;
      openSeconds += stepSeconds;
      if (openSteps >= WINDOW_STEPS && openSeconds >= WINDOW_SECONDS) {
        closed.addLast(new double[] {openSteps, openSeconds});
        if (closed.size() > WINDOWS) {
          closed.removeFirst();
        }
        openSteps = 0;
        openSeconds = 0;
        settled = closed.size() == WINDOWS && spread() <= SPREAD;
      }
      return steps >= minSteps && seconds >= minSeconds && (settled || seconds >= maxSeconds);
    }

    private double spread() {
      double lo = Double.POSITIVE_INFINITY;
      double hi = 0;
      for (double[] w : closed) {
        double perStep = w[1] / w[0];
        lo = Math.min(lo, perStep);
        hi = Math.max(hi, perStep);
      }
      return hi / lo;
    }

    StepTime result() {
      if (closed.size() < WINDOWS) {
        return new StepTime(seconds / steps, steps, seconds, false);
      }
      double n = 0;
      double s = 0;
      for (double[] w : closed) {
        n += w[0];
        s += w[1];
      }
      return new StepTime(s / n, (int) n, seconds, settled);
    }
  }

  /**
   * The epochs that fill {@code seconds} of training at {@code secondsPerStep}: a whole number of
   * steps, at least one.
   */
  public static double epochsFor(double seconds, double secondsPerStep, int stepsPerEpoch) {
    long steps = Math.max(1, (long) Math.floor(seconds / secondsPerStep));
    return steps / (double) stepsPerEpoch;
  }

  /**
   * The most steps that fit {@code seconds} together with the evaluations such a run makes ({@code
   * evaluations.applyAsInt(steps)}, each {@code evalSeconds}): the budget is the run's training
   * time, and an online k-NN every epoch is part of it (the demo's was 23 s of a 2:30 budget).
   * Steps and evaluations both grow with the length, so the time is monotone in the steps and the
   * largest that fits is found by bisection; at least 1, which may not fit (the caller checks).
   */
  public static long stepsFor(
      double seconds, double secondsPerStep, double evalSeconds, LongToIntFunction evaluations) {
    long lo = 1;
    long hi = Math.max(1, (long) Math.floor(seconds / secondsPerStep));
    while (lo < hi) {
      long mid = lo + (hi - lo + 1) / 2;
      if (mid * secondsPerStep + evaluations.applyAsInt(mid) * evalSeconds <= seconds) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return lo;
  }
}
