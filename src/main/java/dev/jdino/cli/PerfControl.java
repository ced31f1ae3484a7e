package dev.jdino.cli;

import dev.jdino.io.BadInputException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Linux perf's control FIFO ({@code perf record --control fifo:PATH -D -1}): perf starts with its
 * counters off and turns them on and off when {@code enable} / {@code disable} lines arrive, so a
 * sampling profile of {@code bench train} holds the measured steps only, not the JVM's start, the
 * data loading or the warm-up (tools/sampling_profile.sh). A sampling profile is what the step
 * costs undisturbed; libtorch's operator profiler ({@code --profile}) slows small and
 * allocation-heavy operators by a different factor each (BENCHMARKS.md).
 */
final class PerfControl implements AutoCloseable {
  private static final int S_IFMT = 0170000;
  private static final int S_IFIFO = 0010000;

  private final OutputStream out;

  private PerfControl(OutputStream out) {
    this.out = out;
  }

  /**
   * Opens {@code fifo} for writing. Opening a FIFO waits for its reader: if perf does not have it
   * open within {@code timeout} this fails instead of hanging the benchmark.
   */
  static PerfControl open(Path fifo, Duration timeout) throws IOException {
    String flag = "--perf-control " + fifo;
    if (!Files.exists(fifo, LinkOption.NOFOLLOW_LINKS)) {
      throw new BadInputException(
          flag + ": no such FIFO; create it with mkfifo and give it to perf record --control");
    }
    Object mode = Files.getAttribute(fifo, "unix:mode", LinkOption.NOFOLLOW_LINKS);
    if (!(mode instanceof Integer m) || (m & S_IFMT) != S_IFIFO) {
      throw new BadInputException(
          flag + ": not a FIFO (mkfifo); jdino writes perf's control lines into it, never a file");
    }
    FutureTask<OutputStream> opening = new FutureTask<>(() -> Files.newOutputStream(fifo));
    Thread t = new Thread(opening, "jdino-perf-control");
    t.setDaemon(true); // left blocked in open() if nothing ever reads
    t.start();
    try {
      return new PerfControl(opening.get(timeout.toMillis(), TimeUnit.MILLISECONDS));
    } catch (TimeoutException e) {
      throw new BadInputException(
          flag
              + ": nothing reads it after "
              + (timeout.toMillis() < 1000
                  ? timeout.toMillis() + " ms"
                  : timeout.toSeconds() + " s")
              + "; start jdino under perf record --control fifo:"
              + fifo
              + " -D -1");
    } catch (ExecutionException e) {
      throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while opening " + fifo, e);
    }
  }

  /** Sampling on. */
  void enable() throws IOException {
    send("enable\n");
  }

  /** Sampling off. */
  void disable() throws IOException {
    send("disable\n");
  }

  private void send(String line) throws IOException {
    out.write(line.getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  @Override
  public void close() throws IOException {
    out.close();
  }
}
