package dev.jdino.eval;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress of a long evaluation task (feature extraction, probe epochs). {@link #console} shows a
 * bar with rate and ETA on a terminal and plain lines (every 10%, or 30 s) in logs and pipes.
 */
public interface Progress {

  /** A task of {@code total} units (e.g. {@code " img"}) begins. */
  void start(String task, long total, String unit);

  /** {@code n} more units are done. */
  void advance(long n);

  /** The task ended; release the display. */
  void finish();

  /** Shows nothing. */
  Progress NONE =
      new Progress() {
        @Override
        public void start(String task, long total, String unit) {}

        @Override
        public void advance(long n) {}

        @Override
        public void finish() {}
      };

  /**
   * Progress for people.
   *
   * @param terminal draw a live bar (else write occasional lines to {@code out})
   */
  static Progress console(PrintWriter out, boolean terminal) {
    return new Console(out, terminal);
  }

  /** The console implementation; one task at a time. */
  final class Console implements Progress {
    private final PrintWriter out;
    private final boolean terminal;
    private ProgressBar bar;
    private String task;
    private String unit;
    private long total;
    private long done;
    private long startNanos;
    private long lastLine;
    private long nextTenth;

    Console(PrintWriter out, boolean terminal) {
      this.out = out;
      this.terminal = terminal;
    }

    @Override
    public void start(String task, long total, String unit) {
      finish();
      this.task = task;
      this.unit = unit;
      this.total = total;
      this.done = 0;
      this.startNanos = System.nanoTime();
      this.lastLine = startNanos;
      this.nextTenth = Math.max(1, total / 10);
      if (terminal) {
        bar = new ProgressBarBuilder()
            .setTaskName(task)
            .setInitialMax(total)
            .startsFrom(0, Duration.ZERO)
            .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK)
            .setUnit(unit, 1)
            .showSpeed()
            .setUpdateIntervalMillis(500)
            .build();
      }
    }

    @Override
    public void advance(long n) {
      done += n;
      if (bar != null) {
        bar.stepTo(done);
        return;
      }
      long now = System.nanoTime();
      if (done >= nextTenth || now - lastLine > 30_000_000_000L) {
        while (nextTenth <= done) {
          nextTenth += Math.max(1, total / 10);
        }
        lastLine = now;
        double secs = (now - startNanos) / 1e9;
        out.printf(Locale.ROOT, "%s: %,d/%,d%s (%.0f%%), %.0f%s/s, elapsed %.1f s%n", task, done, total,
            unit, 100.0 * done / Math.max(1, total), done / Math.max(secs, 1e-9), unit, secs);
        out.flush();
      }
    }

    @Override
    public void finish() {
      if (bar != null) {
        bar.close();
        bar = null;
      }
    }
  }
}
