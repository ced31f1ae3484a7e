package dev.jdino.train;

import dev.jdino.model.Compute;
import java.nio.file.Path;

/**
 * How a run is carried out, as opposed to what it computes ({@link DinoConfig}): none of these
 * change the trained weights.
 *
 * @param outputDir run directory (args, metrics, checkpoints, snapshots)
 * @param numWorkers augmentation threads
 * @param saveckpFreq keep {@code checkpoint-NNNN} every this many epochs (0: never)
 * @param logEvery write a step record to metrics.jsonl every this many steps
 * @param snapshotEvery teacher-backbone snapshots: at step 0, every N epochs (or steps when {@link
 *     #snapshotInSteps}) and at the end of the run; 0 disables
 * @param snapshotInSteps whether {@link #snapshotEvery} counts steps
 * @param threads engine compute threads (0: the engine's default)
 * @param maxSteps stop (with a checkpoint) after this many steps of this invocation; 0: no limit
 * @param compute the arithmetic: precision and fused attention (equal results within rounding)
 */
public record TrainOptions(
    Path outputDir,
    int numWorkers,
    int saveckpFreq,
    int logEvery,
    int snapshotEvery,
    boolean snapshotInSteps,
    int threads,
    long maxSteps,
    Compute compute) {

  /** The most augmentation threads a run may ask for. */
  public static final int MAX_WORKERS = 256;

  public TrainOptions {
    // Each worker is a thread with its own crop buffers: far more than any machine's cores only
    // costs memory, and 100,000 of them exhaust it before the first step.
    if (numWorkers < 1 || numWorkers > MAX_WORKERS) {
      throw new IllegalArgumentException(
          "--num-workers "
              + numWorkers
              + ": expected 1 to "
              + MAX_WORKERS
              + " augmentation threads");
    }
    if (compute == null) {
      throw new IllegalArgumentException("an arithmetic (Compute) is needed");
    }
    // One message per setting, each naming its own value: a shared message about three flags
    // left the user to guess which one was wrong (and named none of them for --max-steps).
    if (saveckpFreq < 0) {
      throw new IllegalArgumentException(
          "--saveckp-freq " + saveckpFreq + ": expected a number of epochs >= 0 (0: never)");
    }
    if (logEvery < 1) {
      throw new IllegalArgumentException(
          "--log-every " + logEvery + ": expected a number of steps >= 1");
    }
    if (snapshotEvery < 0) {
      throw new IllegalArgumentException(
          "--snapshot-every " + snapshotEvery + ": expected a number >= 0 (0: off)");
    }
    if (maxSteps < 0) {
      throw new IllegalArgumentException(
          "--max-steps " + maxSteps + ": expected a number of steps >= 1");
    }
    if (threads < 0) {
      throw new IllegalArgumentException("--threads " + threads + ": expected at least 1");
    }
  }

  public static TrainOptions defaults(Path outputDir) {
    return new TrainOptions(outputDir, 2, 20, 10, 0, false, 0, 0, Compute.REFERENCE);
  }

  public TrainOptions withMaxSteps(long n) {
    return with(snapshotEvery, snapshotInSteps, n, compute);
  }

  public TrainOptions withSnapshots(int every, boolean inSteps) {
    return with(every, inSteps, maxSteps, compute);
  }

  public TrainOptions withCompute(Compute c) {
    return with(snapshotEvery, snapshotInSteps, maxSteps, c);
  }

  private TrainOptions with(int every, boolean inSteps, long max, Compute c) {
    return new TrainOptions(
        outputDir, numWorkers, saveckpFreq, logEvery, every, inSteps, threads, max, c);
  }
}
