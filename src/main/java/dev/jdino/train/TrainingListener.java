package dev.jdino.train;

/**
 * What a training run reports as it goes: the command line shows it as a progress bar, tests
 * collect it. Every method has a no-op default.
 */
public interface TrainingListener {

  /** One optimisation step finished. */
  record Step(
      int epoch,
      int batch,
      int batchesPerEpoch,
      long globalStep,
      long totalSteps,
      float loss,
      double lr,
      double imagesPerSecond,
      long dataNanos,
      long forwardNanos,
      long backwardNanos,
      long updateNanos) {}

  /** An epoch finished. */
  record Epoch(
      int epoch,
      int epochs,
      double meanLoss,
      double teacherEntropy,
      double kl,
      double seconds,
      double imagesPerSecond,
      int skippedImages) {}

  default void started(String description, long startStep, long totalSteps) {}

  default void step(Step s) {}

  default void epoch(Epoch e) {}

  /** A line for the user (warnings, skipped files, checkpoints). */
  default void message(String line) {}

  /** The run ended (normally, stopped, or failed); the listener may release its display. */
  default void finished() {}

  TrainingListener NONE = new TrainingListener() {};
}
