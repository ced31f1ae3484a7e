package dev.jdino.io.pth;

import dev.jdino.io.AtomicFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * Writes what {@code torch.load} reads: the zip of {@code torch.save} with a protocol-2 pickle
 * ({@code archive/data.pkl}), one stored record per tensor ({@code archive/data/<n>}) aligned to 64
 * bytes as PyTorch aligns them, and the {@code byteorder} and {@code version} records. The pickle
 * uses only what {@link RestrictedUnpickler} accepts, which is also within what {@code
 * torch.load(..., weights_only=True)} accepts except for {@code argparse.Namespace} (and, in
 * PyTorch 1.13 only, floats: its weights-only loader lacks BINFLOAT; tools/check_pth_writer.py
 * checks both). The output is byte-for-byte determined by its input (no timestamps).
 *
 * <p>The object to write is a tree of {@link Map} (written as a dict, or an OrderedDict when it is
 * a {@link PyDict} marked ordered or every value is a tensor, as {@code state_dict()} returns),
 * {@link List}, {@link PyTuple}, {@link PyNamespace}, strings, integers ({@code Long} or {@code
 * BigInteger}), doubles, booleans, null, and {@link Tensor} leaves, whose data is fetched one at a
 * time while the zip is written.
 */
public final class PthWriter {
  private static final int ALIGNMENT = 64;
  private static final long ZIP32_LIMIT = 0xFFFFFFFFL - (1 << 20);

  /** The bytes of one tensor, asked for once, when its record is written. */
  @FunctionalInterface
  public interface Data {
    /** Row-major little-endian elements. */
    byte[] bytes() throws IOException;
  }

  /** A tensor leaf: contiguous, in row-major order. */
  public record Tensor(DType dtype, long[] shape, Data data) {
    public Tensor {
      if (dtype == null || shape == null || data == null) {
        throw new IllegalArgumentException("a tensor needs a dtype, a shape and data");
      }
      shape = shape.clone();
      long n = 1;
      for (long d : shape) {
        if (d < 0) {
          throw new IllegalArgumentException("negative size in " + Arrays.toString(shape));
        }
        n = Math.multiplyExact(n, d);
      }
      if (n * dtype.byteWidth() > PyTensor.MAX_BYTES) {
        throw new IllegalArgumentException("tensor of " + n + " elements is too large");
      }
    }

    public long numel() {
      return PyTensor.numel(shape);
    }

    @Override
    public long[] shape() {
      return shape.clone();
    }
  }

  private PthWriter() {}

  /** Writes {@code root} to {@code file} atomically. */
  public static void write(Path file, Object root) throws IOException {
    Pickler p = new Pickler();
    p.pickle(root);
    byte[] pickle = p.finish();
    AtomicFiles.write(file, out -> writeZip(out, pickle, p.tensors));
  }

  /** The pickle of {@code root} alone (for tests that inspect it). */
  static byte[] pickle(Object root) {
    Pickler p = new Pickler();
    p.pickle(root);
    return p.finish();
  }

  // ------------------------------------------------------------------------ pickle

  private static final class Pickler {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final List<Tensor> tensors = new ArrayList<>();
    private int depth;

    Pickler() {
      out.write(0x80);
      out.write(2);
    }

    byte[] finish() {
      out.write('.');
      return out.toByteArray();
    }

    void pickle(Object o) {
      if (++depth > 100) {
        throw new IllegalArgumentException("object nested deeper than 100 levels");
      }
      if (o == null) {
        out.write('N');
      } else if (o instanceof Boolean b) {
        out.write(b ? 0x88 : 0x89);
      } else if (o instanceof Long || o instanceof Integer) {
        integer(((Number) o).longValue());
      } else if (o instanceof BigInteger b) {
        long1(b);
      } else if (o instanceof Double d) {
        out.write('G');
        out.writeBytes(ByteBuffer.allocate(8).putDouble(d).array());
      } else if (o instanceof String s) {
        string(s);
      } else if (o instanceof Tensor t) {
        tensor(t);
      } else if (o instanceof PyTuple t) {
        tuple(t.items());
      } else if (o instanceof List<?> l) {
        out.write(']');
        if (!l.isEmpty()) {
          out.write('(');
          for (Object v : l) {
            pickle(v);
          }
          out.write('e');
        }
      } else if (o instanceof PyNamespace ns) {
        global("argparse", "Namespace");
        out.write(')');
        out.write(0x81); // NEWOBJ
        dictItems(ns.fields());
        out.write('b'); // BUILD
      } else if (o instanceof Map<?, ?> m) {
        if (ordered(m)) {
          global("collections", "OrderedDict");
          out.write(')');
          out.write('R');
          if (!m.isEmpty()) {
            items(m);
          }
        } else {
          dictItems(m);
        }
      } else {
        throw new IllegalArgumentException("cannot pickle a " + o.getClass().getSimpleName());
      }
      depth--;
    }

    private static boolean ordered(Map<?, ?> m) {
      if (m instanceof PyDict d) {
        return d.ordered();
      }
      return !m.isEmpty() && m.values().stream().allMatch(v -> v instanceof Tensor);
    }

    private void dictItems(Map<?, ?> m) {
      out.write('}');
      if (!m.isEmpty()) {
        items(m);
      }
    }

    private void items(Map<?, ?> m) {
      out.write('(');
      for (Map.Entry<?, ?> e : m.entrySet()) {
        pickle(e.getKey());
        pickle(e.getValue());
      }
      out.write('u');
    }

    private void tuple(List<?> items) {
      switch (items.size()) {
        case 0 -> out.write(')');
        case 1, 2, 3 -> {
          for (Object v : items) {
            pickle(v);
          }
          out.write(0x84 + items.size()); // TUPLE1..TUPLE3
        }
        default -> {
          out.write('(');
          for (Object v : items) {
            pickle(v);
          }
          out.write('t');
        }
      }
    }

    /**
     * {@code _rebuild_tensor_v2((storage pid), 0, size, stride, False, OrderedDict())}, the
     * reduction torch.Tensor pickles itself with (torch/_tensor.py, {@code _reduce_ex_internal}).
     */
    private void tensor(Tensor t) {
      String key = Integer.toString(tensors.size());
      tensors.add(t);
      long[] shape = t.shape();
      long[] stride = new long[shape.length];
      long s = 1;
      for (int i = shape.length - 1; i >= 0; i--) {
        stride[i] = s;
        s *= shape[i];
      }
      global("torch._utils", "_rebuild_tensor_v2");
      out.write('(');
      out.write('(');
      string("storage");
      global("torch", t.dtype().storageClass());
      string(key);
      string("cpu");
      integer(t.numel());
      out.write('t');
      out.write('Q'); // BINPERSID
      integer(0);
      tuple(boxed(shape));
      tuple(boxed(stride));
      out.write(0x89); // requires_grad=False
      global("collections", "OrderedDict");
      out.write(')');
      out.write('R');
      out.write('t');
      out.write('R');
    }

    private static List<Object> boxed(long[] v) {
      List<Object> l = new ArrayList<>(v.length);
      for (long x : v) {
        l.add(x);
      }
      return l;
    }

    private void global(String module, String name) {
      out.write('c');
      out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    private void string(String s) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      out.write('X');
      out.writeBytes(
          ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length).array());
      out.writeBytes(b);
    }

    private void integer(long v) {
      if (v >= 0 && v < 256) {
        out.write('K');
        out.write((int) v);
      } else if (v >= 0 && v < 65536) {
        out.write('M');
        out.write((int) (v & 0xFF));
        out.write((int) (v >>> 8));
      } else if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
        out.write('J');
        out.writeBytes(
            ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array());
      } else {
        long1(BigInteger.valueOf(v));
      }
    }

    private void long1(BigInteger v) {
      byte[] be = v.toByteArray();
      if (be.length > 255) {
        throw new IllegalArgumentException("integer too large to pickle");
      }
      out.write(0x8A);
      out.write(be.length);
      for (int i = be.length - 1; i >= 0; i--) {
        out.write(be[i]);
      }
    }
  }

  // ------------------------------------------------------------------------ zip

  private static void writeZip(OutputStream os, byte[] pickle, List<Tensor> tensors)
      throws IOException {
    ZipOut zip = new ZipOut(os);
    zip.entry("archive/data.pkl", pickle);
    zip.entry("archive/byteorder", "little".getBytes(StandardCharsets.US_ASCII));
    for (int i = 0; i < tensors.size(); i++) {
      Tensor t = tensors.get(i);
      byte[] data = t.data().bytes();
      if (data.length != t.numel() * t.dtype().byteWidth()) {
        throw new IllegalArgumentException(
            "tensor "
                + i
                + " supplies "
                + data.length
                + " bytes for "
                + t.numel()
                + " "
                + t.dtype().torchName()
                + " elements");
      }
      zip.entry("archive/data/" + i, data);
    }
    zip.entry("archive/version", "3\n".getBytes(StandardCharsets.US_ASCII));
    zip.finish();
  }

  /** A minimal writer of stored zip entries whose data start on 64-byte boundaries. */
  private static final class ZipOut {
    private final OutputStream out;
    private final ByteArrayOutputStream directory = new ByteArrayOutputStream();
    private long offset;
    private int count;

    ZipOut(OutputStream out) {
      this.out = out;
    }

    void entry(String name, byte[] data) throws IOException {
      if (count >= 0xFFFF) {
        throw new IOException("more than 65,534 tensors: too many for a .pth without zip64");
      }
      byte[] n = name.getBytes(StandardCharsets.UTF_8);
      CRC32 crc = new CRC32();
      crc.update(data);
      long headerEnd = offset + 30 + n.length;
      int pad = (int) ((ALIGNMENT - (headerEnd + 4) % ALIGNMENT) % ALIGNMENT);
      int extra = 4 + pad; // one "FB" padding field, as PyTorch's writer uses
      if (offset + 30 + n.length + extra + data.length > ZIP32_LIMIT) {
        throw new IOException("more than 4 GiB: too large for a .pth without zip64");
      }
      ByteBuffer h = le(30 + n.length + extra);
      h.putInt(0x04034b50).putShort((short) 20).putShort((short) 0).putShort((short) 0);
      h.putShort((short) 0).putShort((short) 0);
      h.putInt((int) crc.getValue()).putInt(data.length).putInt(data.length);
      h.putShort((short) n.length).putShort((short) extra).put(n);
      h.putShort((short) 0x4246).putShort((short) pad).put(new byte[pad]);
      out.write(h.array());
      out.write(data);
      ByteBuffer c = le(46 + n.length);
      c.putInt(0x02014b50).putShort((short) 20).putShort((short) 20).putShort((short) 0);
      c.putShort((short) 0).putShort((short) 0).putShort((short) 0);
      c.putInt((int) crc.getValue()).putInt(data.length).putInt(data.length);
      c.putShort((short) n.length).putShort((short) 0).putShort((short) 0);
      c.putShort((short) 0).putShort((short) 0).putInt(0).putInt((int) offset).put(n);
      directory.writeBytes(c.array());
      offset += h.capacity() + data.length;
      count++;
    }

    void finish() throws IOException {
      byte[] cd = directory.toByteArray();
      out.write(cd);
      ByteBuffer e = le(22);
      e.putInt(0x06054b50).putShort((short) 0).putShort((short) 0);
      e.putShort((short) count).putShort((short) count);
      e.putInt(cd.length).putInt((int) offset).putShort((short) 0);
      out.write(e.array());
    }

    private static ByteBuffer le(int n) {
      return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    }
  }
}
