package dev.jdino.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
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

  /** Linux's /dev/full fails every write with ENOSPC, as a full disk does. */
  @Test
  void aFullDiskNamesTheLog() throws Exception {
    Path full = Path.of("/dev/full");
    assumeTrue(Files.exists(full), "no /dev/full");
    try (MetricsLog log = new MetricsLog(full)) {
      UncheckedIOException e =
          assertThrows(UncheckedIOException.class, () -> log.write(Map.of("type", "step")));
      FileSystemException f = assertInstanceOf(FileSystemException.class, e.getCause());
      assertEquals("/dev/full", f.getFile());
      assertEquals("cannot be appended to: No space left on device", f.getReason());
    } catch (IOException closing) {
      // closing flushes nothing new; a second failure here is not what is tested
    }
  }
}
