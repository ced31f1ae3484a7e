package dev.jdino.io.pth;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Hand-made pickles and torch.save-style zips for tests, hostile ones included: every opcode is
 * written explicitly, so a test shows exactly which instruction the reader must refuse.
 */
public final class HandMade {
  private final ByteArrayOutputStream b = new ByteArrayOutputStream();

  private HandMade() {}

  /** A pickle that starts with PROTO 2, as torch.save's do. */
  public static HandMade pickle() {
    return new HandMade().op(0x80, 2);
  }

  public HandMade op(int... bytes) {
    for (int x : bytes) {
      b.write(x);
    }
    return this;
  }

  public HandMade raw(byte[] bytes) {
    b.writeBytes(bytes);
    return this;
  }

  public HandMade global(String module, String name) {
    op('c');
    return raw((module + "\n" + name + "\n").getBytes(StandardCharsets.ISO_8859_1));
  }

  public HandMade str(String s) {
    byte[] u = s.getBytes(StandardCharsets.UTF_8);
    op('X');
    raw(le(4).putInt(u.length).array());
    return raw(u);
  }

  public HandMade integer(long v) {
    if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
      op('J');
      return raw(le(4).putInt((int) v).array());
    }
    op(0x8A, 8);
    return raw(le(8).putLong(v).array());
  }

  public HandMade mark() {
    return op('(');
  }

  public HandMade tuple() {
    return op('t');
  }

  public HandMade emptyDict() {
    return op('}');
  }

  public HandMade emptyList() {
    return op(']');
  }

  public HandMade emptyTuple() {
    return op(')');
  }

  public HandMade setItems() {
    return op('u');
  }

  public HandMade append() {
    return op('a');
  }

  public HandMade reduce() {
    return op('R');
  }

  public HandMade stop() {
    return op('.');
  }

  /** ('storage', torch.&lt;cls&gt;, key, 'cpu', numel) BINPERSID, as torch.save writes it. */
  public HandMade storage(String cls, String key, long numel) {
    mark().str("storage").global("torch", cls).str(key).str("cpu").integer(numel).tuple();
    return op('Q');
  }

  /** _rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict()) REDUCE. */
  public HandMade tensor(
      String cls, String key, long numel, long offset, long[] size, long[] stride) {
    global("torch._utils", "_rebuild_tensor_v2").mark();
    storage(cls, key, numel).integer(offset);
    mark();
    for (long s : size) {
      integer(s);
    }
    tuple().mark();
    for (long s : stride) {
      integer(s);
    }
    tuple().op(0x89).global("collections", "OrderedDict").emptyTuple().reduce();
    return tuple().reduce();
  }

  /** {name: tensor} for one float32 tensor over storage "0". */
  public static byte[] oneTensor(String name, long numel, long offset, long[] size, long[] stride) {
    return pickle()
        .emptyDict()
        .mark()
        .str(name)
        .tensor("FloatStorage", "0", numel, offset, size, stride)
        .setItems()
        .stop()
        .bytes();
  }

  public byte[] bytes() {
    return b.toByteArray();
  }

  // ------------------------------------------------------------------------ zips

  /** A zip of stored entries, in order. */
  public static Path zip(Path file, Map<String, byte[]> entries) throws IOException {
    try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16);
        ZipOutputStream z = new ZipOutputStream(os)) {
      for (Map.Entry<String, byte[]> e : entries.entrySet()) {
        ZipEntry ze = new ZipEntry(e.getKey());
        ze.setMethod(ZipEntry.STORED);
        ze.setSize(e.getValue().length);
        ze.setCompressedSize(e.getValue().length);
        CRC32 crc = new CRC32();
        crc.update(e.getValue());
        ze.setCrc(crc.getValue());
        z.putNextEntry(ze);
        z.write(e.getValue());
        z.closeEntry();
      }
    }
    return file;
  }

  /** A torch.save-style zip: archive/data.pkl, the storages as archive/data/KEY, a version. */
  public static Path checkpoint(Path file, byte[] pickle, Map<String, byte[]> storages)
      throws IOException {
    Map<String, byte[]> e = new LinkedHashMap<>();
    e.put("archive/data.pkl", pickle);
    storages.forEach((k, v) -> e.put("archive/data/" + k, v));
    e.put("archive/version", "3\n".getBytes(StandardCharsets.US_ASCII));
    return zip(file, e);
  }

  /** Little-endian float32 bytes. */
  public static byte[] floats(float... v) {
    ByteBuffer bb = le(4 * v.length);
    for (float x : v) {
      bb.putFloat(x);
    }
    return bb.array();
  }

  private static ByteBuffer le(int n) {
    return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
  }
}
