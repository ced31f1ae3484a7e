package dev.jdino.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jdino.io.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The perf control FIFO of {@code bench train --perf-control}. */
class PerfControlTest {
  /** A FIFO at {@code p}, made by mkfifo(1) (Java has no call for it). */
  static Path mkfifo(Path p) throws IOException, InterruptedException {
    Process mk = new ProcessBuilder("mkfifo", p.toString()).inheritIO().start();
    assertEquals(0, mk.waitFor(), "mkfifo " + p);
    return p;
  }

  /** Runs {@code task} on a daemon thread: a reader whose writer never came must not block exit. */
  static void startDaemon(Runnable task) {
    Thread t = new Thread(task, "fifo-reader");
    t.setDaemon(true);
    t.start();
  }

  @Test
  void writesPerfsControlLinesInOrder(@TempDir Path tmp) throws Exception {
    Path fifo = mkfifo(tmp.resolve("ctl"));
    FutureTask<List<String>> reader = new FutureTask<>(() -> Files.readAllLines(fifo));
    startDaemon(reader);
    try (PerfControl c = PerfControl.open(fifo, Duration.ofSeconds(10))) {
      c.enable();
      c.disable();
      c.enable();
    }
    assertEquals(List.of("enable", "disable", "enable"), reader.get(10, TimeUnit.SECONDS));
  }

  @Test
  void refusesWhatIsNotAFifoAndAFifoNobodyReads(@TempDir Path tmp) throws Exception {
    BadInputException missing =
        assertThrows(
            BadInputException.class,
            () -> PerfControl.open(tmp.resolve("none"), Duration.ofSeconds(1)));
    assertTrue(missing.getMessage().contains("none: no such FIFO"), missing.getMessage());

    Path file = Files.writeString(tmp.resolve("notes.txt"), "the user's own");
    BadInputException notFifo =
        assertThrows(BadInputException.class, () -> PerfControl.open(file, Duration.ofSeconds(1)));
    assertTrue(notFifo.getMessage().contains("notes.txt: not a FIFO"), notFifo.getMessage());
    assertEquals("the user's own", Files.readString(file)); // never written to

    Path lonely = mkfifo(tmp.resolve("lonely"));
    long t0 = System.nanoTime();
    BadInputException unread =
        assertThrows(
            BadInputException.class, () -> PerfControl.open(lonely, Duration.ofMillis(300)));
    assertTrue(unread.getMessage().contains("nothing reads it"), unread.getMessage());
    assertTrue(System.nanoTime() - t0 < 5_000_000_000L, "waited past its timeout");
  }
}
