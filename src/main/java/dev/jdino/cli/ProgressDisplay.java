package dev.jdino.cli;

import dev.jdino.eval.Progress;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * How every command shows a long task: a progress bar with rate and ETA on a terminal, and plain
 * lines (about every 10 % of the task, and at least every 30 s) when output goes to a file or a
 * pipe, so logs stay readable. One task at a time; {@link #message} prints above the bar.
 */
final class ProgressDisplay implements AutoCloseable {
  private static final long PLAIN_EVERY_NANOS = 30_000_000_000L;

  private final PrintWriter out;
  private final boolean terminal;
  private ProgressBar bar;
  private String task = "";
  private String unit = "";
  private long unitSize = 1;
  private long total;
  private long from;
  private long startNanos;
  private long lastLine;
  private long nextTenth;

  ProgressDisplay(PrintWriter out, boolean terminal) {
    this.out = out;
    this.terminal = terminal;
  }

  /** A display for {@code out}: a bar if the process talks to a terminal (JDINO_PLAIN=1: never). */
  static ProgressDisplay on(PrintWriter out) {
    return new ProgressDisplay(out, isTerminal());
  }

  static boolean isTerminal() {
    return System.console() != null && System.getenv("JDINO_PLAIN") == null;
  }

  /**
   * Starts a task of {@code total} units ({@code total <= 0}: unknown) at {@code from}; {@code
   * unit} is shown per {@code unitSize} raw units (e.g. " MiB" per 2^20 bytes).
   */
  void start(String task, long total, long from, String unit, long unitSize) {
    close();
    this.task = task;
    this.unit = unit;
    this.unitSize = Math.max(1, unitSize);
    this.total = total;
    this.from = from;
    this.startNanos = System.nanoTime();
    this.lastLine = startNanos;
    this.nextTenth = from + tenth();
    if (terminal) {
      bar =
          new ProgressBarBuilder()
              .setTaskName(task)
              .setInitialMax(Math.max(total, 0))
              .startsFrom(from, Duration.ZERO)
              .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK)
              .setUnit(unit, this.unitSize)
              .showSpeed()
              .setUpdateIntervalMillis(500)
              .build();
    }
  }

  private long tenth() {
    return total > 0 ? Math.max(1, total / 10) : Long.MAX_VALUE / 4;
  }

  /** {@code done} units so far; {@code extra} (may be empty) is shown beside the figures. */
  void update(long done, String extra) {
    if (bar != null) {
      bar.stepTo(done);
      bar.setExtraMessage(extra);
      return;
    }
    long now = System.nanoTime();
    boolean last = total > 0 && done >= total;
    if (done < nextTenth && now - lastLine < PLAIN_EVERY_NANOS && !last) {
      return;
    }
    while (nextTenth <= done) {
      nextTenth += tenth();
    }
    lastLine = now;
    double secs = (now - startNanos) / 1e9;
    double rate = (done - from) / Math.max(secs, 1e-9);
    StringBuilder line = new StringBuilder(task).append(": ").append(amount(done));
    if (total > 0) {
      line.append('/')
          .append(amount(total))
          .append(unit)
          .append(String.format(Locale.ROOT, " (%.0f%%)", 100.0 * done / total));
    } else {
      line.append(unit);
    }
    line.append(
        String.format(Locale.ROOT, ", %.1f%s/s, elapsed %s", rate / unitSize, unit, clock(secs)));
    if (total > 0 && rate > 0 && !last) {
      line.append(", eta ").append(clock((total - done) / rate));
    }
    if (!extra.isEmpty()) {
      line.append("  ").append(extra);
    }
    out.println(line);
    out.flush();
  }

  private String amount(long raw) {
    return unitSize == 1
        ? String.format(Locale.ROOT, "%,d", raw)
        : String.format(Locale.ROOT, "%.1f", raw / (double) unitSize);
  }

  /** A line for the user, printed above the bar when there is one. */
  void message(String line) {
    if (bar != null) {
      System.err.print("\r\033[K");
    }
    out.println(line);
    out.flush();
  }

  @Override
  public void close() {
    if (bar != null) {
      bar.close();
      bar = null;
    }
  }

  /** This display as the evaluation code's progress callback. */
  Progress asProgress() {
    return new Progress() {
      private long done;

      @Override
      public void start(String task, long total, String unit) {
        done = 0;
        ProgressDisplay.this.start(task, total, 0, unit, 1);
      }

      @Override
      public void advance(long n) {
        done += n;
        update(done, "");
      }

      @Override
      public void finish() {
        close();
      }
    };
  }

  static String clock(double seconds) {
    long s = Math.round(seconds);
    return s >= 3600
        ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
        : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
  }
}
