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

  public TrainOptions {
    if (numWorkers < 1) {
      throw new IllegalArgumentException("--num-workers must be at least 1, got " + numWorkers);
    }
    if (compute == null) {
      throw new IllegalArgumentException("an arithmetic (Compute) is needed");
    }
    if (saveckpFreq < 0 || logEvery < 1 || snapshotEvery < 0 || maxSteps < 0) {
      throw new IllegalArgumentException(
          "--saveckp-freq and --snapshot-every must be >= 0 and --log-every >= 1");
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
