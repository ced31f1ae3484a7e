package dev.jdino.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code jdino bench train} on the bundled sample (what it reports, not how fast it is). */
class BenchTrainCommandTest {
  @Test
  void reportsThroughputArithmeticMemoryAndSettings() throws Exception {
    TrainCommandTest.Result r =
        TrainCommandTest.jdino(
            "bench", "train", "--data", "fmnist-sample", "--steps", "2", "--warmup", "1");
    assertEquals(0, r.code(), r.err() + r.out());
    String out = r.out();
    assertTrue(out.contains("2 measured steps after 1 warm-up"), out);
    assertTrue(out.contains("source images/s"), out);
    assertTrue(out.contains("step split: data wait"), out);
    // The formula's figure for fmnist-small, as BENCHMARKS.md quotes it.
    assertTrue(out.contains("model arithmetic: 0.967 GFLOP per source image"), out);
    Matcher m = Pattern.compile("achieved: ([0-9.]+) GFLOP/s = ([0-9]+)% of").matcher(out);
    assertTrue(m.find(), out);
    assertTrue(Double.parseDouble(m.group(1)) > 0, out);
    assertTrue(out.contains("peak resident memory: "), out);
    assertTrue(out.matches("(?s).*minor page faults: [0-9]+ per measured step.*"), out);
    assertTrue(out.contains("settings: MKL override "), out);
  }

  @Test
  void profileShapesWithoutATraceIsRefused() throws Exception {
    TrainCommandTest.Result r =
        TrainCommandTest.jdino(
            "bench", "train", "--data", "fmnist-sample", "--steps", "2", "--profile-shapes");
    assertEquals(2, r.code(), r.err() + r.out());
    assertTrue(r.err().contains("--profile-shapes records into the --profile trace"), r.err());
  }

  @Test
  void minorPageFaultsCountFreshPages() {
    long before = ProcessStats.minorPageFaults();
    assertTrue(before > 0, "no /proc/self/stat?");
    int pages = 16 * 1024; // 64 MiB, above malloc's mmap threshold: fresh pages from the kernel
    ByteBuffer b = ByteBuffer.allocateDirect(pages * 4096);
    for (int i = 0; i < pages; i++) {
      b.put(i * 4096, (byte) 1);
    }
    long after = ProcessStats.minorPageFaults();
    // Transparent huge pages can back the buffer with fewer faults; each 2 MiB page is one.
    assertTrue(after - before >= pages / 512, (after - before) + " faults for " + pages + " pages");
  }
}
