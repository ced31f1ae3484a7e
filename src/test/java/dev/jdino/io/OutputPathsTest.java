package dev.jdino.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What commands never write over, and where they may write ({@link OutputPaths}). */
class OutputPathsTest {
  @TempDir Path tmp;

  private Path file(String name, String text, String modified) throws Exception {
    Path f = tmp.resolve(name);
    Files.writeString(f, text);
    Files.setLastModifiedTime(f, FileTime.from(Instant.parse(modified)));
    return f;
  }

  @Test
  void nothingToKeepWhenTheFileDoesNotExist() throws Exception {
    assertEquals(List.of(), OutputPaths.keepPrevious(List.of(tmp.resolve("knn.json"))));
    assertEquals(List.of(), OutputPaths.keepPrevious(List.of(tmp.resolve("a"), tmp.resolve("b"))));
  }

  @Test
  void anExistingFileIsKeptUnderItsModificationTimeAndNeverOverAnother() throws Exception {
    Path f = file("knn.json", "first", "2026-12-02T17:41:40Z");
    Path kept = OutputPaths.keepPrevious(List.of(f)).get(0);
    assertEquals(tmp.resolve("knn-20261202-174140.json"), kept);
    assertEquals("first", Files.readString(kept));
    assertFalse(Files.exists(f));
    // a second result of the same second gets the next name; the first kept one is untouched
    file("knn.json", "second", "2026-12-02T17:41:40Z");
    assertEquals(
        List.of(tmp.resolve("knn-20261202-174140-2.json")), OutputPaths.keepPrevious(List.of(f)));
    assertEquals("first", Files.readString(kept));
  }

  @Test
  void filesThatBelongTogetherShareTheFirstOnesStamp() throws Exception {
    Path weights = file("linear.safetensors", "w", "2026-12-01T08:00:00Z");
    Path description = file("linear.json", "d", "2026-12-01T08:00:03Z");
    List<Path> kept = OutputPaths.keepPrevious(List.of(weights, tmp.resolve("none"), description));
    assertEquals(
        List.of(
            tmp.resolve("linear-20261201-080000.safetensors"),
            tmp.resolve("linear-20261201-080000.json")),
        kept);
    assertTrue(kept.stream().allMatch(Files::isRegularFile));
  }

  @Test
  void anEarlierOutputFolderIsKeptWholeUnderItsSummarysTime() throws Exception {
    Path out = Files.createDirectory(tmp.resolve("attention"));
    Files.createDirectory(out.resolve("0000"));
    Files.writeString(out.resolve("0000/grid.png"), "picture");
    Files.writeString(out.resolve("attention.json"), "{}");
    Files.setLastModifiedTime(
        out.resolve("attention.json"), FileTime.from(Instant.parse("2026-12-03T09:01:02Z")));
    Path kept = OutputPaths.keepPreviousOutput(out, "attention.json").orElseThrow();
    // a folder's name keeps its dots: no extension is split off
    assertEquals(tmp.resolve("attention-20261203-090102").toAbsolutePath(), kept);
    assertEquals("picture", Files.readString(kept.resolve("0000/grid.png")));
    assertFalse(Files.exists(out));
    // the same second again: the next name, the first kept folder untouched
    Files.createDirectory(out);
    Files.writeString(out.resolve("attention.json"), "{\"second\": 1}");
    Files.setLastModifiedTime(
        out.resolve("attention.json"), FileTime.from(Instant.parse("2026-12-03T09:01:02Z")));
    assertEquals(
        tmp.resolve("attention-20261203-090102-2").toAbsolutePath(),
        OutputPaths.keepPreviousOutput(out, "attention.json").orElseThrow());
    assertEquals("{}", Files.readString(kept.resolve("attention.json")));
    Path dotted = Files.createDirectory(tmp.resolve("run.v2"));
    Files.writeString(dotted.resolve("pca.json"), "{}");
    Files.setLastModifiedTime(
        dotted.resolve("pca.json"), FileTime.from(Instant.parse("2026-01-02T03:04:05Z")));
    assertEquals(
        "run.v2-20260102-030405",
        OutputPaths.keepPreviousOutput(dotted, "pca.json").orElseThrow().getFileName().toString());
  }

  @Test
  void aMissingOrEmptyFolderIsUsedAsItIs() throws Exception {
    assertTrue(OutputPaths.keepPreviousOutput(tmp.resolve("new"), "pca.json").isEmpty());
    Path empty = Files.createDirectory(tmp.resolve("empty"));
    assertTrue(OutputPaths.keepPreviousOutput(empty, "pca.json").isEmpty());
    assertTrue(Files.isDirectory(empty));
  }

  @Test
  void aFolderOfOtherFilesIsRefusedAndLeftAlone() throws Exception {
    Path mine = Files.createDirectory(tmp.resolve("holiday"));
    Files.writeString(mine.resolve("beach.png"), "mine");
    BadInputException e =
        assertThrows(
            BadInputException.class, () -> OutputPaths.requireOutputFolder(mine, "pca.json"));
    assertTrue(e.getMessage().startsWith(mine + " holds files that are not"), e.getMessage());
    assertTrue(e.getMessage().contains("pca.json"), e.getMessage());
    assertThrows(BadInputException.class, () -> OutputPaths.keepPreviousOutput(mine, "pca.json"));
    try (Stream<Path> left = Files.list(mine)) {
      assertEquals(List.of(mine.resolve("beach.png")), left.toList());
    }
    Path file = Files.writeString(tmp.resolve("pictures"), "a file");
    e =
        assertThrows(
            BadInputException.class, () -> OutputPaths.requireOutputFolder(file, "pca.json"));
    assertEquals("output folder " + file + " is a file; expected a folder", e.getMessage());
  }

  @Test
  void aPathThatCouldNeverBeWrittenIsRefusedBeforeAnyWork() throws Exception {
    Path file = Files.writeString(tmp.resolve("afile"), "mine");
    BadInputException e =
        assertThrows(
            BadInputException.class,
            () -> OutputPaths.requireCreatable(file.resolve("a/b.json"), "--json", false));
    assertEquals(
        "--json " + file.resolve("a/b.json") + ": " + file + " is a file, not a folder",
        e.getMessage());
    e =
        assertThrows(
            BadInputException.class, () -> OutputPaths.requireCreatable(tmp, "--output", false));
    assertEquals("--output " + tmp + " is a folder; expected a file name", e.getMessage());
    // a new file in a new folder under a writable one, an existing file, a missing path: fine
    OutputPaths.requireCreatable(tmp.resolve("new/deeper/x.json"), "--json", false);
    OutputPaths.requireCreatable(file, "--json", false);
    OutputPaths.requireCreatable(tmp.resolve("run"), "--output-dir", true);
    OutputPaths.requireCreatable(null, "--json", false);
    assertFalse(Files.exists(tmp.resolve("new")), "checking creates nothing");
  }
}
