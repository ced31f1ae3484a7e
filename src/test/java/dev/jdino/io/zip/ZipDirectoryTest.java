package dev.jdino.io.zip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The central directory of zips written by java.util.zip, and of damaged ones. */
class ZipDirectoryTest {
  @TempDir Path tmp;

  private static final byte[] HELLO = "hello, zip".getBytes(StandardCharsets.US_ASCII);

  private static long crc(byte[] b) {
    CRC32 c = new CRC32();
    c.update(b);
    return c.getValue();
  }

  /** "a.txt" stored, "dir/" and "dir/b.bin" (1,000 zeros) deflated. */
  private Path sample() throws IOException {
    Path file = tmp.resolve("sample.zip");
    try (OutputStream os = Files.newOutputStream(file);
        ZipOutputStream z = new ZipOutputStream(os)) {
      ZipEntry a = new ZipEntry("a.txt");
      a.setMethod(ZipEntry.STORED);
      a.setSize(HELLO.length);
      a.setCrc(crc(HELLO));
      z.putNextEntry(a);
      z.write(HELLO);
      z.closeEntry();
      z.putNextEntry(new ZipEntry("dir/"));
      z.closeEntry();
      z.putNextEntry(new ZipEntry("dir/b.bin"));
      z.write(new byte[1000]);
      z.closeEntry();
    }
    return file;
  }

  private static ZipDirectory read(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file)) {
      return ZipDirectory.read(ch, 1000, 1 << 20);
    }
  }

  private static int intAt(byte[] b, long at) {
    return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt((int) at);
  }

  @Test
  void entriesOfAZipWrittenByTheJdk() throws IOException {
    Path file = sample();
    byte[] bytes = Files.readAllBytes(file);
    ZipDirectory d = read(file);
    List<ZipDirectory.Entry> e = d.entries();
    assertEquals(List.of("a.txt", "dir/", "dir/b.bin"), e.stream().map(x -> x.name()).toList());
    ZipDirectory.Entry a = e.get(0);
    assertEquals(0, a.method());
    assertEquals(HELLO.length, a.size());
    assertEquals(HELLO.length, a.compressedSize());
    assertEquals(crc(HELLO), a.crc());
    assertEquals(0, a.localHeaderOffset());
    // Stored, no extra field: the data follows the 30-byte local header and the 5-byte name.
    assertEquals("hello, zip", new String(bytes, 35, HELLO.length, StandardCharsets.US_ASCII));
    ZipDirectory.Entry b = e.get(2);
    assertEquals(8, b.method());
    assertEquals(1000, b.size());
    assertEquals(crc(new byte[1000]), b.crc());
    assertTrue(b.compressedSize() < 1000, "deflated");
    assertEquals(0x04034b50, intAt(bytes, b.localHeaderOffset()), "b's local header signature");
    assertEquals(0x02014b50, intAt(bytes, d.offset()), "the directory starts at its offset");
    assertTrue(e.get(1).isDirectory());
    assertFalse(a.isDirectory() || a.isSymbolicLink() || a.isSpecial());
  }

  @Test
  void unixModesFromTheExternalAttributes() throws IOException {
    Path file = sample();
    byte[] bytes = Files.readAllBytes(file);
    long cd = read(file).offset();
    // The first central header: made by Unix (host 3), mode 0120777 (a symbolic link).
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    b.putShort((int) cd + 4, (short) (3 << 8 | 20));
    b.putInt((int) cd + 38, 0120777 << 16);
    Files.write(file, bytes);
    ZipDirectory.Entry a = read(file).entries().get(0);
    assertEquals(3, a.madeBy() >> 8);
    assertTrue(a.isSymbolicLink());
    assertFalse(a.isDirectory() || a.isSpecial());
    b.putInt((int) cd + 38, 0010644 << 16); // a FIFO
    Files.write(file, bytes);
    assertTrue(read(file).entries().get(0).isSpecial());
  }

  /**
   * The sample with zip64 end records (APPNOTE 4.3.14, 4.3.15) in front of an end record whose
   * count, size and offset all say "see zip64", as a writer does past 65,535 entries or 4 GiB.
   */
  private byte[] asZip64(byte[] good, boolean withLocator) throws IOException {
    ZipDirectory d = read(sample());
    long cdSize = good.length - 22 - d.offset();
    int body = good.length - 22;
    ByteBuffer b = ByteBuffer.allocate(body + 56 + 20 + 22).order(ByteOrder.LITTLE_ENDIAN);
    b.put(good, 0, body);
    b.putInt(0x06064b50).putLong(44).putShort((short) 45).putShort((short) 45).putInt(0).putInt(0);
    b.putLong(d.entries().size()).putLong(d.entries().size()).putLong(cdSize).putLong(d.offset());
    if (withLocator) {
      b.putInt(0x07064b50).putInt(0).putLong(body).putInt(1);
    } else {
      b.put(new byte[20]);
    }
    b.putInt(0x06054b50).putShort((short) 0).putShort((short) 0).putShort((short) -1);
    b.putShort((short) -1).putInt(-1).putInt(-1).putShort((short) 0);
    return b.array();
  }

  @Test
  void zip64EndRecords() throws IOException {
    byte[] good = Files.readAllBytes(sample());
    Path file = tmp.resolve("zip64.zip");
    Files.write(file, asZip64(good, true));
    ZipDirectory d = read(file);
    assertEquals(read(sample()), d);
    assertEquals(3, d.entries().size());
    assertEquals("a zip64 file without its zip64 locator", refused(asZip64(good, false)));
    try (FileChannel ch = FileChannel.open(file)) {
      assertEquals(
          "a zip directory of 3 entries",
          assertThrows(ZipException.class, () -> ZipDirectory.read(ch, 2, 1 << 20)).getMessage());
    }
  }

  private String refused(byte[] bytes) throws IOException {
    Path file = tmp.resolve("bad.zip");
    Files.write(file, bytes);
    return assertThrows(ZipException.class, () -> read(file)).getMessage();
  }

  @Test
  void damagedFilesAreRefusedWithoutTheirName() throws IOException {
    byte[] good = Files.readAllBytes(sample());
    assertEquals("a zip file too short to hold its directory (truncated?)", refused(new byte[10]));
    assertEquals(
        "a zip file without its central directory (truncated download?)", refused(new byte[200]));
    assertEquals(
        "a zip file without its central directory (truncated download?)",
        refused(Arrays.copyOf(good, good.length / 2)));
    // The end record's directory offset (at 16 from its start, 22 before the end) past the file.
    byte[] far = good.clone();
    ByteBuffer.wrap(far).order(ByteOrder.LITTLE_ENDIAN).putInt(far.length - 22 + 16, 1 << 20);
    assertTrue(
        refused(far).endsWith("that does not fit a file of " + far.length + " bytes (truncated?)"),
        refused(far));
    // A name byte that is not UTF-8.
    byte[] latin1 = good.clone();
    long cd = read(sample()).offset();
    latin1[(int) cd + 46] = (byte) 0xFF;
    assertEquals("a zip entry name that is not UTF-8", refused(latin1));
    // A central header whose signature is gone.
    byte[] sig = good.clone();
    sig[(int) cd] = 0;
    assertEquals("a damaged zip directory at entry 0", refused(sig));
  }

  @Test
  void readAtStopsAtTheEnd() throws IOException {
    Path file = sample();
    try (FileChannel ch = FileChannel.open(file)) {
      assertEquals(0x04034b50, ZipDirectory.readAt(ch, 0, 4).getInt(0));
      assertEquals(
          "the file ends early (truncated?)",
          assertThrows(ZipException.class, () -> ZipDirectory.readAt(ch, ch.size() - 2, 4))
              .getMessage());
      assertThrows(ZipException.class, () -> ZipDirectory.readAt(ch, -1, 4));
    }
  }
}
