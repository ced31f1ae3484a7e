package dev.jdino.cli;

import dev.jdino.train.DinoTrainer;
import java.io.PrintWriter;
import java.util.Locale;

/** Runs a prepared training setup for the command line: progress, Ctrl-C, summary. */
final class Training {
  private Training() {}

  static int run(TrainCommand.Setup s, PrintWriter out, PrintWriter err) throws Exception {
    if (!s.note().isEmpty()) {
      out.println("note: " + s.note());
    }
    DinoTrainer.Summary summary = train(s, out);
    printSummary(summary, out);
    return 0;
  }

  /** Trains with a progress display; Ctrl-C saves a checkpoint at the current step first. */
  static DinoTrainer.Summary train(TrainCommand.Setup s, PrintWriter out) throws Exception {
    ConsoleProgress progress = new ConsoleProgress(out);
    try (DinoTrainer trainer = TrainCommand.trainer(s, progress)) {
      Thread hook = new Thread(() -> trainer.requestStop(120_000), "jdino-stop");
      Runtime.getRuntime().addShutdownHook(hook);
      try {
        return trainer.train();
      } finally {
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
          // The hook is running: it waits for the checkpoint this thread has just written.
        }
      }
    }
  }

  static void printSummary(DinoTrainer.Summary r, PrintWriter out) {
    String time = r.resumed()
        ? String.format(Locale.ROOT, "%s this time (%s in all, with the runs before the resume)",
            ProgressDisplay.clock(r.seconds()), ProgressDisplay.clock(r.totalSeconds()))
        : ProgressDisplay.clock(r.seconds());
    out.printf(Locale.ROOT, "%s: %d epochs, %d steps, final loss %.4f, %s, %.1f img/s, %d images"
            + " skipped%n",
        r.stoppedEarly() ? "stopped" : "done", r.epochsDone(), r.steps(), r.finalLoss(), time,
        r.imagesPerSecond(), r.skippedImages());
    out.println("checkpoint: " + r.checkpoint().toAbsolutePath());
    out.println("metrics:    " + r.metrics().toAbsolutePath());
    out.flush();
  }
}
