package dev.jdino.io.zip;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipException;

/**
 * A zip file's central directory ({@code entries}, in directory order; it starts at byte {@code
 * offset}, after every entry's data), found from the end-of-central-directory record and read with
 * every count, offset and size checked against the file before anything is allocated. Zip64 (over 4
 * GiB or 65,535 entries) is handled. What is wrong is a {@link ZipException} whose message does not
 * name the file (the caller knows it).
 *
 * <p>Layout: PKWARE's APPNOTE.TXT, sections 4.3.12 (central directory header), 4.3.14 to 4.3.16
 * (zip64 end records and the end of central directory) and 4.5.3 (the zip64 extra field).
 */
public record ZipDirectory(List<Entry> entries, long offset) {
  private static final int CENTRAL_HEADER = 0x02014b50;
  private static final int EOCD = 0x06054b50;
  private static final int ZIP64_LOCATOR = 0x07064b50;
  private static final int ZIP64_EOCD = 0x06064b50;
  private static final int EOCD_SIZE = 22;
  private static final int MAX_TAIL = EOCD_SIZE + 0xFFFF;
  private static final int UNIX = 3;

  /**
   * One central-directory entry, with the zip64 values in place of the 32-bit ones they replace.
   *
   * @param madeBy "version made by"; its high byte is the host system (3 = Unix)
   * @param flags the general purpose bit flag (bit 0: encrypted)
   * @param method the compression method (0: stored)
   * @param compressedSize bytes of data in the file
   * @param size uncompressed size in bytes
   * @param externalAttributes host-specific attributes; on Unix the file mode in the high 16 bits
   * @param localHeaderOffset where the entry's local header starts
   */
  public record Entry(
      String name,
      int madeBy,
      int flags,
      int method,
      long crc,
      long compressedSize,
      long size,
      long externalAttributes,
      long localHeaderOffset) {

    public boolean isDirectory() {
      return name.endsWith("/") || (unixMode() & 0xF000) == 0x4000;
    }

    public boolean isSymbolicLink() {
      return (unixMode() & 0xF000) == 0xA000;
    }

    /** Neither a regular file, a directory, nor unknown (devices, FIFOs, sockets). */
    public boolean isSpecial() {
      int type = unixMode() & 0xF000;
      return type != 0 && type != 0x8000 && type != 0x4000 && type != 0xA000;
    }

    private int unixMode() {
      return (madeBy >> 8) == UNIX ? (int) (externalAttributes >>> 16) : 0;
    }
  }

  public ZipDirectory {
    entries = List.copyOf(entries);
  }

  /**
   * Reads the directory of the zip file open on {@code ch}.
   *
   * @param maxEntries more entries than this are refused
   * @param maxBytes a larger central directory is refused (it is read into memory whole)
   * @throws ZipException when the file is not a zip, is truncated, or its directory is damaged
   */
  public static ZipDirectory read(FileChannel ch, long maxEntries, long maxBytes)
      throws IOException {
    long size = ch.size();
    if (size < EOCD_SIZE) {
      throw new ZipException("a zip file too short to hold its directory (truncated?)");
    }
    int tailLen = (int) Math.min(size, MAX_TAIL);
    ByteBuffer tail = readAt(ch, size - tailLen, tailLen);
    int eocd = -1;
    for (int i = tailLen - EOCD_SIZE; i >= 0; i--) {
      if (tail.getInt(i) == EOCD) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) {
      throw new ZipException("a zip file without its central directory (truncated download?)");
    }
    long count = tail.getShort(eocd + 10) & 0xFFFFL;
    long cdSize = tail.getInt(eocd + 12) & 0xFFFFFFFFL;
    long cdOffset = tail.getInt(eocd + 16) & 0xFFFFFFFFL;
    if (count == 0xFFFF || cdSize == 0xFFFFFFFFL || cdOffset == 0xFFFFFFFFL) {
      long locatorAt = size - tailLen + eocd - 20;
      ByteBuffer loc = locatorAt < 0 ? null : readAt(ch, locatorAt, 20);
      if (loc == null || loc.getInt(0) != ZIP64_LOCATOR) {
        throw new ZipException("a zip64 file without its zip64 locator");
      }
      long z64At = loc.getLong(8);
      if (z64At < 0 || z64At > size - 56) {
        throw new ZipException("a zip64 directory record outside the file");
      }
      ByteBuffer z = readAt(ch, z64At, 56);
      if (z.getInt(0) != ZIP64_EOCD) {
        throw new ZipException("a damaged zip64 end of central directory");
      }
      count = z.getLong(32);
      cdSize = z.getLong(40);
      cdOffset = z.getLong(48);
    }
    if (count < 0 || count > maxEntries) {
      throw new ZipException("a zip directory of " + count + " entries");
    }
    if (cdSize < 0
        || cdOffset < 0
        || cdSize > maxBytes
        || cdSize > Integer.MAX_VALUE - 8
        || cdOffset > size - cdSize) {
      throw new ZipException(
          "a zip directory of "
              + cdSize
              + " bytes at "
              + cdOffset
              + " that does not fit a file of "
              + size
              + " bytes (truncated?)");
    }
    return new ZipDirectory(entries(readAt(ch, cdOffset, (int) cdSize), count), cdOffset);
  }

  private static List<Entry> entries(ByteBuffer cd, long count) throws ZipException {
    List<Entry> out = new ArrayList<>((int) Math.min(count, 1 << 16));
    int p = 0;
    for (long e = 0; e < count; e++) {
      if (p + 46 > cd.limit() || cd.getInt(p) != CENTRAL_HEADER) {
        throw new ZipException("a damaged zip directory at entry " + e);
      }
      int nameLen = cd.getShort(p + 28) & 0xFFFF;
      int extraLen = cd.getShort(p + 30) & 0xFFFF;
      int commentLen = cd.getShort(p + 32) & 0xFFFF;
      if (p + 46L + nameLen + extraLen + commentLen > cd.limit()) {
        throw new ZipException("a damaged zip directory at entry " + e);
      }
      String name = utf8(cd, p + 46, nameLen);
      long csize = cd.getInt(p + 20) & 0xFFFFFFFFL;
      long usize = cd.getInt(p + 24) & 0xFFFFFFFFL;
      long localAt = cd.getInt(p + 42) & 0xFFFFFFFFL;
      if (usize == 0xFFFFFFFFL || csize == 0xFFFFFFFFL || localAt == 0xFFFFFFFFL) {
        // The zip64 extra field lists, in this order, only the fields that overflowed.
        long[] v = zip64(cd, p + 46 + nameLen, extraLen, name);
        int k = 0;
        if (usize == 0xFFFFFFFFL) {
          usize = field(v, k++, name);
        }
        if (csize == 0xFFFFFFFFL) {
          csize = field(v, k++, name);
        }
        if (localAt == 0xFFFFFFFFL) {
          localAt = field(v, k, name);
        }
      }
      out.add(
          new Entry(
              name,
              cd.getShort(p + 4) & 0xFFFF,
              cd.getShort(p + 8) & 0xFFFF,
              cd.getShort(p + 10) & 0xFFFF,
              cd.getInt(p + 16) & 0xFFFFFFFFL,
              csize,
              usize,
              cd.getInt(p + 38) & 0xFFFFFFFFL,
              localAt));
      p += 46 + nameLen + extraLen + commentLen;
    }
    return out;
  }

  private static long field(long[] v, int k, String name) throws ZipException {
    if (k >= v.length || v[k] < 0) {
      throw new ZipException("zip entry " + name + " has a damaged zip64 size");
    }
    return v[k];
  }

  private static long[] zip64(ByteBuffer cd, int at, int len, String name) throws ZipException {
    int end = at + len;
    while (at + 4 <= end) {
      int id = cd.getShort(at) & 0xFFFF;
      int n = cd.getShort(at + 2) & 0xFFFF;
      if (at + 4 + n > end) {
        break;
      }
      if (id == 1) {
        long[] v = new long[n / 8];
        for (int i = 0; i < v.length; i++) {
          v[i] = cd.getLong(at + 4 + 8 * i);
        }
        return v;
      }
      at += 4 + n;
    }
    throw new ZipException("zip entry " + name + " lacks its zip64 sizes");
  }

  /**
   * Names are UTF-8, as {@link java.util.zip.ZipFile} reads them by default (so that the names
   * agree with it), and a name that is not valid UTF-8 is refused, as ZipFile refuses it.
   */
  private static String utf8(ByteBuffer b, int at, int len) throws ZipException {
    byte[] bytes = new byte[len];
    b.get(at, bytes);
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw new ZipException("a zip entry name that is not UTF-8");
    }
  }

  /**
   * {@code length} bytes at {@code position}, little-endian.
   *
   * @throws ZipException if the file ends first or the position is negative
   */
  public static ByteBuffer readAt(FileChannel ch, long position, int length) throws IOException {
    if (position < 0) {
      throw new ZipException("the file ends early (truncated?)");
    }
    ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
    while (b.hasRemaining()) {
      if (ch.read(b, position + b.position()) < 0) {
        throw new ZipException("the file ends early (truncated?)");
      }
    }
    return b.flip().order(ByteOrder.LITTLE_ENDIAN);
  }
}
