package dev.jdino.train;

import dev.jdino.io.ConfigException;

/**
 * A run laid out in steps once its data size is known: every schedule precomputed and indexed by
 * the global step, as the official main_dino.py does (learning rate and weight decay by {@code
 * cosine_scheduler}, the teacher's momentum by a cosine to 1, the teacher temperature per epoch).
 * Fractional epochs (a run, its warm-up or its last-layer freeze) round to whole steps.
 *
 * @param stepsPerEpoch optimisation steps in one pass over the data
 * @param totalSteps steps of the whole run
 * @param warmupSteps steps of linear learning-rate warm-up
 * @param freezeSteps steps during which the head's last layer is not updated
 */
public record RunPlan(
    int stepsPerEpoch,
    long totalSteps,
    long warmupSteps,
    long freezeSteps,
    double clipGrad,
    double[] lr,
    double[] weightDecay,
    double[] momentum,
    double[] teacherTemp) {

  /** The most steps a run can have: every schedule is a Java array with one value per step. */
  public static final long MAX_STEPS = Integer.MAX_VALUE - 8;

  /**
   * @throws ConfigException if the warm-up does not fit in the run
   */
  public static RunPlan of(DinoConfig config, int stepsPerEpoch) {
    return of(config, stepsPerEpoch, 1);
  }

  /**
   * The plan of a data-parallel run over {@code worldSize} ranks: {@code stepsPerEpoch} counts
   * global batches, and the peak learning rate follows the global batch ({@link
   * TrainConfig#peakLr(int)}); every other schedule is indexed by step, as in one process.
   *
   * @throws ConfigException if the warm-up does not fit in the run
   */
  public static RunPlan of(DinoConfig config, int stepsPerEpoch, int worldSize) {
    TrainConfig t = config.train();
    LossConfig l = config.loss();
    long total = t.totalSteps(stepsPerEpoch);
    if (total > MAX_STEPS) {
      throw new ConfigException(
          "train.epochs",
          "the run of "
              + total
              + " steps ("
              + stepsPerEpoch
              + " per epoch) is longer than the "
              + MAX_STEPS
              + " steps a run can have");
    }
    long warmup = Math.round(t.warmupEpochs() * stepsPerEpoch);
    if (warmup > total) {
      throw new ConfigException(
          "train.warmupEpochs",
          "the warm-up of " + warmup + " steps is longer than the run of " + total + " steps",
          "train.epochs");
    }
    int epochs = t.epochCount(stepsPerEpoch);
    return new RunPlan(
        stepsPerEpoch,
        total,
        warmup,
        Math.round(t.freezeLastLayer() * stepsPerEpoch),
        t.clipGrad(),
        Schedules.cosine(t.peakLr(worldSize), t.minLr(), total, warmup, 0),
        Schedules.cosine(t.weightDecay(), t.weightDecayEnd(), total, 0, 0),
        Schedules.cosine(t.momentumTeacher(), t.momentumTeacherEnd(), total, 0, 0),
        Schedules.teacherTemperature(
            l.warmupTeacherTemp(), l.teacherTemp(), l.warmupTeacherTempEpochs(), epochs));
  }

  /** Number of epochs the run enters (the last one possibly partial). */
  public int epochs() {
    return teacherTemp.length;
  }

  /** The schedules' values at global step {@code step}. */
  public DinoStep.Hyper at(long step) {
    int i = (int) step;
    return new DinoStep.Hyper(
        lr[i],
        weightDecay[i],
        momentum[i],
        teacherTemp[(int) (step / stepsPerEpoch)],
        clipGrad,
        step < freezeSteps);
  }

  /** Steps of epoch {@code epoch} (0-based) that belong to the run. */
  public int stepsIn(int epoch) {
    long start = (long) epoch * stepsPerEpoch;
    return (int) Math.max(0, Math.min(stepsPerEpoch, totalSteps - start));
  }
}
