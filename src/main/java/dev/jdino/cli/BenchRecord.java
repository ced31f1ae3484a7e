package dev.jdino.cli;

import dev.jdino.io.AtomicFiles;
import dev.jdino.io.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The JSON a benchmark writes with {@code --json}: what it printed, under a header that names the
 * command, jdino's version, the time and the machine (BENCHMARKS.md states the machine with every
 * figure).
 */
final class BenchRecord {
  private BenchRecord() {}

  /** A record that starts with the header; the benchmark adds its figures in print order. */
  static Map<String, Object> start(String command) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("command", command);
    r.put("version", Version.string());
    r.put("date", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    r.put("machine", ProcessStats.machine());
    return r;
  }

  /** Writes {@code record} to {@code file} (null: nothing), keeping an earlier file beside it. */
  static void write(PrintWriter out, Path file, Map<String, Object> record) throws IOException {
    if (file == null) {
      return;
    }
    Reports.keepPrevious(out, file);
    AtomicFiles.writeString(file, Json.pretty(record) + "\n");
    out.println("wrote " + file);
  }
}
