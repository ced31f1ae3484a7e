package dev.jdino.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The safetensors format (an 8-byte little-endian header length, a JSON header, raw tensor bytes):
 * readable from Python with {@code safetensors.torch.load_file}. Our own reader and writer rather
 * than DJL's {@code NDList.encode}, because checkpoints carry their description in the header's
 * {@code __metadata__}, which keeps one file self-consistent under an atomic rename, and because
 * reading must validate untrusted files and name what is wrong.
 */
public final class Safetensors {
  private static final long MAX_HEADER = 100L << 20;

  private final Path file;
  private final Map<String, TensorInfo> tensors;
  private final Map<String, String> metadata;
  private final long dataStart;

  /** Where a tensor lies in the file. */
  public record TensorInfo(String dtype, long[] shape, long begin, long end) {
    public Shape djlShape() {
      return new Shape(shape);
    }
  }

  private Safetensors(
      Path file, Map<String, TensorInfo> tensors, Map<String, String> metadata, long dataStart) {
    this.file = file;
    this.tensors = tensors;
    this.metadata = metadata;
    this.dataStart = dataStart;
  }

  /** Reads and validates the header of {@code file}; tensors are read on demand. */
  public static Safetensors open(Path file) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size < 8) {
        throw corrupt(file, "shorter than a safetensors header");
      }
      ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      readFully(ch, lenBuf, 0);
      long headerLen = lenBuf.getLong(0);
      if (headerLen <= 1 || headerLen > MAX_HEADER || 8 + headerLen > size) {
        throw corrupt(
            file, "header length " + headerLen + " does not fit a file of " + size + " bytes");
      }
      ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
      readFully(ch, hb, 8);
      JsonNode header;
      try {
        header = Json.parse(new String(hb.array(), StandardCharsets.UTF_8));
      } catch (IOException e) {
        throw corrupt(file, "header is not valid JSON");
      }
      if (!header.isObject()) {
        throw corrupt(file, "header is not a JSON object");
      }
      long dataStart = 8 + headerLen;
      long dataLen = size - dataStart;
      Map<String, TensorInfo> tensors = new LinkedHashMap<>();
      Map<String, String> metadata = new LinkedHashMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (e.getKey().equals("__metadata__")) {
          e.getValue()
              .fields()
              .forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
          continue;
        }
        TensorInfo info = parseInfo(file, e.getKey(), e.getValue());
        if (info.end() > dataLen) {
          throw corrupt(
              file, "tensor " + e.getKey() + " extends past the end of the file (truncated?)");
        }
        tensors.put(e.getKey(), info);
      }
      return new Safetensors(
          file,
          Collections.unmodifiableMap(tensors),
          Collections.unmodifiableMap(metadata),
          dataStart);
    } catch (NoSuchFileException e) {
      throw new BadInputException(file + ": file not found");
    } catch (IOException e) {
      throw new BadInputException(file + ": cannot read (" + e.getMessage() + ")");
    }
  }

  private static TensorInfo parseInfo(Path file, String name, JsonNode n) {
    JsonNode dtype = n.get("dtype");
    JsonNode shape = n.get("shape");
    JsonNode offsets = n.get("data_offsets");
    if (dtype == null
        || shape == null
        || offsets == null
        || !shape.isArray()
        || offsets.size() != 2) {
      throw corrupt(file, "entry " + name + " lacks dtype/shape/data_offsets");
    }
    long[] dims = new long[shape.size()];
    long count = 1;
    for (int i = 0; i < dims.length; i++) {
      dims[i] = shape.get(i).asLong(-1);
      if (dims[i] < 0) {
        throw corrupt(file, "entry " + name + " has a negative dimension");
      }
      count = Math.multiplyExact(count, dims[i]);
    }
    long begin = offsets.get(0).asLong(-1);
    long end = offsets.get(1).asLong(-1);
    int width = byteWidth(dtype.asText());
    if (width < 0) {
      throw corrupt(file, "entry " + name + " has unsupported dtype " + dtype.asText());
    }
    if (begin < 0 || end < begin || end - begin != count * width) {
      throw corrupt(file, "entry " + name + " has offsets that do not match its shape");
    }
    return new TensorInfo(dtype.asText(), dims, begin, end);
  }

  private static int byteWidth(String dtype) {
    return switch (dtype) {
      case "F64", "I64" -> 8;
      case "F32", "I32" -> 4;
      case "F16", "BF16", "I16" -> 2;
      case "U8", "I8", "BOOL" -> 1;
      default -> -1;
    };
  }

  private static BadInputException corrupt(Path file, String why) {
    return new BadInputException(file + ": not a valid safetensors file: " + why);
  }

  private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
    while (buf.hasRemaining()) {
      int n = ch.read(buf, pos + buf.position());
      if (n < 0) {
        throw new IOException("unexpected end of file");
      }
    }
  }

  public Path file() {
    return file;
  }

  public Map<String, TensorInfo> tensors() {
    return tensors;
  }

  public Map<String, String> metadata() {
    return metadata;
  }

  public boolean contains(String name) {
    return tensors.containsKey(name);
  }

  /** Reads one tensor into a new float32 array owned by {@code manager} (F32 or F64 on disk). */
  public NDArray load(NDManager manager, String name) {
    TensorInfo info = tensors.get(name);
    if (info == null) {
      throw new BadInputException(file + ": has no tensor named " + name);
    }
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      // A fresh direct buffer per tensor: DJL wraps direct buffers without copying, so the
      // buffer must outlive the file channel and belong to this array alone.
      ByteBuffer buf =
          ByteBuffer.allocateDirect(Math.toIntExact(info.end() - info.begin()))
              .order(ByteOrder.nativeOrder());
      readFully(ch, buf, dataStart + info.begin());
      buf.rewind();
      DataType type =
          switch (info.dtype()) {
            case "F32" -> DataType.FLOAT32;
            case "F64" -> DataType.FLOAT64;
            case "I64" -> DataType.INT64;
            case "I32" -> DataType.INT32;
            case "U8" -> DataType.UINT8;
            default ->
                throw new BadInputException(
                    file + ": tensor " + name + " has dtype " + info.dtype() + ", expected F32");
          };
      NDArray a = manager.create(buf, info.djlShape(), type);
      if (type == DataType.FLOAT64) {
        NDArray f = a.toType(DataType.FLOAT32, false);
        a.close();
        return f;
      }
      return a;
    } catch (IOException e) {
      throw new BadInputException(
          file + ": cannot read tensor " + name + " (" + e.getMessage() + ")");
    }
  }

  /** Reads a float32 tensor into a Java array (for small tensors and tests). */
  public float[] loadFloats(String name) {
    ByteBuffer buf = loadBytes(name, "F32");
    float[] out = new float[buf.remaining() / 4];
    buf.asFloatBuffer().get(out);
    return out;
  }

  /** Reads an int64 tensor into a Java array (labels and indices of exported features). */
  public long[] loadLongs(String name) {
    ByteBuffer buf = loadBytes(name, "I64");
    long[] out = new long[buf.remaining() / 8];
    buf.asLongBuffer().get(out);
    return out;
  }

  private ByteBuffer loadBytes(String name, String dtype) {
    TensorInfo info = tensors.get(name);
    if (info == null || !info.dtype().equals(dtype)) {
      throw new BadInputException(file + ": has no " + dtype + " tensor named " + name);
    }
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer buf =
          ByteBuffer.allocate(Math.toIntExact(info.end() - info.begin()))
              .order(ByteOrder.LITTLE_ENDIAN);
      readFully(ch, buf, dataStart + info.begin());
      buf.rewind();
      return buf;
    } catch (IOException e) {
      throw new BadInputException(
          file + ": cannot read tensor " + name + " (" + e.getMessage() + ")");
    }
  }

  /**
   * Writes {@code arrays} (float32 or int64, in map order) and {@code metadata} atomically to
   * {@code file}.
   */
  public static void write(Path file, Map<String, NDArray> arrays, Map<String, String> metadata)
      throws IOException {
    ObjectNode header = Json.MAPPER.createObjectNode();
    if (!metadata.isEmpty()) {
      ObjectNode meta = header.putObject("__metadata__");
      metadata.forEach(meta::put);
    }
    long offset = 0;
    for (Map.Entry<String, NDArray> e : arrays.entrySet()) {
      NDArray a = e.getValue();
      boolean int64 = a.getDataType() == DataType.INT64;
      if (a.getDataType() != DataType.FLOAT32 && !int64) {
        throw new IllegalArgumentException(
            e.getKey() + " is " + a.getDataType() + ", expected float32 or int64");
      }
      long bytes = a.size() * (int64 ? 8L : 4L);
      ObjectNode t = header.putObject(e.getKey());
      t.put("dtype", int64 ? "I64" : "F32");
      var shape = t.putArray("shape");
      for (long d : a.getShape().getShape()) {
        shape.add(d);
      }
      t.putArray("data_offsets").add(offset).add(offset + bytes);
      offset += bytes;
    }
    byte[] json = Json.compact(header).getBytes(StandardCharsets.UTF_8);
    // Pad the header with spaces so the data starts 8-byte aligned, as the format recommends.
    int padded = (json.length + 7) / 8 * 8;
    byte[] hdr = new byte[padded];
    Arrays.fill(hdr, (byte) ' ');
    System.arraycopy(json, 0, hdr, 0, json.length);
    AtomicFiles.write(
        file,
        out -> {
          ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, padded);
          out.write(len.array());
          out.write(hdr);
          for (NDArray a : arrays.values()) {
            writeLittleEndian(out, a);
          }
        });
  }

  private static void writeLittleEndian(OutputStream out, NDArray a) throws IOException {
    ByteBuffer bb = a.toByteBuffer();
    if (bb.order() != ByteOrder.LITTLE_ENDIAN) {
      if (a.getDataType() == DataType.INT64) {
        long[] l = a.toLongArray();
        bb = ByteBuffer.allocate(l.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        bb.asLongBuffer().put(l);
      } else {
        float[] f = a.toFloatArray();
        bb = ByteBuffer.allocate(f.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        bb.asFloatBuffer().put(f);
      }
    }
    byte[] chunk = new byte[1 << 16];
    bb.rewind();
    while (bb.hasRemaining()) {
      int n = Math.min(chunk.length, bb.remaining());
      bb.get(chunk, 0, n);
      out.write(chunk, 0, n);
    }
  }

  /** Reads the file whole, for callers that want every tensor. */
  public static Map<String, NDArray> loadAll(NDManager manager, Path file) {
    Safetensors st = open(file);
    Map<String, NDArray> out = new LinkedHashMap<>();
    for (String name : st.tensors().keySet()) {
      out.put(name, st.load(manager, name));
    }
    return out;
  }

  /** True if {@code file} starts like a safetensors file (used to tell formats apart). */
  public static boolean looksLike(Path file) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      if (ch.size() < 10) {
        return false;
      }
      ByteBuffer b = ByteBuffer.allocate(9).order(ByteOrder.LITTLE_ENDIAN);
      readFully(ch, b, 0);
      long len = b.getLong(0);
      return len > 1 && len + 8 <= ch.size() && b.get(8) == '{';
    } catch (IOException e) {
      return false;
    }
  }

  static boolean exists(Path p) {
    return Files.isRegularFile(p);
  }
}
