package dev.jdino.bdd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jdino.io.BadInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Extraction that cannot write outside its folder. */
class SafeUnzipTest {
  @TempDir Path dir;

  private Path zip(String name, Map<String, byte[]> entries) throws Exception {
    return Files.write(dir.resolve(name), Zips.of(entries));
  }

  private long filesUnder(Path p) throws Exception {
    if (!Files.exists(p)) {
      return 0;
    }
    try (Stream<Path> s = Files.walk(p)) {
      return s.filter(Files::isRegularFile).count();
    }
  }

  @Test
  void normalArchiveIsExtracted() throws Exception {
    Map<String, byte[]> e = new LinkedHashMap<>();
    e.put("100k/", new byte[0]);
    e.put("100k/train/", new byte[0]);
    e.put("100k/train/a.json", Zips.text("{\"name\": \"a\"}"));
    e.put("100k/val/b.jpg", new byte[] {1, 2, 3});
    Path out = dir.resolve("out");
    long[] progress = {0};
    SafeUnzip.Result r = SafeUnzip.extract(zip("ok.zip", e), out, n -> progress[0] = n);
    assertEquals(2, r.files());
    assertEquals(progress[0], r.bytes());
    assertEquals("{\"name\": \"a\"}", Files.readString(out.resolve("100k/train/a.json")));
    assertEquals(3, Files.size(out.resolve("100k/val/b.jpg")));
    try (Stream<Path> s = Files.walk(out)) {
      assertTrue(s.noneMatch(p -> p.getFileName().toString().endsWith(".jdino-extract")));
    }
    // Extracting again replaces the files.
    SafeUnzip.extract(dir.resolve("ok.zip"), out, null);
    assertEquals(2, filesUnder(out));
  }

  @Test
  void maliciousEntriesAreRefusedBeforeAnythingIsWritten() throws Exception {
    String[][] cases = {
      {"../evil.txt", "climbs out of the target folder with .."},
      {"a/../../evil.txt", "climbs out"},
      {"a\\..\\..\\evil.txt", "climbs out"},
      {"/tmp/evil.txt", "is an absolute path"},
      {"\\evil.txt", "is an absolute path"},
      {"C:evil.txt", "is an absolute path"},
    };
    for (String[] c : cases) {
      Map<String, byte[]> e = new LinkedHashMap<>();
      e.put("fine.txt", Zips.text("harmless, but listed first"));
      e.put(c[0], Zips.text("gotcha"));
      Path out = dir.resolve("out-" + Math.abs(c[0].hashCode()));
      BadInputException ex =
          assertThrows(
              BadInputException.class,
              () -> SafeUnzip.extract(zip("evil.zip", e), out, null),
              c[0]);
      assertTrue(ex.getMessage().contains("entry \"" + c[0] + "\" " + c[1]), ex.getMessage());
      assertEquals(0, filesUnder(out), "nothing extracted for " + c[0]);
    }
    assertFalse(Files.exists(dir.resolve("evil.txt")));
  }

  @Test
  void symbolicLinkEntriesAreRefused() throws Exception {
    Map<String, byte[]> e = new LinkedHashMap<>();
    e.put("data/ok.txt", Zips.text("ok"));
    e.put("data/link", Zips.text("/etc"));
    e.put("data/link/passwd", Zips.text("gotcha"));
    Path z = Files.write(dir.resolve("link.zip"), Zips.markSymlink(Zips.of(e), "data/link"));
    Path out = dir.resolve("out");
    BadInputException ex =
        assertThrows(BadInputException.class, () -> SafeUnzip.extract(z, out, null));
    assertTrue(ex.getMessage().contains("entry \"data/link\" is a symbolic link"), ex.getMessage());
    assertEquals(0, filesUnder(out));
  }

  @Test
  void existingLinkInTheTargetIsNotFollowedOutside() throws Exception {
    Path out = Files.createDirectories(dir.resolve("out"));
    Path outside = Files.createDirectories(dir.resolve("outside"));
    Files.createSymbolicLink(out.resolve("sneaky"), outside);
    Map<String, byte[]> e = new LinkedHashMap<>();
    e.put("sneaky/x.txt", Zips.text("gotcha"));
    BadInputException ex =
        assertThrows(
            BadInputException.class, () -> SafeUnzip.extract(zip("through.zip", e), out, null));
    assertTrue(ex.getMessage().contains("link that leaves the target folder"), ex.getMessage());
    assertEquals(0, filesUnder(outside));
  }

  @Test
  void notAZipIsBadInput() throws Exception {
    Path z = Files.writeString(dir.resolve("text.zip"), "no zip here");
    BadInputException ex =
        assertThrows(BadInputException.class, () -> SafeUnzip.extract(z, dir.resolve("out"), null));
    assertTrue(ex.getMessage().contains("cannot read the archive"), ex.getMessage());
  }
}
