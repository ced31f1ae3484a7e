package dev.jdino.io.pth;

import dev.jdino.io.BadInputException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A PyTorch checkpoint as {@code torch.save} writes it since PyTorch 1.6: a zip whose {@code
 * <archive>/data.pkl} pickles the saved object (here: dicts of tensors), each tensor's storage in
 * the record {@code <archive>/data/<key>}, with {@code byteorder} and {@code version} records
 * beside them (torch/serialization.py, {@code _save} and {@code _load}).
 *
 * <p>{@link #open} reads and checks the container and the pickle (with {@link RestrictedUnpickler},
 * which runs none of it) and no tensor data; tensors are read on demand, each from its storage with
 * its offset, sizes and strides. A file that is anything else, or damaged, or built to attack the
 * reader, gives a {@link BadInputException} naming the file.
 */
public final class PthFile {
  /** The pickle of a ViT-B full checkpoint is about 100 KB; this is the most jdino reads. */
  public static final long MAX_PICKLE = 32L << 20;

  private static final byte[] ZIP = {'P', 'K', 3, 4};
  private static final byte[] EMPTY_ZIP = {'P', 'K', 5, 6};

  /** torch/serialization.py's MAGIC_NUMBER, pickled first by the legacy format (LONG1). */
  private static final byte[] LEGACY = {
    (byte) 0x80,
    2,
    (byte) 0x8a,
    10,
    0x6c,
    (byte) 0xfc,
    (byte) 0x9c,
    0x46,
    (byte) 0xf9,
    0x20,
    0x6a,
    (byte) 0xa8,
    0x50,
    0x19
  };

  /** What the first bytes of a file say it is. */
  public enum Kind {
    /** A zip: {@code torch.save} since 1.6 (or a TorchScript archive, or another zip). */
    ZIP,
    /** The pickle-only format of {@code torch.save} before PyTorch 1.6. */
    LEGACY,
    /** The tar format of PyTorch's first releases. */
    LEGACY_TAR,
    OTHER
  }

  private final Path file;
  private final ZipContainer zip;
  private final String archive;
  private final ByteOrder byteOrder;
  private final String version;
  private final Map<String, Storage> storages;
  private final Object root;

  private PthFile(
      Path file,
      ZipContainer zip,
      String archive,
      ByteOrder byteOrder,
      String version,
      Map<String, Storage> storages,
      Object root) {
    this.file = file;
    this.zip = zip;
    this.archive = archive;
    this.byteOrder = byteOrder;
    this.version = version;
    this.storages = storages;
    this.root = root;
  }

  /** Tells formats apart by their first bytes; unreadable files are {@link Kind#OTHER}. */
  public static Kind sniff(Path file) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer b = ByteBuffer.allocate(512);
      while (b.hasRemaining() && ch.read(b) > 0) {
        // read what there is
      }
      byte[] head = Arrays.copyOf(b.array(), b.position());
      if (startsWith(head, ZIP) || startsWith(head, EMPTY_ZIP)) {
        return Kind.ZIP;
      }
      if (startsWith(head, LEGACY)) {
        return Kind.LEGACY;
      }
      if (head.length >= 262
          && new String(head, 257, 5, StandardCharsets.ISO_8859_1).equals("ustar")) {
        return Kind.LEGACY_TAR;
      }
      return Kind.OTHER;
    } catch (IOException e) {
      return Kind.OTHER;
    }
  }

  private static boolean startsWith(byte[] a, byte[] prefix) {
    if (a.length < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (a[i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  /** Opens and checks {@code file}; reads its pickle but no tensor data. */
  public static PthFile open(Path file) {
    Kind kind = sniff(file);
    if (kind == Kind.LEGACY || kind == Kind.LEGACY_TAR) {
      throw new BadInputException(
          file
              + ": a PyTorch checkpoint in the legacy format of PyTorch before 1.6 ("
              + (kind == Kind.LEGACY ? "a bare pickle" : "a tar archive")
              + ", not a zip), which jdino does not read; re-save it with PyTorch 1.6 or later:"
              + " torch.save(torch.load(f, weights_only=True), 'new.pth')");
    }
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      if (kind != Kind.ZIP) {
        throw new PthFormatException(
            "not a PyTorch checkpoint (expected the zip written by torch.save)");
      }
      ZipContainer zip = ZipContainer.read(ch);
      String archive = archiveOf(zip);
      ByteOrder order = byteOrder(ch, zip, archive);
      String version = smallText(ch, zip, archive + "/version");
      ZipContainer.Entry pkl = zip.entry(archive + "/data.pkl");
      byte[] pickle = ZipContainer.readAll(ch, pkl, MAX_PICKLE);
      Map<String, Storage> storages = new LinkedHashMap<>();
      Object root = RestrictedUnpickler.load(pickle, pid -> storage(pid, zip, archive, storages));
      return new PthFile(
          file, zip, archive, order, version, Collections.unmodifiableMap(storages), root);
    } catch (PthFormatException e) {
      throw new BadInputException(file + ": " + e.getMessage());
    } catch (NoSuchFileException e) {
      throw new BadInputException(file + ": file not found");
    } catch (IOException e) {
      throw new BadInputException(file + ": cannot read (" + e.getMessage() + ")");
    }
  }

  /**
   * The one folder that holds {@code data.pkl}; torch.save names it after the file or "archive".
   */
  private static String archiveOf(ZipContainer zip) {
    String found = null;
    boolean torchScript = false;
    for (String name : zip.names()) {
      int slash = name.indexOf('/');
      String rest = slash < 0 ? "" : name.substring(slash + 1);
      if (rest.equals("constants.pkl") || rest.startsWith("code/")) {
        torchScript = true;
      }
      if (rest.equals("data.pkl")) {
        if (found != null) {
          throw new PthFormatException(
              "a zip with two data.pkl records ("
                  + found
                  + "/, "
                  + name.substring(0, slash)
                  + "/)");
        }
        found = name.substring(0, slash);
      }
    }
    if (torchScript) {
      throw new PthFormatException(
          "a TorchScript archive (torch.jit.save), not a state dict; save the weights with"
              + " torch.save(model.state_dict(), 'weights.pth')");
    }
    if (found == null) {
      throw new PthFormatException(
          "a zip file without a data.pkl record: not a PyTorch checkpoint");
    }
    return found;
  }

  private static ByteOrder byteOrder(FileChannel ch, ZipContainer zip, String archive)
      throws IOException {
    String s = smallText(ch, zip, archive + "/byteorder");
    if (s == null || s.equals("little")) {
      // Files written before PyTorch 2.1 have no byteorder record; they are little-endian.
      return ByteOrder.LITTLE_ENDIAN;
    }
    if (s.equals("big")) {
      return ByteOrder.BIG_ENDIAN;
    }
    throw new PthFormatException("byteorder record says '" + s + "', expected little or big");
  }

  private static String smallText(FileChannel ch, ZipContainer zip, String name)
      throws IOException {
    ZipContainer.Entry e = zip.entry(name);
    if (e == null) {
      return null;
    }
    return new String(ZipContainer.readAll(ch, e, 64), StandardCharsets.ISO_8859_1).strip();
  }

  /**
   * A storage reference, the tuple {@code ('storage', torch.FloatStorage, key, location, numel)}
   * that torch.save's {@code persistent_id} writes for every storage.
   */
  private static Storage storage(
      PyTuple pid, ZipContainer zip, String archive, Map<String, Storage> storages) {
    if (pid.size() != 5 || !"storage".equals(pid.get(0))) {
      throw new PthFormatException(
          "a persistent reference that is not a storage ('storage', class, key, location,"
              + " size)");
    }
    if (!(pid.get(1) instanceof RestrictedUnpickler.StorageClass cls)) {
      throw new PthFormatException(
          "a storage reference whose class is a " + RestrictedUnpickler.typeName(pid.get(1)));
    }
    if (!(pid.get(2) instanceof String key)
        || !(pid.get(3) instanceof String location)
        || !(pid.get(4) instanceof Long numel)) {
      throw new PthFormatException("a storage reference with a malformed key, location or size");
    }
    Storage s;
    try {
      s = new Storage(key, cls.dtype(), numel, location);
    } catch (IllegalArgumentException e) {
      throw new PthFormatException(e.getMessage());
    }
    ZipContainer.Entry record = zip.entry(archive + "/data/" + key);
    if (record == null) {
      throw new PthFormatException(
          "the pickle refers to storage " + key + ", but the zip has no record data/" + key);
    }
    ZipContainer.stored(record);
    if (record.size() < s.byteSize()) {
      throw new PthFormatException(
          "storage "
              + key
              + " declares "
              + numel
              + " "
              + s.dtype().torchName()
              + " elements ("
              + s.byteSize()
              + " bytes) but its record holds "
              + record.size()
              + " bytes");
    }
    Storage before = storages.putIfAbsent(key, s);
    if (before != null && !before.equals(s)) {
      throw new PthFormatException(
          "storage " + key + " is declared twice with different types or sizes");
    }
    return s;
  }

  public Path file() {
    return file;
  }

  /** The unpickled object: dicts, lists, tuples, numbers, strings, tensors, namespaces. */
  public Object root() {
    return root;
  }

  /** Name of the zip's top folder ({@code archive} since PyTorch 2.x, else the file's stem). */
  public String archive() {
    return archive;
  }

  public ByteOrder byteOrder() {
    return byteOrder;
  }

  /** The {@code version} record (serialization format, "3" today), or null. */
  public String version() {
    return version;
  }

  /** Every storage the pickle referred to, by key. */
  public Map<String, Storage> storages() {
    return storages;
  }

  /**
   * A tensor's elements in row-major order as little-endian bytes of its dtype. When the tensor
   * covers its whole storage (every tensor of a state dict torch.save wrote) the record's CRC-32 is
   * checked too.
   */
  public byte[] readBytes(PyTensor t) {
    if (!t.storage().equals(storages.get(t.storage().key()))) {
      throw new IllegalArgumentException("tensor " + t + " is not from " + file);
    }
    int w = t.dtype().byteWidth();
    long n = t.numel();
    byte[] out = new byte[Math.toIntExact(n * w)];
    if (n == 0) {
      return out;
    }
    ZipContainer.Entry record = zip.entry(archive + "/data/" + t.storage().key());
    long first = t.offset();
    long spanBytes = (t.storageEnd() - first) * w;
    if (spanBytes > PyTensor.MAX_BYTES) {
      throw new BadInputException(
          file
              + ": tensor "
              + t
              + " spans "
              + spanBytes
              + " bytes of its storage, more than"
              + " jdino reads at once");
    }
    ByteBuffer span;
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      span = ZipContainer.read(ch, record, first * w, (int) spanBytes);
    } catch (PthFormatException e) {
      throw new BadInputException(file + ": " + e.getMessage());
    } catch (IOException e) {
      throw new BadInputException(file + ": cannot read (" + e.getMessage() + ")");
    }
    byte[] src = span.array();
    if (t.isContiguous()) {
      System.arraycopy(src, 0, out, 0, out.length);
      if (first == 0 && spanBytes == record.size()) {
        try {
          ZipContainer.checkCrc(record, src);
        } catch (PthFormatException e) {
          throw new BadInputException(file + ": " + e.getMessage());
        }
      }
    } else {
      gather(src, out, t.shape(), t.stride(), w);
    }
    if (byteOrder == ByteOrder.BIG_ENDIAN && w > 1) {
      swap(out, w);
    }
    return out;
  }

  /** Copies a strided view into row-major order (an odometer over the sizes). */
  private static void gather(byte[] src, byte[] out, long[] shape, long[] stride, int w) {
    int dims = shape.length;
    long[] index = new long[dims];
    long at = 0;
    int o = 0;
    while (o < out.length) {
      System.arraycopy(src, (int) (at * w), out, o, w);
      o += w;
      for (int d = dims - 1; d >= 0; d--) {
        index[d]++;
        at += stride[d];
        if (index[d] < shape[d]) {
          break;
        }
        at -= stride[d] * shape[d];
        index[d] = 0;
      }
    }
  }

  private static void swap(byte[] b, int w) {
    for (int i = 0; i < b.length; i += w) {
      for (int j = 0; j < w / 2; j++) {
        byte x = b[i + j];
        b[i + j] = b[i + w - 1 - j];
        b[i + w - 1 - j] = x;
      }
    }
  }

  /** A floating-point tensor as float32 values in row-major order (float64 is rounded). */
  public float[] readFloats(PyTensor t) {
    if (!t.dtype().isFloatingPoint()) {
      throw new BadInputException(
          file + ": tensor " + t + " holds " + t.dtype().torchName() + ", expected floating point");
    }
    return toFloats(readBytes(t), t.dtype());
  }

  /** An integer or boolean tensor as longs in row-major order. */
  public long[] readLongs(PyTensor t) {
    if (t.dtype().isFloatingPoint()) {
      throw new BadInputException(
          file + ": tensor " + t + " holds " + t.dtype().torchName() + ", expected integers");
    }
    return toLongs(readBytes(t), t.dtype());
  }

  /** Little-endian elements of a floating-point {@code dtype} as float32. */
  public static float[] toFloats(byte[] le, DType dtype) {
    ByteBuffer b = ByteBuffer.wrap(le).order(ByteOrder.LITTLE_ENDIAN);
    float[] out = new float[le.length / dtype.byteWidth()];
    switch (dtype) {
      case FLOAT32 -> b.asFloatBuffer().get(out);
      case FLOAT64 -> {
        for (int i = 0; i < out.length; i++) {
          out[i] = (float) b.getDouble(8 * i);
        }
      }
      case FLOAT16 -> {
        for (int i = 0; i < out.length; i++) {
          out[i] = halfToFloat(b.getShort(2 * i));
        }
      }
      case BFLOAT16 -> {
        for (int i = 0; i < out.length; i++) {
          out[i] = Float.intBitsToFloat((b.getShort(2 * i) & 0xFFFF) << 16);
        }
      }
      default -> throw new IllegalArgumentException(dtype + " is not floating point");
    }
    return out;
  }

  /** Little-endian elements of an integer or boolean {@code dtype} as longs. */
  public static long[] toLongs(byte[] le, DType dtype) {
    ByteBuffer b = ByteBuffer.wrap(le).order(ByteOrder.LITTLE_ENDIAN);
    long[] out = new long[le.length / dtype.byteWidth()];
    for (int i = 0; i < out.length; i++) {
      out[i] =
          switch (dtype) {
            case INT64 -> b.getLong(8 * i);
            case INT32 -> b.getInt(4 * i);
            case INT16 -> b.getShort(2 * i);
            case INT8 -> b.get(i);
            case UINT8, BOOL -> b.get(i) & 0xFF;
            default -> throw new IllegalArgumentException(dtype + " is not an integer type");
          };
    }
    return out;
  }

  /** IEEE 754 binary16 to float (Java 17 has no Float.float16ToFloat). */
  static float halfToFloat(short bits) {
    int h = bits & 0xFFFF;
    int sign = h >>> 15;
    int exp = (h >>> 10) & 0x1F;
    int mant = h & 0x3FF;
    float v;
    if (exp == 0) {
      v = mant * 0x1p-24f; // zero and subnormals: exact
    } else if (exp == 31) {
      v = mant == 0 ? Float.POSITIVE_INFINITY : Float.NaN;
    } else {
      v = Float.intBitsToFloat((exp - 15 + 127) << 23 | mant << 13);
    }
    return sign == 1 ? -v : v;
  }
}
