package dev.jdino.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
  @TempDir Path tmp;

  private Path file(String name, String text, String modified) throws Exception {
    Path f = tmp.resolve(name);
    Files.writeString(f, text);
    Files.setLastModifiedTime(f, FileTime.from(Instant.parse(modified)));
    return f;
  }

  @Test
  void nothingToKeepWhenTheFileDoesNotExist() throws Exception {
    assertEquals(List.of(), AtomicFiles.keepPrevious(List.of(tmp.resolve("knn.json"))));
    assertEquals(List.of(), AtomicFiles.keepPrevious(List.of(tmp.resolve("a"), tmp.resolve("b"))));
  }

  @Test
  void anExistingFileIsKeptUnderItsModificationTimeAndNeverOverAnother() throws Exception {
    Path f = file("knn.json", "first", "2026-12-02T17:41:40Z");
    Path kept = AtomicFiles.keepPrevious(List.of(f)).get(0);
    assertEquals(tmp.resolve("knn-20261202-174140.json"), kept);
    assertEquals("first", Files.readString(kept));
    assertFalse(Files.exists(f));
    // a second result of the same second gets the next name; the first kept one is untouched
    file("knn.json", "second", "2026-12-02T17:41:40Z");
    assertEquals(
        List.of(tmp.resolve("knn-20261202-174140-2.json")), AtomicFiles.keepPrevious(List.of(f)));
    assertEquals("first", Files.readString(kept));
  }

  @Test
  void filesThatBelongTogetherShareTheFirstOnesStamp() throws Exception {
    Path weights = file("linear.safetensors", "w", "2026-12-01T08:00:00Z");
    Path description = file("linear.json", "d", "2026-12-01T08:00:03Z");
    List<Path> kept = AtomicFiles.keepPrevious(List.of(weights, tmp.resolve("none"), description));
    assertEquals(
        List.of(
            tmp.resolve("linear-20261201-080000.safetensors"),
            tmp.resolve("linear-20261201-080000.json")),
        kept);
    assertTrue(kept.stream().allMatch(Files::isRegularFile));
  }
}
