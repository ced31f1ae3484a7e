package dev.jdino.bdd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jdino.io.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Downloads from a loopback server: plain, interrupted and resumed, range-less, corrupt. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpDownloaderTest {
  @TempDir Path dir;

  static byte[] payload(int n) {
    byte[] b = new byte[n];
    new SplittableRandom(5).nextBytes(b);
    return b;
  }

  static String sha256(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  /** No pauses, and a short read timeout so that a stuck test fails quickly. */
  static HttpDownloader.Options fast() {
    HttpDownloader.Options d = HttpDownloader.Options.defaults();
    return new HttpDownloader.Options(
        d.expectedSize(),
        d.sha256(),
        3,
        Duration.ofSeconds(5),
        Duration.ofSeconds(5),
        Duration.ZERO);
  }

  /** Collects the listener's lines. */
  static final class Lines implements HttpDownloader.Listener {
    final List<String> lines = new ArrayList<>();
    long last;

    @Override
    public void started(String name, long total, long from) {
      lines.add("start " + total + " from " + from);
      last = from;
    }

    @Override
    public void progress(long done) {
      assertTrue(done >= last, "progress goes forward within a transfer");
      last = done;
    }

    @Override
    public void message(String line) {
      lines.add(line);
      last = 0;
    }
  }

  @Test
  void plainDownloadIsCompleteAndHashed() throws Exception {
    byte[] data = payload(300_000);
    try (LocalServer s = new LocalServer("a.zip", data)) {
      Path target = dir.resolve("a.zip");
      HttpDownloader.Result r =
          HttpDownloader.download(
              s.uri("a.zip", true),
              target,
              fast().withSha256(sha256(data).toUpperCase()),
              new Lines());
      assertArrayEquals(data, Files.readAllBytes(target));
      assertEquals(sha256(data), r.sha256());
      assertEquals(1, r.requests());
      assertFalse(Files.exists(dir.resolve("a.zip.part")));
      // Again: nothing is fetched.
      HttpDownloader.Result again =
          HttpDownloader.download(s.uri("a.zip", false), target, fast(), new Lines());
      assertTrue(again.alreadyPresent());
      assertEquals(1, s.ranges.size());
    }
  }

  @Test
  void interruptedTransferResumesWithARangeRequest() throws Exception {
    byte[] data = payload(400_000);
    try (LocalServer s = new LocalServer("b.zip", data)) {
      s.cutFirst = 1;
      Lines l = new Lines();
      HttpDownloader.Result r =
          HttpDownloader.download(
              s.uri("b.zip", false), dir.resolve("b.zip"), fast().withSha256(sha256(data)), l);
      assertArrayEquals(data, Files.readAllBytes(dir.resolve("b.zip")));
      assertEquals(2, r.requests());
      assertNull(s.ranges.get(0));
      assertEquals("bytes=200000-", s.ranges.get(1));
      assertTrue(
          l.lines.stream().anyMatch(x -> x.contains("transfer interrupted at 200,000")),
          l.lines.toString());
      assertTrue(l.lines.contains("start 400000 from 200000"), l.lines.toString());
    }
  }

  @Test
  void partialFileFromAnEarlierRunIsContinued() throws Exception {
    byte[] data = payload(100_000);
    Files.write(dir.resolve("c.zip.part"), Arrays.copyOf(data, 30_000));
    try (LocalServer s = new LocalServer("c.zip", data)) {
      HttpDownloader.Result r =
          HttpDownloader.download(
              s.uri("c.zip", false),
              dir.resolve("c.zip"),
              fast().withSha256(sha256(data)),
              new Lines());
      assertTrue(r.resumed());
      assertEquals(List.of("bytes=30000-"), s.ranges);
      assertArrayEquals(data, Files.readAllBytes(dir.resolve("c.zip")));
    }
  }

  @Test
  void completePartialFileNeedsNoMoreBytes() throws Exception {
    byte[] data = payload(10_000);
    Files.write(dir.resolve("d.zip.part"), data);
    try (LocalServer s = new LocalServer("d.zip", data)) {
      HttpDownloader.download(s.uri("d.zip", false), dir.resolve("d.zip"), fast(), new Lines());
      assertArrayEquals(data, Files.readAllBytes(dir.resolve("d.zip")));
      assertEquals(List.of("bytes=10000-"), s.ranges); // answered 416 with the total
    }
  }

  @Test
  void serverIgnoringRangesRestartsCleanly() throws Exception {
    byte[] data = payload(100_000);
    byte[] stale = payload(50_000);
    stale[0] ^= 1; // a partial file that does not even match: must not survive
    Files.write(dir.resolve("e.zip.part"), stale);
    try (LocalServer s = new LocalServer("e.zip", data)) {
      s.ignoreRange = true;
      Lines l = new Lines();
      HttpDownloader.Result r =
          HttpDownloader.download(
              s.uri("e.zip", false), dir.resolve("e.zip"), fast().withSha256(sha256(data)), l);
      assertArrayEquals(data, Files.readAllBytes(dir.resolve("e.zip")));
      assertEquals(1, r.requests());
      assertTrue(l.lines.stream().anyMatch(x -> x.contains("does not support resuming")));
      // And an interrupted transfer from such a server starts over rather than appending.
      Files.delete(dir.resolve("e.zip"));
      s.cutFirst = s.ranges.size() + 1;
      HttpDownloader.download(
          s.uri("e.zip", false), dir.resolve("e.zip"), fast().withSha256(sha256(data)), l);
      assertArrayEquals(data, Files.readAllBytes(dir.resolve("e.zip")));
    }
  }

  @Test
  void checksumMismatchDeletesTheDownload() throws Exception {
    byte[] data = payload(20_000);
    try (LocalServer s = new LocalServer("f.zip", data)) {
      String wrong = sha256(payload(5));
      BadInputException e =
          assertThrows(
              BadInputException.class,
              () ->
                  HttpDownloader.download(
                      s.uri("f.zip", false),
                      dir.resolve("f.zip"),
                      fast().withSha256(wrong),
                      new Lines()));
      assertTrue(
          e.getMessage().contains("SHA-256 mismatch: expected " + wrong + ", got " + sha256(data)),
          e.getMessage());
      assertFalse(Files.exists(dir.resolve("f.zip")));
      assertFalse(Files.exists(dir.resolve("f.zip.part")));
      e =
          assertThrows(
              BadInputException.class,
              () ->
                  HttpDownloader.download(
                      s.uri("f.zip", false),
                      dir.resolve("f.zip"),
                      fast().withExpectedSize(5),
                      new Lines()));
      assertTrue(e.getMessage().contains("expected 5"), e.getMessage());
    }
  }

  @Test
  void missingFileAndDeadServerAreClearErrors() throws Exception {
    byte[] data = payload(1000);
    java.net.URI uri;
    try (LocalServer s = new LocalServer("g.zip", data)) {
      s.status = 404;
      BadInputException e =
          assertThrows(
              BadInputException.class,
              () ->
                  HttpDownloader.download(
                      s.uri("g.zip", false), dir.resolve("g.zip"), fast(), new Lines()));
      assertTrue(e.getMessage().contains("HTTP 404"), e.getMessage());
      uri = s.uri("g.zip", false);
    }
    IOException e =
        assertThrows(
            IOException.class,
            () ->
                HttpDownloader.download(
                    uri, dir.resolve("g.zip"), fast().withRetries(1, Duration.ZERO), new Lines()));
    assertTrue(e.getMessage().contains("download failed after 2 attempts"), e.getMessage());
  }

  @Test
  void contentRangeIsParsed() throws Exception {
    assertEquals(
        new HttpDownloader.ContentRange(5, 9, 10),
        HttpDownloader.ContentRange.parse("bytes 5-9/10"));
    assertEquals(
        new HttpDownloader.ContentRange(-1, -1, 10),
        HttpDownloader.ContentRange.parse("bytes */10"));
    assertEquals(-1, HttpDownloader.ContentRange.parse("bytes 0-9/*").total());
    assertThrows(IOException.class, () -> HttpDownloader.ContentRange.parse("items 1-2/3"));
  }
}
