package dev.jdino.train;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The one way to stop a run early: a request (Ctrl-C, a step limit, a caller) that the loop sees
 * after the current step, and the run's end, which the requester can wait for (the checkpoint at
 * the stopping step is written by then).
 */
public final class StopSignal {
  private volatile String reason;
  private final CountDownLatch ended = new CountDownLatch(1);

  /** Asks the run to stop after its current step. */
  public void request(String why) {
    if (reason == null) {
      reason = why;
    }
  }

  public boolean requested() {
    return reason != null;
  }

  /** Why the run was asked to stop, or null. */
  public String reason() {
    return reason;
  }

  /** Called by the run (or whatever the signal stops) when it has ended, however it ended. */
  public void ended() {
    ended.countDown();
  }

  /** Requests a stop and waits (at most {@code millis}) for the run to save and end. */
  public void requestAndWait(String why, long millis) {
    request(why);
    try {
      ended.await(millis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
