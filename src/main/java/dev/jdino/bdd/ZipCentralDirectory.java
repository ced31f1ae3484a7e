package dev.jdino.bdd;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The central directory of a zip file, read directly: {@link java.util.zip.ZipEntry} does not
 * expose the entry's "external attributes", where zip tools record that an entry is a symbolic
 * link (Unix file type in the high 16 bits). Safe extraction needs exactly that. Zip64 archives
 * (over 4 GB or 65,535 entries, like BDD100K's image archive) are handled.
 */
final class ZipCentralDirectory {
  private static final int EOCD = 0x06054b50;
  private static final int ZIP64_LOCATOR = 0x07064b50;
  private static final int ZIP64_EOCD = 0x06064b50;
  private static final int CENTRAL_HEADER = 0x02014b50;
  private static final int MAX_TAIL = 22 + 0xFFFF;
  private static final int UNIX = 3;

  /**
   * One entry.
   *
   * @param madeBy the "version made by" field; its high byte is the host system (3 = Unix)
   * @param externalAttributes host-specific attributes; on Unix the file mode in the high 16 bits
   * @param size uncompressed size in bytes
   */
  record Entry(String name, int madeBy, long externalAttributes, long size) {
    boolean isDirectory() {
      return name.endsWith("/") || (unixMode() & 0xF000) == 0x4000;
    }

    boolean isSymbolicLink() {
      return (unixMode() & 0xF000) == 0xA000;
    }

    /** Neither a regular file, a directory, nor unknown (devices, FIFOs, sockets). */
    boolean isSpecial() {
      int type = unixMode() & 0xF000;
      return type != 0 && type != 0x8000 && type != 0x4000 && type != 0xA000;
    }

    private int unixMode() {
      return (madeBy >> 8) == UNIX ? (int) (externalAttributes >>> 16) : 0;
    }
  }

  private ZipCentralDirectory() {}

  /** The entries in central-directory order. */
  static List<Entry> read(Path zip) throws IOException {
    try (FileChannel ch = FileChannel.open(zip, StandardOpenOption.READ)) {
      long size = ch.size();
      int tailLen = (int) Math.min(size, MAX_TAIL);
      ByteBuffer tail = readAt(ch, size - tailLen, tailLen);
      int eocd = -1;
      for (int i = tailLen - 22; i >= 0; i--) {
        if (tail.getInt(i) == EOCD) {
          eocd = i;
          break;
        }
      }
      if (eocd < 0) {
        throw new IOException(zip + ": not a zip file (no end of central directory)");
      }
      long entries = tail.getShort(eocd + 10) & 0xFFFFL;
      long cdSize = tail.getInt(eocd + 12) & 0xFFFFFFFFL;
      long cdOffset = tail.getInt(eocd + 16) & 0xFFFFFFFFL;
      if (entries == 0xFFFF || cdSize == 0xFFFFFFFFL || cdOffset == 0xFFFFFFFFL) {
        long locatorAt = size - tailLen + eocd - 20;
        ByteBuffer loc = readAt(ch, locatorAt, 20);
        if (loc.getInt(0) != ZIP64_LOCATOR) {
          throw new IOException(zip + ": zip64 archive without a zip64 locator");
        }
        ByteBuffer z = readAt(ch, loc.getLong(8), 56);
        if (z.getInt(0) != ZIP64_EOCD) {
          throw new IOException(zip + ": damaged zip64 end of central directory");
        }
        entries = z.getLong(32);
        cdSize = z.getLong(40);
        cdOffset = z.getLong(48);
      }
      if (cdSize > Integer.MAX_VALUE - 8 || cdOffset + cdSize > size) {
        throw new IOException(zip + ": central directory of " + cdSize + " bytes at " + cdOffset
            + " does not fit the file");
      }
      ByteBuffer cd = readAt(ch, cdOffset, (int) cdSize);
      List<Entry> out = new ArrayList<>((int) Math.min(entries, 1 << 20));
      int p = 0;
      for (long e = 0; e < entries; e++) {
        if (p + 46 > cd.limit() || cd.getInt(p) != CENTRAL_HEADER) {
          throw new IOException(zip + ": damaged central directory at entry " + e);
        }
        int madeBy = cd.getShort(p + 4) & 0xFFFF;
        long usize = cd.getInt(p + 24) & 0xFFFFFFFFL;
        int nameLen = cd.getShort(p + 28) & 0xFFFF;
        int extraLen = cd.getShort(p + 30) & 0xFFFF;
        int commentLen = cd.getShort(p + 32) & 0xFFFF;
        long external = cd.getInt(p + 38) & 0xFFFFFFFFL;
        if (p + 46 + nameLen + extraLen + commentLen > cd.limit()) {
          throw new IOException(zip + ": damaged central directory at entry " + e);
        }
        byte[] nameBytes = new byte[nameLen];
        cd.get(p + 46, nameBytes);
        if (usize == 0xFFFFFFFFL) {
          usize = zip64Size(cd, p + 46 + nameLen, extraLen, usize);
        }
        // java.util.zip.ZipFile decodes names as UTF-8 by default; do the same so names match.
        out.add(new Entry(new String(nameBytes, StandardCharsets.UTF_8), madeBy, external, usize));
        p += 46 + nameLen + extraLen + commentLen;
      }
      return out;
    }
  }

  /** The uncompressed size from the zip64 extra field (id 1), which lists it first. */
  private static long zip64Size(ByteBuffer cd, int at, int len, long fallback) {
    int end = at + len;
    while (at + 4 <= end) {
      int id = cd.getShort(at) & 0xFFFF;
      int size = cd.getShort(at + 2) & 0xFFFF;
      if (id == 1 && size >= 8 && at + 4 + 8 <= end) {
        return cd.getLong(at + 4);
      }
      at += 4 + size;
    }
    return fallback;
  }

  private static ByteBuffer readAt(FileChannel ch, long position, int length) throws IOException {
    if (position < 0) {
      throw new IOException("not a zip file (truncated)");
    }
    ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
    while (b.hasRemaining()) {
      if (ch.read(b, position + b.position()) < 0) {
        throw new IOException("not a zip file (truncated)");
      }
    }
    return b.flip().order(ByteOrder.LITTLE_ENDIAN);
  }
}
