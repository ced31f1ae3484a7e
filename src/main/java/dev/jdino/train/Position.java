package dev.jdino.train;

import java.util.Locale;

/**
 * Where a run stands: the epoch being trained (0-based), the batches of it already done, and the
 * global step. A checkpoint saved here resumes at exactly the next batch.
 */
public record Position(int epoch, int batchInEpoch, long globalStep) {

  public static final Position START = new Position(0, 0, 0);

  /** One step further; a full epoch rolls over to the next. */
  public Position next(int stepsPerEpoch) {
    int b = batchInEpoch + 1;
    return b == stepsPerEpoch
        ? new Position(epoch + 1, 0, globalStep + 1)
        : new Position(epoch, b, globalStep + 1);
  }

  /** True when the global step is where {@code epoch} and {@code batchInEpoch} say it is. */
  public boolean consistent(int stepsPerEpoch) {
    return globalStep == (long) epoch * stepsPerEpoch + batchInEpoch;
  }

  /**
   * For people, counted from 1 like "epoch 3/50 done"; the stop line and the resume line both say
   * it, so a user can match one with the other.
   */
  public String describe(int epochs, int stepsPerEpoch) {
    return batchInEpoch == 0
        ? String.format(Locale.ROOT, "at the start of epoch %d/%d", epoch + 1, epochs)
        : String.format(
            Locale.ROOT,
            "in epoch %d/%d after step %d/%d",
            epoch + 1,
            epochs,
            batchInEpoch,
            stepsPerEpoch);
  }
}
