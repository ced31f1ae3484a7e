package dev.jdino.cli;

import dev.jdino.train.TrainingListener;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Shows training progress: a progress bar with rate and ETA on a terminal, plain lines (about
 * every 10% of an epoch, at most every 30 s apart otherwise) when output goes to a file or pipe.
 */
final class ConsoleProgress implements TrainingListener {
  private final PrintWriter out;
  private final boolean terminal;
  private ProgressBar bar;
  private long lastLine;
  private long startStep;
  private long startNanos;

  ConsoleProgress(PrintWriter out, boolean terminal) {
    this.out = out;
    this.terminal = terminal;
  }

  static boolean isTerminal() {
    return System.console() != null && System.getenv("JDINO_PLAIN") == null;
  }

  @Override
  public void started(String description, long startStep, long totalSteps) {
    out.println("jdino train: " + description);
    out.flush();
    this.startStep = startStep;
    this.startNanos = System.nanoTime();
    if (terminal) {
      bar = new ProgressBarBuilder()
          .setTaskName("train")
          .setInitialMax(totalSteps)
          .startsFrom(startStep, Duration.ZERO)
          .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK)
          .setUnit(" steps", 1)
          .showSpeed()
          .setUpdateIntervalMillis(500)
          .build();
    }
  }

  @Override
  public void step(Step s) {
    String extra = String.format(Locale.ROOT, "epoch %d %d/%d loss %.4f %.0f img/s", s.epoch(),
        s.batch(), s.batchesPerEpoch(), s.loss(), s.imagesPerSecond());
    if (bar != null) {
      bar.stepTo(s.globalStep());
      bar.setExtraMessage(extra);
      return;
    }
    long now = System.nanoTime();
    int tenth = Math.max(1, s.batchesPerEpoch() / 10);
    if (s.batch() % tenth == 0 || now - lastLine > 30_000_000_000L || s.batch() == s.batchesPerEpoch()) {
      lastLine = now;
      double secs = (now - startNanos) / 1e9;
      long done = s.globalStep() - startStep;
      double eta = done > 0 ? secs / done * (s.totalSteps() - s.globalStep()) : 0;
      out.printf(Locale.ROOT, "step %d/%d  %s  elapsed %s  eta %s%n", s.globalStep(), s.totalSteps(),
          extra, clock(secs), clock(eta));
      out.flush();
    }
  }

  @Override
  public void epoch(Epoch e) {
    message(String.format(Locale.ROOT,
        "epoch %d/%d done: loss %.4f, teacher entropy %.3f, KL %.4f, %.1f s, %.0f img/s%s",
        e.epoch() + 1, e.epochs(), e.meanLoss(), e.teacherEntropy(), e.kl(), e.seconds(),
        e.imagesPerSecond(), e.skippedImages() > 0 ? ", " + e.skippedImages() + " images skipped" : ""));
  }

  @Override
  public void message(String line) {
    if (bar != null) {
      // Print above the bar: clear its line first.
      System.err.print("\r\033[K");
    }
    out.println(line);
    out.flush();
  }

  @Override
  public void finished() {
    if (bar != null) {
      bar.close();
      bar = null;
    }
  }

  static String clock(double seconds) {
    long s = Math.round(seconds);
    return s >= 3600
        ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
        : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
  }
}
