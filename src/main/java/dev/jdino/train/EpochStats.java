package dev.jdino.train;

import java.util.Map;
import java.util.Set;

/**
 * Sums over one epoch's steps (the official {@code MetricLogger} of {@code train_one_epoch}), and
 * the epoch's means as the metrics record and the listener's line.
 */
final class EpochStats {
  final int epoch;

  /** Steps this invocation means to make in the epoch (fewer when resumed inside it). */
  final int planned;

  private final long start = System.nanoTime();
  private double loss;
  private double entropy;
  private double kl;
  int steps;
  int skipped;

  /** The dataset indices of the images this rank could not load in the epoch. */
  Set<Integer> unreadable = Set.of();

  String failures = "";
  double seconds;

  EpochStats(int epoch, int planned) {
    this.epoch = epoch;
    this.planned = planned;
  }

  void add(DinoStep.Outcome o) {
    loss += o.loss();
    entropy += o.teacherEntropy();
    kl += o.klTeacherStudent();
    steps++;
  }

  /** The epoch, counted from 1. */
  int epoch1() {
    return epoch + 1;
  }

  /** Over the epoch so far, or the whole epoch once {@link #seconds} is set. */
  double imagesPerSecond(int globalBatch) {
    double s = seconds > 0 ? seconds : (System.nanoTime() - start) / 1e9;
    return steps * (double) globalBatch / Math.max(s, 1e-9);
  }

  void finish() {
    seconds = (System.nanoTime() - start) / 1e9;
  }

  double meanLoss() {
    return loss / Math.max(1, steps);
  }

  double meanEntropy() {
    return entropy / Math.max(1, steps);
  }

  double meanKl() {
    return kl / Math.max(1, steps);
  }

  /**
   * The metrics record of the epoch that ended at global step {@code end}, with the schedules' last
   * values {@code h}.
   *
   * @param extra where the epoch hooks add their results (online k-NN)
   */
  Metrics.Epoch record(long end, DinoStep.Hyper h, int globalBatch, Map<String, Object> extra) {
    return new Metrics.Epoch(
        "epoch",
        epoch,
        end,
        meanLoss(),
        h.lr(),
        h.weightDecay(),
        h.momentum(),
        h.teacherTemp(),
        meanEntropy(),
        meanKl(),
        imagesPerSecond(globalBatch),
        seconds,
        steps,
        skipped,
        extra);
  }

  TrainingListener.Epoch forListener(RunPlan plan, int globalBatch) {
    return new TrainingListener.Epoch(
        epoch,
        plan.epochs(),
        meanLoss(),
        meanEntropy(),
        meanKl(),
        seconds,
        imagesPerSecond(globalBatch),
        skipped,
        steps,
        plan.stepsPerEpoch());
  }
}
