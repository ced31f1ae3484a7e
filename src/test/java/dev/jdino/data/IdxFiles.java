package dev.jdino.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Hand-made IDX files for tests. */
final class IdxFiles {
  private IdxFiles() {}

  /** The bytes of an idx3-ubyte file: n images of h x w, pixel values given row-major. */
  static byte[] images(int n, int h, int w, byte[] pixels) {
    ByteBuffer b = ByteBuffer.allocate(16 + pixels.length);
    b.putInt(0x00000803).putInt(n).putInt(h).putInt(w).put(pixels);
    return b.array();
  }

  /** The bytes of an idx1-ubyte file. */
  static byte[] labels(byte[] labels) {
    ByteBuffer b = ByteBuffer.allocate(8 + labels.length);
    b.putInt(0x00000801).putInt(labels.length).put(labels);
    return b.array();
  }

  static byte[] gzip(byte[] raw) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (OutputStream gz = new GZIPOutputStream(bytes)) {
      gz.write(raw);
    }
    return bytes.toByteArray();
  }

  static Path write(Path file, byte[] content) throws IOException {
    Files.write(file, content);
    return file;
  }
}
