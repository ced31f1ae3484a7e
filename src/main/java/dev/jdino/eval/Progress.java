package dev.jdino.eval;

/**
 * Progress of a long evaluation task (feature extraction, probe epochs), reported to whoever shows
 * it (the command line draws a bar, or plain lines in logs).
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
}
