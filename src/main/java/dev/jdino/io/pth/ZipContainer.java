package dev.jdino.io.pth;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * The zip container of {@code torch.save} (PyTorch 1.6 and later), read from its central directory
 * with every offset and size checked against the file. PyTorch stores records uncompressed (so that
 * storages can be memory-mapped); a compressed or encrypted entry is refused rather than inflated,
 * which also rules out zip bombs: nothing read can be larger than the file. Zip64 (files over 4
 * GiB) is handled.
 */
final class ZipContainer {
  private static final int LOCAL_HEADER = 0x04034b50;
  private static final int CENTRAL_HEADER = 0x02014b50;
  private static final int EOCD = 0x06054b50;
  private static final int ZIP64_LOCATOR = 0x07064b50;
  private static final int ZIP64_EOCD = 0x06064b50;
  private static final int MAX_TAIL = 22 + 0xFFFF;

  /** Far more than any checkpoint's directory (about 100 bytes per tensor). */
  private static final long MAX_DIRECTORY = 64L << 20;

  private static final long MAX_ENTRIES = 1_000_000;

  /**
   * One record: its data lies at [{@code dataStart}, {@code dataStart + size}) when {@code method}
   * is 0 (stored); other methods are refused when the record is read.
   */
  record Entry(String name, int method, long size, long crc, long dataStart) {}

  private final Map<String, Entry> entries;

  private ZipContainer(Map<String, Entry> entries) {
    this.entries = entries;
  }

  /** Entries by name, in central-directory order. */
  Map<String, Entry> entries() {
    return entries;
  }

  static ZipContainer read(FileChannel ch) throws IOException {
    long size = ch.size();
    if (size < 22) {
      throw new PthFormatException("a zip file too short to hold its directory (truncated?)");
    }
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
      throw new PthFormatException(
          "a zip file without its central directory (truncated download?)");
    }
    long count = tail.getShort(eocd + 10) & 0xFFFFL;
    long cdSize = tail.getInt(eocd + 12) & 0xFFFFFFFFL;
    long cdOffset = tail.getInt(eocd + 16) & 0xFFFFFFFFL;
    if (count == 0xFFFF || cdSize == 0xFFFFFFFFL || cdOffset == 0xFFFFFFFFL) {
      long locatorAt = size - tailLen + eocd - 20;
      if (locatorAt < 0) {
        throw new PthFormatException("a zip64 file without its zip64 locator");
      }
      ByteBuffer loc = readAt(ch, locatorAt, 20);
      if (loc.getInt(0) != ZIP64_LOCATOR) {
        throw new PthFormatException("a zip64 file without its zip64 locator");
      }
      long z64At = loc.getLong(8);
      if (z64At < 0 || z64At > size - 56) {
        throw new PthFormatException("a zip64 directory record outside the file");
      }
      ByteBuffer z = readAt(ch, z64At, 56);
      if (z.getInt(0) != ZIP64_EOCD) {
        throw new PthFormatException("a damaged zip64 end of central directory");
      }
      count = z.getLong(32);
      cdSize = z.getLong(40);
      cdOffset = z.getLong(48);
    }
    if (count < 0 || count > MAX_ENTRIES) {
      throw new PthFormatException("a zip directory of " + count + " entries");
    }
    if (cdSize < 0 || cdOffset < 0 || cdSize > MAX_DIRECTORY || cdOffset > size - cdSize) {
      throw new PthFormatException(
          "a zip directory of "
              + cdSize
              + " bytes at "
              + cdOffset
              + " that does not fit a file of "
              + size
              + " bytes (truncated?)");
    }
    ByteBuffer cd = readAt(ch, cdOffset, (int) cdSize);
    Map<String, Entry> out = new LinkedHashMap<>();
    int p = 0;
    for (long e = 0; e < count; e++) {
      if (p + 46 > cd.limit() || cd.getInt(p) != CENTRAL_HEADER) {
        throw new PthFormatException("a damaged zip directory at entry " + e);
      }
      int flags = cd.getShort(p + 8) & 0xFFFF;
      int method = cd.getShort(p + 10) & 0xFFFF;
      long crc = cd.getInt(p + 16) & 0xFFFFFFFFL;
      long csize = cd.getInt(p + 20) & 0xFFFFFFFFL;
      long usize = cd.getInt(p + 24) & 0xFFFFFFFFL;
      int nameLen = cd.getShort(p + 28) & 0xFFFF;
      int extraLen = cd.getShort(p + 30) & 0xFFFF;
      int commentLen = cd.getShort(p + 32) & 0xFFFF;
      long localAt = cd.getInt(p + 42) & 0xFFFFFFFFL;
      if (p + 46L + nameLen + extraLen + commentLen > cd.limit()) {
        throw new PthFormatException("a damaged zip directory at entry " + e);
      }
      String name = utf8(cd, p + 46, nameLen);
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
      if ((flags & 1) != 0) {
        throw new PthFormatException("zip entry " + name + " is encrypted");
      }
      if (method == 0 && csize != usize) {
        throw new PthFormatException(
            "zip entry " + name + " is stored with " + csize + " bytes but claims " + usize);
      }
      long dataStart = localData(ch, localAt, name, size);
      if (csize < 0 || dataStart > cdOffset || csize > cdOffset - dataStart) {
        throw new PthFormatException(
            "zip entry "
                + name
                + " of "
                + csize
                + " bytes at "
                + dataStart
                + " runs past the file's data (truncated?)");
      }
      if (out.put(name, new Entry(name, method, usize, crc, dataStart)) != null) {
        throw new PthFormatException("zip entry " + name + " appears twice");
      }
      p += 46 + nameLen + extraLen + commentLen;
    }
    return new ZipContainer(Collections.unmodifiableMap(out));
  }

  private static long field(long[] v, int k, String name) {
    if (k >= v.length || v[k] < 0) {
      throw new PthFormatException("zip entry " + name + " has a damaged zip64 size");
    }
    return v[k];
  }

  private static long[] zip64(ByteBuffer cd, int at, int len, String name) {
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
    throw new PthFormatException("zip entry " + name + " lacks its zip64 sizes");
  }

  /** Where an entry's data starts: after its local header, whose lengths may differ. */
  private static long localData(FileChannel ch, long at, String name, long size)
      throws IOException {
    if (at < 0 || at > size - 30) {
      throw new PthFormatException("zip entry " + name + " has its header outside the file");
    }
    ByteBuffer h = readAt(ch, at, 30);
    if (h.getInt(0) != LOCAL_HEADER) {
      throw new PthFormatException("zip entry " + name + " has a damaged local header");
    }
    return at + 30 + (h.getShort(26) & 0xFFFF) + (h.getShort(28) & 0xFFFF);
  }

  private static String utf8(ByteBuffer b, int at, int len) {
    byte[] bytes = new byte[len];
    b.get(at, bytes);
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw new PthFormatException("a zip entry name that is not UTF-8");
    }
  }

  /** {@code len} bytes of {@code entry} from {@code from}; the caller has checked the range. */
  static ByteBuffer read(FileChannel ch, Entry entry, long from, int len) throws IOException {
    stored(entry);
    if (from < 0 || len < 0 || from > entry.size() - len) {
      throw new PthFormatException(
          "read of " + len + " bytes at " + from + " outside record " + entry.name());
    }
    return readAt(ch, entry.dataStart() + from, len);
  }

  /** The whole record, its CRC-32 checked against the directory's. */
  static byte[] readAll(FileChannel ch, Entry entry, long maxBytes) throws IOException {
    if (entry.size() > maxBytes) {
      throw new PthFormatException(
          "record "
              + entry.name()
              + " of "
              + entry.size()
              + " bytes is larger than jdino reads ("
              + maxBytes
              + ")");
    }
    ByteBuffer b = read(ch, entry, 0, (int) entry.size());
    checkCrc(entry, b.array());
    return b.array();
  }

  /** Refuses a compressed record: nothing is inflated, so nothing read outgrows the file. */
  static void stored(Entry entry) {
    if (entry.method() != 0) {
      throw new PthFormatException(
          "zip entry "
              + entry.name()
              + " is compressed (method "
              + entry.method()
              + "); torch.save stores its records uncompressed");
    }
  }

  static void checkCrc(Entry entry, byte[] data) {
    CRC32 crc = new CRC32();
    crc.update(data);
    if (crc.getValue() != entry.crc()) {
      throw new PthFormatException(
          "record " + entry.name() + " fails its CRC-32 check (a corrupt or altered file)");
    }
  }

  private static ByteBuffer readAt(FileChannel ch, long position, int length) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
    while (b.hasRemaining()) {
      if (ch.read(b, position + b.position()) < 0) {
        throw new PthFormatException("the file ends early (truncated?)");
      }
    }
    return b.flip().order(ByteOrder.LITTLE_ENDIAN);
  }

  List<String> names() {
    return new ArrayList<>(entries.keySet());
  }

  Entry entry(String name) {
    return entries.get(name);
  }
}
