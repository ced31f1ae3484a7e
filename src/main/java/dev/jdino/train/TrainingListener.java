package dev.jdino.train;

/**
 * What a training run reports as it goes: the command line shows it as a progress bar, the
 * benchmark times the phases, tests collect it. Every method has a no-op default.
 */
public interface TrainingListener extends DinoStep.Phases {

  /** One optimisation step finished. */
  record Step(
      int epoch,
      int batch,
      int batchesPerEpoch,
      int epochs,
      long globalStep,
      long totalSteps,
      float loss,
      double lr,
      double imagesPerSecond) {}

  /** An epoch finished ({@code steps} may be fewer than a whole epoch's in a fractional run). */
  record Epoch(
      int epoch,
      int epochs,
      double meanLoss,
      double teacherEntropy,
      double kl,
      double seconds,
      double imagesPerSecond,
      int skippedImages,
      int steps,
      int stepsPerEpoch) {}

  default void started(String description, long startStep, long totalSteps) {}

  /** A part of a step begins: {@link DinoStep.Phase#DATA} before the next batch is taken. */
  @Override
  default void begin(DinoStep.Phase phase) {}

  default void step(Step s) {}

  default void epoch(Epoch e) {}

  /** A line for the user (warnings, skipped files, checkpoints). */
  default void message(String line) {}

  /** The run ended (normally, stopped, or failed); the listener may release its display. */
  default void finished() {}

  TrainingListener NONE = new TrainingListener() {};
}
