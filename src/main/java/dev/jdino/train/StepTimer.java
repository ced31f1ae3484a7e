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

  /**
   * @param warmup steps run first and not timed (JIT compilation, one-off caches)
   * @param measured steps timed
   * @return seconds per step, data loading included
   */
  public static double secondsPerStep(
      DinoConfig config,
      ImageDataset data,
      int workers,
      Compute compute,
      int warmup,
      int measured) {
    int stepsPerEpoch = DinoTrainer.stepsPerEpoch(data, config);
    int total = Math.min(stepsPerEpoch, warmup + measured);
    int timed = Math.max(1, total - warmup);
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
      for (int i = 0; i < total; i++) {
        if (i == total - timed) {
          start = System.nanoTime();
        }
        double rate = config.vit().dropPathRate();
        DropPath dp = rate > 0 ? new DropPath(rate, config.vit().depth(), i) : null;
        step.run(state.manager(), loader.next(), plan.at(i), dp, DinoStep.Phases.NONE);
      }
      return (System.nanoTime() - start) / 1e9 / timed;
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
