package dev.jdino.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The watchdog in process, with a recorder in place of the halt. */
class WatchdogTest {
  @Test
  void firesOnceWithTheOperationWhenACallOverruns() throws Exception {
    List<String> fired = new CopyOnWriteArrayList<>();
    CountDownLatch latch = new CountDownLatch(1);
    try (Watchdog w =
        new Watchdog(
            Duration.ofMillis(50),
            m -> {
              fired.add(m);
              latch.countDown();
            })) {
      try (Watchdog.Watch watch = w.arm("rank 1 of 2 (h): MPI_Barrier")) {
        assertTrue(latch.await(10, TimeUnit.SECONDS), "watchdog did not fire");
      }
      Thread.sleep(150);
    }
    assertEquals(
        List.of(
            "rank 1 of 2 (h): MPI_Barrier did not complete within 0.050 s (another"
                + " rank has probably died or stopped: see its output)"),
        fired);
  }

  @Test
  void callsThatReturnInTimeNeverFire() throws Exception {
    List<String> fired = new CopyOnWriteArrayList<>();
    try (Watchdog w = new Watchdog(Duration.ofMillis(200), fired::add)) {
      for (int i = 0; i < 50; i++) {
        try (Watchdog.Watch watch = w.arm("call " + i)) {
          Thread.sleep(1);
        }
      }
      Thread.sleep(400);
    }
    assertEquals(List.of(), fired);
  }

  @Test
  void zeroDisablesIt() throws Exception {
    List<String> fired = new CopyOnWriteArrayList<>();
    try (Watchdog w = new Watchdog(Duration.ZERO, fired::add)) {
      try (Watchdog.Watch watch = w.arm("forever")) {
        Thread.sleep(100);
      }
    }
    assertEquals(List.of(), fired);
  }
}
