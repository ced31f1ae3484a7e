package dev.jdino.io.pth;

import dev.jdino.io.zip.ZipDirectory;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipException;

/**
 * The zip container of {@code torch.save} (PyTorch 1.6 and later), read from its central directory
 * with every offset and size checked against the file. PyTorch stores records uncompressed (so that
 * storages can be memory-mapped); a compressed or encrypted entry is refused rather than inflated,
 * which also rules out zip bombs: nothing read can be larger than the file. Zip64 (files over 4
 * GiB) is handled.
 */
final class ZipContainer {
  private static final int LOCAL_HEADER = 0x04034b50;

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
    ZipDirectory dir;
    try {
      dir = ZipDirectory.read(ch, MAX_ENTRIES, MAX_DIRECTORY);
    } catch (ZipException e) {
      throw new PthFormatException(e.getMessage());
    }
    Map<String, Entry> out = new LinkedHashMap<>();
    for (ZipDirectory.Entry e : dir.entries()) {
      String name = e.name();
      long csize = e.compressedSize();
      if ((e.flags() & 1) != 0) {
        throw new PthFormatException("zip entry " + name + " is encrypted");
      }
      if (e.method() == 0 && csize != e.size()) {
        throw new PthFormatException(
            "zip entry " + name + " is stored with " + csize + " bytes but claims " + e.size());
      }
      long dataStart = localData(ch, e.localHeaderOffset(), name, size);
      if (dataStart > dir.offset() || csize > dir.offset() - dataStart) {
        throw new PthFormatException(
            "zip entry "
                + name
                + " of "
                + csize
                + " bytes at "
                + dataStart
                + " runs past the file's data (truncated?)");
      }
      if (out.put(name, new Entry(name, e.method(), e.size(), e.crc(), dataStart)) != null) {
        throw new PthFormatException("zip entry " + name + " appears twice");
      }
    }
    return new ZipContainer(Collections.unmodifiableMap(out));
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
    try {
      return ZipDirectory.readAt(ch, position, length);
    } catch (ZipException e) {
      throw new PthFormatException(e.getMessage());
    }
  }

  List<String> names() {
    return new ArrayList<>(entries.keySet());
  }

  Entry entry(String name) {
    return entries.get(name);
  }
}
