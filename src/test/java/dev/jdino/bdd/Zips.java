package dev.jdino.bdd;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Small zip archives for tests, including ones no honest tool would write. */
public final class Zips {
  private Zips() {}

  /** A zip of the given entries in order; a name ending in "/" is a folder. */
  public static byte[] of(Map<String, byte[]> entries) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
      for (var e : entries.entrySet()) {
        zip.putNextEntry(new ZipEntry(e.getKey()));
        if (!e.getKey().endsWith("/")) {
          zip.write(e.getValue());
        }
        zip.closeEntry();
      }
    }
    return bytes.toByteArray();
  }

  /** Text as bytes. */
  public static byte[] text(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Marks entry {@code name} of {@code zip} as a Unix symbolic link in its central directory header
   * ("made by" Unix, mode 0120777), as Info-ZIP's {@code zip -y} records links.
   */
  public static byte[] markSymlink(byte[] zip, String name) {
    byte[] out = zip.clone();
    ByteBuffer b = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
    byte[] want = name.getBytes(StandardCharsets.UTF_8);
    for (int p = 0; p + 46 <= out.length; p++) {
      if (b.getInt(p) != 0x02014b50) {
        continue;
      }
      int nameLen = b.getShort(p + 28) & 0xFFFF;
      if (nameLen == want.length
          && new String(out, p + 46, nameLen, StandardCharsets.UTF_8).equals(name)) {
        b.putShort(p + 4, (short) (3 << 8 | 20));
        b.putInt(p + 38, 0120777 << 16);
        return out;
      }
    }
    throw new IllegalArgumentException("no entry " + name);
  }
}
