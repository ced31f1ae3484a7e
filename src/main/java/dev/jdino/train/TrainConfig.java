package dev.jdino.train;

/**
 * The optimisation side of DINO (reference sections 4 to 6). Defaults: {@link #defaults()}, the
 * official code's arguments. Validation messages name the command-line flags.
 *
 * @param epochs number of epochs
 * @param batchSize source images per step (each with all its crops)
 * @param lr base learning rate; the peak is {@code lr * batchSize / 256}
 * @param minLr final learning rate of the cosine
 * @param warmupEpochs linear learning-rate warm-up from 0
 * @param weightDecay initial weight decay (cosine to {@code weightDecayEnd})
 * @param weightDecayEnd final weight decay
 * @param momentumTeacher initial EMA momentum (cosine to 1)
 * @param teacherTemp teacher temperature after warm-up
 * @param warmupTeacherTemp initial teacher temperature
 * @param warmupTeacherTempEpochs epochs of linear teacher-temperature warm-up
 * @param studentTemp student temperature
 * @param centerMomentum centre EMA momentum
 * @param clipGrad per-tensor gradient norm clip (0 disables)
 * @param freezeLastLayer epochs during which the head's last layer is not updated
 * @param seed seed of every random choice (init, data order, crops, drop path)
 */
public record TrainConfig(
    int epochs,
    int batchSize,
    double lr,
    double minLr,
    int warmupEpochs,
    double weightDecay,
    double weightDecayEnd,
    double momentumTeacher,
    double teacherTemp,
    double warmupTeacherTemp,
    int warmupTeacherTempEpochs,
    double studentTemp,
    double centerMomentum,
    double clipGrad,
    int freezeLastLayer,
    long seed) {

  public TrainConfig {
    if (epochs < 1) {
      throw new IllegalArgumentException("--epochs must be at least 1, got " + epochs);
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("--batch-size must be at least 1, got " + batchSize);
    }
    if (!(lr >= 0) || !(minLr >= 0)) {
      throw new IllegalArgumentException("--lr and --min-lr must be >= 0, got " + lr + ", " + minLr);
    }
    if (warmupEpochs < 0 || warmupEpochs > epochs) {
      throw new IllegalArgumentException(
          "--warmup-epochs " + warmupEpochs + " is longer than the run (--epochs " + epochs
              + "); expected 0 to " + epochs);
    }
    if (warmupTeacherTempEpochs < 0 || warmupTeacherTempEpochs > epochs) {
      throw new IllegalArgumentException(
          "--warmup-teacher-temp-epochs " + warmupTeacherTempEpochs
              + " is longer than the run (--epochs " + epochs + "); expected 0 to " + epochs);
    }
    if (!(weightDecay >= 0) || !(weightDecayEnd >= 0)) {
      throw new IllegalArgumentException("--weight-decay and --weight-decay-end must be >= 0");
    }
    if (!(momentumTeacher >= 0 && momentumTeacher <= 1)) {
      throw new IllegalArgumentException(
          "--momentum-teacher must lie in [0, 1], got " + momentumTeacher);
    }
    if (!(teacherTemp > 0) || !(warmupTeacherTemp > 0) || !(studentTemp > 0)) {
      throw new IllegalArgumentException("temperatures must be > 0");
    }
    if (!(centerMomentum >= 0 && centerMomentum <= 1)) {
      throw new IllegalArgumentException("centre momentum must lie in [0, 1], got " + centerMomentum);
    }
    if (!(clipGrad >= 0)) {
      throw new IllegalArgumentException("--clip-grad must be >= 0 (0 disables), got " + clipGrad);
    }
    if (freezeLastLayer < 0) {
      throw new IllegalArgumentException("--freeze-last-layer must be >= 0, got " + freezeLastLayer);
    }
  }

  /** The official main_dino.py defaults. */
  public static TrainConfig defaults() {
    return new TrainConfig(
        100, 64, 0.0005, 1e-6, 10, 0.04, 0.4, 0.996, 0.04, 0.04, 0, 0.1, 0.9, 3.0, 1, 0);
  }

  /** Peak learning rate after linear scaling: {@code lr * batchSize / 256}. */
  public double peakLr() {
    return lr * batchSize / 256.0;
  }
}
