package dev.jdino.bdd;

import dev.jdino.io.BadInputException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URL;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Downloads one large file over HTTP(S) so that nothing is lost to a dropped connection: bytes go
 * to {@code <target>.part}, an interrupted transfer continues from where it stopped with an HTTP
 * {@code Range} request, and only a complete, verified file is renamed to {@code target}. A server
 * that ignores ranges (answers 200 to a range request) is handled by starting over cleanly.
 *
 * <p>Checks: the length announced by the server ({@code Content-Length} or the total of {@code
 * Content-Range}) must be reached exactly; an expected size and a SHA-256, when known, must match.
 * A checksum mismatch deletes the partial file (resuming it could never succeed) and is a {@link
 * BadInputException}. The SHA-256 of every completed download is returned, so it can be pinned.
 *
 * <p>{@link HttpURLConnection} rather than {@code java.net.http.HttpClient} because it has a read
 * timeout: a connection that stalls without closing must turn into a retry, not a hang.
 */
public final class HttpDownloader {

  /**
   * What to check and how hard to try.
   *
   * @param expectedSize bytes the file must have, or -1 if unknown
   * @param sha256 expected SHA-256 (hex), or null if unknown
   * @param retries further attempts after a failed or interrupted one
   * @param retryDelay pause before a retry (grows linearly with the attempt)
   */
  public record Options(
      long expectedSize,
      String sha256,
      int retries,
      Duration connectTimeout,
      Duration readTimeout,
      Duration retryDelay) {
    /** No expected size or checksum, 5 retries, 30 s connect and 60 s read timeouts. */
    public static Options defaults() {
      return new Options(
          -1, null, 5, Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofSeconds(2));
    }

    public Options withSha256(String hex) {
      return new Options(expectedSize, hex, retries, connectTimeout, readTimeout, retryDelay);
    }

    public Options withRetries(int n, Duration delay) {
      return new Options(expectedSize, sha256, n, connectTimeout, readTimeout, delay);
    }

    public Options withExpectedSize(long bytes) {
      return new Options(bytes, sha256, retries, connectTimeout, readTimeout, retryDelay);
    }
  }

  /**
   * The outcome of a download.
   *
   * @param requests HTTP requests made (1 for an uninterrupted download)
   * @param resumed true if some bytes were kept from an interrupted transfer (this run's or an
   *     earlier one's)
   * @param alreadyPresent true if the target existed and nothing was downloaded
   */
  public record Result(
      Path file,
      long bytes,
      String sha256,
      int requests,
      boolean resumed,
      boolean alreadyPresent) {}

  /** Progress reports; the command line draws a bar or prints lines. */
  public interface Listener {
    /** A transfer starts; {@code total} may be -1 (unknown), {@code from} > 0 when resuming. */
    void started(String name, long total, long from);

    /** {@code done} bytes of the file are on disk. */
    void progress(long done);

    /** Something worth a line: a retry, a restart. */
    void message(String line);

    /** Listener that ignores everything. */
    Listener SILENT =
        new Listener() {
          @Override
          public void started(String name, long total, long from) {}

          @Override
          public void progress(long done) {}

          @Override
          public void message(String line) {}
        };
  }

  private static final int MAX_REDIRECTS = 5;
  private static final int BUFFER = 1 << 16;

  private HttpDownloader() {}

  /**
   * Downloads {@code uri} to {@code target} (see the class comment).
   *
   * @throws BadInputException for a refused request (HTTP 4xx), a size or checksum mismatch
   * @throws IOException when the transfer still fails after the retries
   */
  public static Result download(URI uri, Path target, Options o, Listener listener)
      throws IOException {
    String name = target.getFileName().toString();
    if (Files.isRegularFile(target)) {
      return alreadyPresent(target, o, listener);
    }
    Path part = target.resolveSibling(name + ".part");
    Files.createDirectories(target.toAbsolutePath().getParent());
    MessageDigest md = sha256();
    long have = Files.isRegularFile(part) ? hashInto(md, part) : 0;
    boolean resumed = have > 0;
    IOException lastError = null;
    int requests = 0;
    boolean complete = false;
    for (int attempt = 0; attempt <= o.retries() && !complete; attempt++) {
      if (attempt > 0) {
        pause(o.retryDelay().multipliedBy(attempt));
      }
      HttpURLConnection c = null;
      try {
        requests++;
        c = connect(uri, have, o);
        int code = c.getResponseCode();
        long total;
        if (code == 416 && have > 0) {
          // Nothing past our end: either we already have it all, or the file changed.
          long t = ContentRange.parse(c.getHeaderField("Content-Range")).total();
          if (t == have) {
            complete = true;
            break;
          }
          listener.message(
              name + ": the server's file differs from the partial download;" + " starting over");
          have = restart(part, md);
          resumed = false;
          attempt--; // a clean restart is not a failure
          continue;
        } else if (code == 206) {
          ContentRange r = ContentRange.parse(c.getHeaderField("Content-Range"));
          if (r.start() != have) {
            listener.message(
                name
                    + ": the server resumed at byte "
                    + r.start()
                    + " instead of "
                    + have
                    + "; starting over");
            have = restart(part, md);
            resumed = false;
            attempt--;
            continue;
          }
          total = r.total();
          resumed |= have > 0;
        } else if (code == 200) {
          if (have > 0) {
            listener.message(
                name
                    + ": the server does not support resuming (HTTP 200 to a range"
                    + " request); downloading from the start");
            have = restart(part, md);
            resumed = false;
          }
          total = c.getContentLengthLong();
        } else if (code >= 500 || code == 429 || code == 408) {
          lastError = new IOException(uri + ": HTTP " + code + " " + c.getResponseMessage());
          listener.message(name + ": " + lastError.getMessage() + "; retrying");
          continue;
        } else {
          throw new BadInputException(
              uri + ": HTTP " + code + " " + c.getResponseMessage() + "; check the URL");
        }
        if (o.expectedSize() >= 0 && total >= 0 && total != o.expectedSize()) {
          throw new BadInputException(
              String.format(
                  Locale.ROOT,
                  "%s: the server offers %,d bytes," + " expected %,d; wrong URL or a changed file",
                  uri,
                  total,
                  o.expectedSize()));
        }
        if (total > have) {
          long free = Files.getFileStore(part.toAbsolutePath().getParent()).getUsableSpace();
          if (free < total - have) {
            throw new BadInputException(
                String.format(
                    Locale.ROOT,
                    "%s needs %,d more bytes but" + " %s has %,d free",
                    name,
                    total - have,
                    part.toAbsolutePath().getParent(),
                    free));
          }
        }
        listener.started(name, total, have);
        have = copy(c, part, have, md, listener);
        if (total >= 0 && have < total) {
          throw new IOException(
              String.format(Locale.ROOT, "connection closed after %,d of %,d bytes", have, total));
        }
        if (total >= 0 && have > total) {
          listener.message(name + ": received more bytes than announced; starting over");
          have = restart(part, md);
          resumed = false;
          continue;
        }
        complete = true;
      } catch (IOException e) {
        lastError = e;
        if (attempt < o.retries()) {
          listener.message(
              String.format(
                  Locale.ROOT,
                  "%s: transfer interrupted at %,d bytes (%s);" + " resuming, attempt %d of %d",
                  name,
                  have,
                  e.getMessage(),
                  attempt + 2,
                  o.retries() + 1));
        }
      } finally {
        if (c != null) {
          c.disconnect();
        }
      }
    }
    if (!complete) {
      throw new IOException(
          String.format(
              Locale.ROOT,
              "%s: download failed after %d attempts"
                  + " (%,d bytes kept in %s; run again to resume): %s",
              uri,
              o.retries() + 1,
              have,
              part,
              lastError == null ? "unknown error" : lastError.getMessage()),
          lastError);
    }
    String hex = HexFormat.of().formatHex(md.digest());
    verify(uri, part, have, hex, o);
    moveInto(part, target);
    return new Result(target, have, hex, requests, resumed, false);
  }

  private static Result alreadyPresent(Path target, Options o, Listener listener)
      throws IOException {
    MessageDigest md = sha256();
    long size = hashInto(md, target);
    String hex = HexFormat.of().formatHex(md.digest());
    if (o.sha256() != null && !o.sha256().equalsIgnoreCase(hex)) {
      throw new BadInputException(
          target
              + " exists but its SHA-256 is "
              + hex
              + ", not "
              + o.sha256()
              + "; delete it to download again");
    }
    listener.message(target.getFileName() + ": already downloaded");
    return new Result(target, size, hex, 0, false, true);
  }

  private static void verify(URI uri, Path part, long have, String hex, Options o)
      throws IOException {
    if (o.expectedSize() >= 0 && have != o.expectedSize()) {
      Files.deleteIfExists(part);
      throw new BadInputException(
          String.format(
              Locale.ROOT,
              "%s: downloaded %,d bytes, expected" + " %,d; the partial file was deleted",
              uri,
              have,
              o.expectedSize()));
    }
    if (o.sha256() != null && !o.sha256().equalsIgnoreCase(hex)) {
      Files.deleteIfExists(part);
      throw new BadInputException(
          uri
              + ": SHA-256 mismatch: expected "
              + o.sha256().toLowerCase(Locale.ROOT)
              + ", got "
              + hex
              + "; the download was deleted (a corrupt transfer or a"
              + " changed file)");
    }
  }

  private static HttpURLConnection connect(URI uri, long from, Options o) throws IOException {
    URL url = uri.toURL();
    for (int hop = 0; ; hop++) {
      HttpURLConnection c = (HttpURLConnection) url.openConnection();
      c.setInstanceFollowRedirects(false); // followed here, so http -> https works too
      c.setConnectTimeout((int) o.connectTimeout().toMillis());
      c.setReadTimeout((int) o.readTimeout().toMillis());
      c.setRequestProperty("User-Agent", "jdino");
      c.setRequestProperty("Accept-Encoding", "identity"); // byte offsets must be file offsets
      if (from > 0) {
        c.setRequestProperty("Range", "bytes=" + from + "-");
      }
      int code = c.getResponseCode();
      if (code < 300 || code >= 400 || code == 304) {
        return c;
      }
      String location = c.getHeaderField("Location");
      c.disconnect();
      if (location == null || hop >= MAX_REDIRECTS) {
        throw new IOException(uri + ": HTTP " + code + " redirect without usable Location");
      }
      try {
        url = url.toURI().resolve(location).toURL();
      } catch (java.net.URISyntaxException | IllegalArgumentException e) {
        throw new IOException(uri + ": HTTP " + code + " redirect to an invalid URL: " + location);
      }
    }
  }

  private static long copy(
      HttpURLConnection c, Path part, long have, MessageDigest md, Listener listener)
      throws IOException {
    try (InputStream in = c.getInputStream();
        FileChannel ch =
            FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        OutputStream out = Channels.newOutputStream(ch.truncate(have).position(have))) {
      byte[] buf = new byte[BUFFER];
      int n;
      while ((n = in.read(buf)) >= 0) {
        out.write(buf, 0, n);
        md.update(buf, 0, n);
        have += n;
        listener.progress(have);
      }
      return have;
    } catch (IOException e) {
      // Whatever reached the file stays: the next attempt resumes after it.
      throw new IOException(e.getMessage() != null ? e.getMessage() : e.toString(), e);
    } finally {
      // Keep the digest in step with the file: count only bytes that are really on disk.
      long onDisk = Files.isRegularFile(part) ? Files.size(part) : 0;
      if (onDisk != have) {
        md.reset();
        hashInto(md, part);
      }
    }
  }

  private static long restart(Path part, MessageDigest md) throws IOException {
    Files.deleteIfExists(part);
    md.reset();
    return 0;
  }

  private static long hashInto(MessageDigest md, Path file) throws IOException {
    long n = 0;
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buf = new byte[1 << 20];
      int r;
      while ((r = in.read(buf)) >= 0) {
        md.update(buf, 0, r);
        n += r;
      }
    }
    return n;
  }

  private static void moveInto(Path part, Path target) throws IOException {
    try {
      Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(part, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  private static void pause(Duration d) throws IOException {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  /** {@code Content-Range: bytes start-end/total} (total may be {@code *}: -1). */
  record ContentRange(long start, long end, long total) {
    static ContentRange parse(String header) throws IOException {
      if (header == null || !header.trim().toLowerCase(Locale.ROOT).startsWith("bytes")) {
        throw new IOException("missing or malformed Content-Range: " + header);
      }
      String v = header.trim().substring(5).trim();
      int slash = v.indexOf('/');
      if (slash < 0) {
        throw new IOException("malformed Content-Range: " + header);
      }
      try {
        String range = v.substring(0, slash).trim();
        String totalText = v.substring(slash + 1).trim();
        long total = totalText.equals("*") ? -1 : Long.parseLong(totalText);
        if (range.equals("*")) {
          return new ContentRange(-1, -1, total);
        }
        int dash = range.indexOf('-');
        return new ContentRange(
            Long.parseLong(range.substring(0, dash).trim()),
            Long.parseLong(range.substring(dash + 1).trim()),
            total);
      } catch (RuntimeException e) {
        throw new IOException("malformed Content-Range: " + header, e);
      }
    }
  }
}
