package dev.jdino.train;

import dev.jdino.io.ConfigException;
import java.math.BigDecimal;
import java.math.MathContext;

/**
 * The optimisation side of DINO (the official main_dino.py arguments): length, batch, AdamW with
 * its schedules, the teacher's EMA, clipping and last-layer freezing. Defaults: {@link
 * #defaults()}.
 *
 * @param epochs length of the run in epochs; a fraction ends the run inside its last epoch (the run
 *     is {@code round(epochs * steps per epoch)} steps, and every schedule spans them)
 * @param batchSize source images per step (each with all its crops)
 * @param lr base learning rate; the peak is {@code lr * batchSize / 256}
 * @param minLr final learning rate of the cosine
 * @param warmupEpochs linear learning-rate warm-up from 0, in epochs (fractions allowed)
 * @param weightDecay initial weight decay (cosine to {@code weightDecayEnd})
 * @param weightDecayEnd final weight decay
 * @param momentumTeacher initial EMA momentum of the teacher
 * @param momentumTeacherEnd final EMA momentum of the cosine from {@code momentumTeacher}: 1 in the
 *     official code; below 1, the teacher keeps taking in the student until the end (short runs)
 * @param clipGrad per-tensor gradient norm clip (0 disables)
 * @param freezeLastLayer epochs (fractions allowed) during which the head's last layer is not
 *     updated
 * @param seed seed of every random choice (init, data order, crops, drop path)
 */
public record TrainConfig(
    double epochs,
    int batchSize,
    double lr,
    double minLr,
    double warmupEpochs,
    double weightDecay,
    double weightDecayEnd,
    double momentumTeacher,
    double momentumTeacherEnd,
    double clipGrad,
    double freezeLastLayer,
    long seed) {

  /** The longest run a configuration may ask for, in epochs. */
  public static final double MAX_EPOCHS = 1e6;

  public TrainConfig {
    if (!(epochs > 0)) {
      throw new ConfigException("epochs", "the run must last more than 0 epochs, got " + epochs);
    }
    // The plan holds one teacher temperature per epoch and one value per step of every schedule.
    if (!(epochs <= MAX_EPOCHS)) {
      throw new ConfigException(
          "epochs", "the run can last at most " + fmt(MAX_EPOCHS) + " epochs, got " + fmt(epochs));
    }
    if (batchSize < 1) {
      throw new ConfigException("batchSize", "the batch size must be at least 1, got " + batchSize);
    }
    // Comparisons alone let Infinity through (NaN fails them): an infinite learning rate trains
    // one step and then yields NaN losses, so every quantity that must be a number says "finite".
    if (!finiteAtLeast0(lr)) {
      throw new ConfigException("lr", "the learning rate must be a finite number >= 0, got " + lr);
    }
    if (!finiteAtLeast0(minLr)) {
      throw new ConfigException(
          "minLr", "the final learning rate must be a finite number >= 0, got " + minLr);
    }
    if (!finiteAtLeast0(warmupEpochs)) {
      throw new ConfigException(
          "warmupEpochs",
          "the warm-up must be a finite number >= 0 of epochs, got " + warmupEpochs);
    }
    if (warmupEpochs > epochs) {
      throw new ConfigException(
          "warmupEpochs",
          "the warm-up of "
              + fmt(warmupEpochs)
              + (warmupEpochs == 1 ? " epoch" : " epochs")
              + " is longer than the run of "
              + fmt(epochs)
              + (epochs == 1 ? " epoch" : " epochs"),
          "epochs");
    }
    if (!finiteAtLeast0(weightDecay)) {
      throw new ConfigException(
          "weightDecay", "weight decay must be a finite number >= 0, got " + weightDecay);
    }
    if (!finiteAtLeast0(weightDecayEnd)) {
      throw new ConfigException(
          "weightDecayEnd",
          "the final weight decay must be a finite number >= 0, got " + weightDecayEnd);
    }
    if (!(momentumTeacher >= 0 && momentumTeacher <= 1)) {
      throw new ConfigException(
          "momentumTeacher", "the teacher momentum must lie in [0, 1], got " + momentumTeacher);
    }
    if (!(momentumTeacherEnd >= 0 && momentumTeacherEnd <= 1)) {
      throw new ConfigException(
          "momentumTeacherEnd",
          "the final teacher momentum must lie in [0, 1], got " + momentumTeacherEnd);
    }
    if (!finiteAtLeast0(clipGrad)) {
      throw new ConfigException(
          "clipGrad",
          "the clipping norm must be a finite number >= 0 (0 disables), got " + clipGrad);
    }
    if (!finiteAtLeast0(freezeLastLayer)) {
      throw new ConfigException(
          "freezeLastLayer",
          "the last-layer freeze must be a finite number >= 0 of epochs, got " + freezeLastLayer);
    }
  }

  private static boolean finiteAtLeast0(double x) {
    return Double.isFinite(x) && x >= 0;
  }

  /** The official main_dino.py defaults. */
  public static TrainConfig defaults() {
    return new TrainConfig(100, 64, 0.0005, 1e-6, 10, 0.04, 0.4, 0.996, 1, 3.0, 1, 0);
  }

  /** Peak learning rate after linear scaling: {@code lr * batchSize / 256}. */
  public double peakLr() {
    return lr * batchSize / 256.0;
  }

  /**
   * Peak learning rate of a data-parallel run of {@code worldSize} ranks, each with {@code
   * batchSize} images per step: the linear scaling rule on the global batch, as the official
   * main_dino.py computes it ({@code args.lr * (args.batch_size_per_gpu * utils.get_world_size()) /
   * 256.}). A world of one gives {@link #peakLr()} exactly.
   */
  public double peakLr(int worldSize) {
    if (worldSize < 1) {
      throw new IllegalArgumentException("the world size must be at least 1, got " + worldSize);
    }
    return lr * ((long) batchSize * worldSize) / 256.0;
  }

  /** The same optimisation for {@code n} epochs. */
  public TrainConfig withEpochs(double n) {
    return new TrainConfig(
        n,
        batchSize,
        lr,
        minLr,
        warmupEpochs,
        weightDecay,
        weightDecayEnd,
        momentumTeacher,
        momentumTeacherEnd,
        clipGrad,
        freezeLastLayer,
        seed);
  }

  /** Number of steps of the run: {@code round(epochs * stepsPerEpoch)}, at least 1. */
  public long totalSteps(int stepsPerEpoch) {
    return Math.max(1, Math.round(epochs * stepsPerEpoch));
  }

  /** Number of epochs the loop enters (the last one possibly partial). */
  public int epochCount(int stepsPerEpoch) {
    return (int) ((totalSteps(stepsPerEpoch) + stepsPerEpoch - 1) / stepsPerEpoch);
  }

  /** An epoch count for people: "3", "0.5", "2.321" (four significant digits at most). */
  public static String fmt(double epochs) {
    if (epochs == Math.rint(epochs) || !Double.isFinite(epochs)) {
      return Double.isFinite(epochs) ? Long.toString((long) epochs) : Double.toString(epochs);
    }
    return new BigDecimal(epochs).round(new MathContext(4)).stripTrailingZeros().toPlainString();
  }
}
