package dev.jdino.dist;

import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Bounds the time one collective may take. A collective blocks until every rank has joined it, so a
 * rank that died (or stopped, or took another path) leaves the others waiting forever; launchers
 * notice dead processes but not stuck ones, and MPI has no timeout of its own. This is the
 * counterpart of {@code torch.distributed}'s process-group timeout (30 minutes by default there
 * too): armed before each call, disarmed after, and on expiry it reports once and ends the process.
 *
 * <p>The expiry runs on the watchdog's own daemon thread while the calling thread is still blocked
 * inside MPI, so it must not call MPI itself (MPI runs FUNNELED); the default action halts the JVM
 * without shutdown hooks, so nothing half-done (a checkpoint of a half-averaged step) is written on
 * the way out. Files already on disk are intact: they are written atomically.
 */
final class Watchdog implements AutoCloseable {
  /** One armed collective; close it when the call returns. */
  interface Watch extends AutoCloseable {
    @Override
    void close();
  }

  private static final Watch NOTHING = () -> {};

  private final long timeoutNanos;
  private final Consumer<String> onTimeout;
  private final ScheduledThreadPoolExecutor timer;

  /**
   * @param timeout how long one collective may take; zero disables the watchdog
   * @param onTimeout receives the one-line message (without "jdino: error: ") on expiry
   */
  Watchdog(Duration timeout, Consumer<String> onTimeout) {
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("collective timeout cannot be negative: " + timeout);
    }
    this.timeoutNanos = timeout.toNanos();
    this.onTimeout = onTimeout;
    if (timeoutNanos == 0) {
      this.timer = null;
      return;
    }
    this.timer =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "jdino-collective-watchdog");
              t.setDaemon(true);
              return t;
            });
    timer.setRemoveOnCancelPolicy(true);
  }

  /** The action of a real run: print the line on stderr and halt with {@code status}. */
  static Consumer<String> haltWith(int status) {
    return message -> {
      System.err.println("jdino: error: " + message + "; exiting with status " + status);
      System.err.flush();
      Runtime.getRuntime().halt(status);
    };
  }

  /**
   * Arms the watchdog for one call.
   *
   * @param what the rank and the operation, e.g. "rank 1 of 4 (node7): MPI_Allreduce of 25.0 MiB
   *     float32"
   */
  Watch arm(String what) {
    if (timer == null) {
      return NOTHING;
    }
    ScheduledFuture<?> f =
        timer.schedule(
            () ->
                onTimeout.accept(
                    what
                        + " did not complete within "
                        + seconds()
                        + " (another rank has probably died or stopped: see its output)"),
            timeoutNanos,
            TimeUnit.NANOSECONDS);
    return () -> f.cancel(false);
  }

  private String seconds() {
    return timeoutNanos % 1_000_000_000L == 0
        ? (timeoutNanos / 1_000_000_000L) + " s"
        : String.format(Locale.ROOT, "%.3f s", timeoutNanos / 1e9);
  }

  @Override
  public void close() {
    if (timer != null) {
      timer.shutdownNow();
    }
  }
}
