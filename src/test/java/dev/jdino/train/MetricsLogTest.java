package dev.jdino.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code metrics.jsonl} stays one record per line across runs that were killed mid-write. */
class MetricsLogTest {
  @Test
  void aHalfWrittenLastRecordDoesNotSwallowTheNextOne(@TempDir Path dir) throws Exception {
    Path file = dir.resolve(MetricsLog.FILE);
    Files.writeString(file, "{\"type\":\"step\",\"step\":1}\n{\"type\":\"step\",\"st");
    try (MetricsLog log = new MetricsLog(file)) {
      log.write(Map.of("type", "resume"));
    }
    assertEquals(
        List.of(
            "{\"type\":\"step\",\"step\":1}", "{\"type\":\"step\",\"st", "{\"type\":\"resume\"}"),
        Files.readAllLines(file, StandardCharsets.UTF_8));
  }

  @Test
  void wholeLinesAndNewFilesAreAppendedToAsTheyAre(@TempDir Path dir) throws Exception {
    Path file = dir.resolve(MetricsLog.FILE);
    try (MetricsLog log = new MetricsLog(file)) {
      log.write(Map.of("type", "start"));
    }
    try (MetricsLog log = new MetricsLog(file)) {
      log.write(Map.of("type", "resume"));
    }
    assertEquals(
        "{\"type\":\"start\"}\n{\"type\":\"resume\"}\n",
        Files.readString(file, StandardCharsets.UTF_8));
  }
}
