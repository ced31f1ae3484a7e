package dev.jdino.cli;

import dev.jdino.engine.CpuInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

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

  /** The instruction-set flags that decide jdino's speed and default arithmetic. */
  private static final List<String> FLAGS =
      List.of("avx2", "fma", "avx512f", "avx512_bf16", "amx_bf16", "amx_tile");

  /**
   * The processor as benchmark records name it (BENCHMARKS.md states the machine with every
   * figure): {@code /proc/cpuinfo}'s first model name, family and model, the cores this JVM sees,
   * and which of {@link #FLAGS} it has. Fields that cannot be read are left out.
   */
  static Map<String, Object> machine(String cpuinfo) {
    Map<String, Object> m = new LinkedHashMap<>();
    CpuInfo.field(cpuinfo, "model name").ifPresent(v -> m.put("model_name", v));
    for (String key : new String[] {"cpu family", "model"}) {
      CpuInfo.field(cpuinfo, key)
          .ifPresent(
              v ->
                  m.put(
                      key.equals("model") ? "model" : "family",
                      v.matches("\\d+") ? Integer.valueOf(v) : v));
    }
    m.put("cores", Runtime.getRuntime().availableProcessors());
    Set<String> have = CpuInfo.flags(cpuinfo);
    if (have != null) {
      m.put("flags", FLAGS.stream().filter(have::contains).toList());
    }
    return m;
  }

  /** {@link #machine(String)} of this machine; empty but for the cores where /proc is absent. */
  static Map<String, Object> machine() {
    try {
      return machine(CpuInfo.read());
    } catch (IOException e) {
      return machine("");
    }
  }
}
