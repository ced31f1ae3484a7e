package dev.jdino.cli;

import dev.jdino.io.BadInputException;
import dev.jdino.train.TrainOptions;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * How a training run is carried out (none of it changes the weights): the same on every command
 * that trains.
 */
final class RunOptions {
  @Option(
      names = "--saveckp-freq",
      paramLabel = "N",
      description = "Keep checkpoint-NNNN every N epochs (default 20; 0: never).")
  Integer saveckpFreq;

  @Option(
      names = "--num-workers",
      paramLabel = "N",
      description = "Augmentation threads (default 2).")
  Integer numWorkers;

  @Option(
      names = "--threads",
      paramLabel = "N",
      description = "Engine compute threads (default: all cores).")
  Integer threads;

  @Option(
      names = "--log-every",
      paramLabel = "N",
      description = "Steps between metrics.jsonl step records (default 10).")
  Integer logEvery;

  @Option(
      names = "--snapshot-every",
      paramLabel = "N[s]",
      description =
          "Save a teacher-backbone snapshot every N epochs, or N steps with suffix s"
              + " (e.g. 500s); default off.")
  String snapshotEvery;

  @Option(
      names = "--snapshots",
      paramLabel = "COUNT",
      description =
          "About this many teacher snapshots spread evenly over the run (instead of"
              + " --snapshot-every), plus the untrained teacher and the last step.")
  Integer snapshots;

  @Option(
      names = "--max-steps",
      paramLabel = "N",
      description = "Stop after this many steps of this invocation (with a checkpoint).")
  Long maxSteps;

  @Mixin ComputeOptions arithmetic;

  private boolean threadsNoted;

  TrainOptions toOptions(Path dir, PrintWriter out, PrintWriter err) {
    TrainOptions o = toOptions(dir).withCompute(arithmetic.compute(out, err));
    if (!threadsNoted) {
      threadsNoted = true;
      EngineOptions.noteOversubscription(threads, out);
    }
    return o;
  }

  /** With {@code --snapshots COUNT}, the spacing in steps for a run of {@code totalSteps}. */
  TrainOptions spreadSnapshots(TrainOptions o, long totalSteps) {
    if (snapshots == null) {
      return o;
    }
    int every = (int) Math.max(1, totalSteps / Math.max(1, snapshots));
    return o.withSnapshots(every, true);
  }

  TrainOptions toOptions(Path dir) {
    TrainOptions d = TrainOptions.defaults(dir);
    int every = 0;
    boolean inSteps = false;
    if (snapshots != null && (snapshots < 1 || snapshotEvery != null)) {
      throw new BadInputException(
          snapshotEvery != null
              ? "--snapshots and --snapshot-every both space the snapshots; give one of them"
              : "--snapshots " + snapshots + ": expected at least 1");
    }
    if (snapshotEvery != null) {
      String v = snapshotEvery.trim().toLowerCase(Locale.ROOT);
      inSteps = v.endsWith("s");
      try {
        every = Integer.parseInt(inSteps ? v.substring(0, v.length() - 1) : v);
      } catch (NumberFormatException e) {
        every = -1;
      }
      if (every < 1) {
        throw new BadInputException(
            "--snapshot-every "
                + snapshotEvery
                + ": expected a number of epochs (e.g. 1) or of steps with suffix s (e.g. 500s)");
      }
    }
    // Inside TrainOptions 0 means "no limit" and "the engine's default"; on the command line
    // leaving the flag out says that, and an explicit 0 was a silent full-length run.
    if (maxSteps != null && maxSteps < 1) {
      throw new BadInputException(
          "--max-steps " + maxSteps + ": expected at least 1 step (leave it out for no limit)");
    }
    EngineOptions.check(threads);
    try {
      return new TrainOptions(
          dir,
          numWorkers != null ? numWorkers : d.numWorkers(),
          saveckpFreq != null ? saveckpFreq : d.saveckpFreq(),
          logEvery != null ? logEvery : d.logEvery(),
          every,
          inSteps,
          threads != null ? threads : 0,
          maxSteps != null ? maxSteps : 0,
          d.compute());
    } catch (IllegalArgumentException e) {
      throw new BadInputException(e.getMessage());
    }
  }
}
