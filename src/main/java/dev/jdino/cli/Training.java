package dev.jdino.cli;

import dev.jdino.data.ImageDataset;
import dev.jdino.eval.OnlineKnn;
import dev.jdino.train.DataParallel;
import dev.jdino.train.DinoTrainer;
import dev.jdino.train.TrainConfig;
import dev.jdino.train.TrainOptions;
import dev.jdino.train.TrainingListener;
import dev.jdino.train.TrainingState;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;

/** Runs a training job for the command line: progress, Ctrl-C, summary. */
final class Training {
  private Training() {}

  /**
   * What to train: a prepared state over its data, with an optional online k-NN, as this process's
   * rank of {@code parallel}.
   */
  record Job(
      TrainingState state,
      TrainOptions options,
      ImageDataset data,
      String dataSpec,
      OnlineKnn onlineKnn,
      Map<String, Object> recipe,
      DataParallel parallel) {

    /** A job of one process. */
    Job(
        TrainingState state,
        TrainOptions options,
        ImageDataset data,
        String dataSpec,
        OnlineKnn onlineKnn,
        Map<String, Object> recipe) {
      this(state, options, data, dataSpec, onlineKnn, recipe, DataParallel.single());
    }

    DinoTrainer trainer(TrainingListener listener) {
      DinoTrainer t = new DinoTrainer(state, options, data, dataSpec, listener, parallel);
      if (!recipe.isEmpty()) {
        t.recordArg("recipe", recipe);
      }
      if (onlineKnn != null) {
        t.addHook(onlineKnn.messages(listener::message));
      }
      return t;
    }
  }

  /** Trains with a progress display; Ctrl-C saves a checkpoint at the current step first. */
  static DinoTrainer.Summary train(Job job, PrintWriter out) throws Exception {
    // In a distributed run the console is rank 0's: the others show nothing.
    DinoTrainer trainer =
        job.trainer(job.parallel().isMain() ? new ConsoleProgress(out) : TrainingListener.NONE);
    Thread hook =
        new Thread(() -> trainer.stopSignal().requestAndWait("interrupted", 120_000), "jdino-stop");
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

  static void printSummary(DinoTrainer.Summary r, PrintWriter out) {
    String time =
        r.resumed()
            ? String.format(
                Locale.ROOT,
                "%s this time (%s in all, with the runs before the resume)",
                ProgressDisplay.clock(r.seconds()),
                ProgressDisplay.clock(r.totalSeconds()))
            : ProgressDisplay.clock(r.seconds());
    out.printf(
        Locale.ROOT,
        "%s: %s epoch%s, %,d step%s, final loss %.4f, %s, %.1f img/s, %d %s skipped%n",
        r.stoppedEarly() ? "stopped" : "done",
        TrainConfig.fmt(r.epochs()),
        r.epochs() == 1 ? "" : "s",
        r.steps(),
        r.steps() == 1 ? "" : "s",
        r.finalLoss(),
        time,
        r.imagesPerSecond(),
        r.skippedImages(),
        r.skippedImages() == 1 ? "image" : "images");
    out.println("checkpoint: " + r.checkpoint().toAbsolutePath());
    out.println("metrics:    " + r.metrics().toAbsolutePath());
    out.flush();
  }
}
