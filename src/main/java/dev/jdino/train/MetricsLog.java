package dev.jdino.train;

import dev.jdino.io.Json;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * {@code metrics.jsonl}: one JSON object per line, appended and flushed as training goes, so it can
 * be tailed or plotted while the run is alive. A resumed run appends a {@code resume} event;
 * readers take the last record for a given step.
 */
public final class MetricsLog implements AutoCloseable {
  public static final String FILE = "metrics.jsonl";
  private final BufferedWriter out;
  private final Path file;

  public MetricsLog(Path file) throws IOException {
    this.file = file;
    boolean cut = endsInsideALine(file);
    this.out =
        Files.newBufferedWriter(
            file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    if (cut) {
      // A run killed mid-write left half a record: end its line, so the records after it (the
      // resume first) stay whole lines; readers skip the broken one.
      out.write('\n');
      out.flush();
    }
  }

  private static boolean endsInsideALine(Path file) throws IOException {
    if (!Files.isRegularFile(file) || Files.size(file) == 0) {
      return false;
    }
    try (SeekableByteChannel c = Files.newByteChannel(file, StandardOpenOption.READ)) {
      ByteBuffer last = ByteBuffer.allocate(1);
      c.position(c.size() - 1).read(last);
      return last.get(0) != '\n';
    }
  }

  private MetricsLog() {
    this.out = null;
    this.file = null;
  }

  /** A log that writes nothing: the ranks other than 0 of a data-parallel run. */
  public static MetricsLog discarding() {
    return new MetricsLog();
  }

  public void write(Object record) {
    if (out == null) {
      return;
    }
    try {
      out.write(Json.compact(record));
      out.write('\n');
      out.flush();
    } catch (IOException e) {
      // The stream's message ("No space left on device") names no file: name it, since the
      // command line reports the cause.
      FileSystemException named =
          new FileSystemException(
              file.toString(),
              null,
              "cannot be appended to: "
                  + (e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName()));
      named.initCause(e);
      throw new UncheckedIOException(named);
    }
  }

  @Override
  public void close() throws IOException {
    if (out != null) {
      out.close();
    }
  }
}
