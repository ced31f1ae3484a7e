package dev.jdino.train;

import dev.jdino.augment.MultiCropAugmentation;
import dev.jdino.data.CropSampler;
import dev.jdino.data.ImageDataset;
import dev.jdino.data.MultiCropLoader;
import dev.jdino.model.Compute;
import dev.jdino.model.DropPath;

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

  /** A measured step time: the mean over {@code steps} timed steps. */
  public record StepTime(double secondsPerStep, int steps) {}

  /**
   * Times steps until at least {@code minSteps} have run and {@code minSeconds} have passed (or the
   * first epoch ends). A fixed five steps was too few: on a 2-core AMD EPYC (Zen 3) they measured
   * 0.47 s where an identical run had measured, and then averaged, 0.34 s, so a 30-minute budget
   * trained for 20 minutes. The untimed steps come first so that the batches the loader prepared
   * while the model was built are not counted as free.
   *
   * @param warmup steps run first and not timed (JIT compilation, one-off caches, prefetch)
   * @return seconds per step, data loading included
   */
  public static StepTime measure(
      DinoConfig config,
      ImageDataset data,
      int workers,
      Compute compute,
      int warmup,
      int minSteps,
      double minSeconds) {
    int stepsPerEpoch = DinoTrainer.stepsPerEpoch(data, config);
    int untimed = Math.min(warmup, Math.max(0, stepsPerEpoch - 1));
    RunPlan plan =
        RunPlan.of(config.withEpochs(Math.max(1, config.train().epochs())), stepsPerEpoch);
    CropSampler sampler = CropSampler.augmenting(new MultiCropAugmentation(config.augment()));
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
      long start = 0;
      int timed = 0;
      double rate = config.vit().dropPathRate();
      for (int i = 0; i < stepsPerEpoch; i++) {
        if (i == untimed) {
          start = System.nanoTime();
        }
        DropPath dp = rate > 0 ? new DropPath(rate, config.vit().depth(), i) : null;
        step.run(state.manager(), loader.next(), plan.at(i), dp, DinoStep.Phases.NONE);
        if (i >= untimed) {
          timed++;
          if (timed >= minSteps && (System.nanoTime() - start) / 1e9 >= minSeconds) {
            break;
          }
        }
      }
      return new StepTime((System.nanoTime() - start) / 1e9 / timed, timed);
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
}
