package dev.jdino.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the benchmarks report about this process itself, read from Linux's {@code /proc}. */
final class ProcessStats {
  private ProcessStats() {}

  /** Minor page faults of this process so far (all threads); -1 where /proc is unavailable. */
  static long minorPageFaults() {
    try {
      String stat = Files.readString(Path.of("/proc/self/stat"));
      // Fields after the command name, which is in parentheses and may hold spaces: state is
      // field 3, minflt field 10.
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(f[10 - 3]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** Peak resident set size of this process (VmHWM), in GiB; NaN where /proc is unavailable. */
  static double peakRssGiB() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) / (1024.0 * 1024.0);
        }
      }
    } catch (IOException | NumberFormatException e) {
      // fall through
    }
    return Double.NaN;
  }
}
