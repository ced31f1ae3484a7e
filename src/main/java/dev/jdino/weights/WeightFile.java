package dev.jdino.weights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jdino.io.BadInputException;
import dev.jdino.io.Json;
import dev.jdino.io.Safetensors;
import dev.jdino.io.pth.DType;
import dev.jdino.io.pth.PthFile;
import dev.jdino.io.pth.PyDict;
import dev.jdino.io.pth.PyNamespace;
import dev.jdino.io.pth.PyTensor;
import dev.jdino.io.pth.PyTuple;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The named tensors of a weight file, whatever its format: a PyTorch {@code .pth} (nested dicts
 * flattened to dotted names, as {@code student.module.backbone.cls_token}) or a safetensors file
 * (names as stored). The rest of the file (epoch, the official {@code args}, jdino's metadata) is
 * {@link #data()}, plain JSON. Tensor data is read on demand.
 *
 * <p>For {@code .pth} files {@link #structure()} also records the exact nesting (dicts,
 * OrderedDicts, tuples, namespaces, with each tensor's flat name), so that a conversion to
 * safetensors and back rebuilds the same object.
 */
public final class WeightFile {
  /** Deeper than any checkpoint; cycles in a hostile pickle's memo end here too. */
  static final int MAX_DEPTH = 32;

  /**
   * Values visited while flattening. A pickle can share one object many times (its memo), so a
   * chain of lists that each hold the next one twice would take 2^depth steps to walk; a real
   * checkpoint visits each of its values once.
   */
  static final long MAX_VISITS = 5_000_000;

  /** Metadata key of a safetensors file converted from .pth: the original nesting. */
  public static final String STRUCTURE_KEY = "pth_structure";

  public enum Format {
    PTH("PyTorch checkpoint (torch.save zip)"),
    SAFETENSORS("safetensors");

    private final String description;

    Format(String description) {
      this.description = description;
    }

    public String description() {
      return description;
    }
  }

  /** One tensor: its flat name, element type and shape. */
  public record Entry(String name, DType dtype, long[] shape) {
    public Entry {
      shape = shape.clone();
    }

    @Override
    public long[] shape() {
      return shape.clone();
    }

    public long numel() {
      return PyTensor.numel(shape);
    }

    @Override
    public String toString() {
      return name + " " + dtype.torchName() + Arrays.toString(shape);
    }
  }

  private final Path file;
  private final long size;
  private final Format format;
  private final Map<String, Entry> tensors;
  private final JsonNode data;
  private final JsonNode structure;
  private final PthFile pth;
  private final Map<String, PyTensor> pthTensors;
  private final Safetensors safetensors;
  private final long dataStart;

  private WeightFile(
      Path file,
      Format format,
      Map<String, Entry> tensors,
      JsonNode data,
      JsonNode structure,
      PthFile pth,
      Map<String, PyTensor> pthTensors,
      Safetensors safetensors,
      long dataStart) {
    this.file = file;
    this.size = sizeOf(file);
    this.format = format;
    this.tensors = Collections.unmodifiableMap(tensors);
    this.data = data;
    this.structure = structure;
    this.pth = pth;
    this.pthTensors = pthTensors;
    this.safetensors = safetensors;
    this.dataStart = dataStart;
  }

  /**
   * Opens a {@code .pth} or safetensors file, telling them apart by content; anything else is a
   * {@link BadInputException} saying what the file is and what was expected.
   */
  public static WeightFile open(Path file) {
    if (Files.isDirectory(file)) {
      throw new BadInputException(file + ": a directory, expected a .pth or safetensors file");
    }
    if (!Files.isRegularFile(file)) {
      throw new BadInputException(file + ": file not found");
    }
    if (Safetensors.looksLike(file)) {
      return openSafetensors(file);
    }
    PthFile.Kind kind = PthFile.sniff(file);
    if (kind == PthFile.Kind.OTHER) {
      throw new BadInputException(
          file
              + ": not a checkpoint (expected a PyTorch .pth written by torch.save or a"
              + " safetensors file)");
    }
    return openPth(PthFile.open(file));
  }

  // ------------------------------------------------------------------------ .pth

  private static WeightFile openPth(PthFile pth) {
    Flattener f = new Flattener(pth.file());
    JsonNode data = f.walk(pth.root(), "", 0);
    JsonNode structure = f.skeleton(pth.root(), "", 0);
    return new WeightFile(
        pth.file(),
        Format.PTH,
        f.entries,
        data == null ? Json.object() : data,
        structure,
        pth,
        f.refs,
        null,
        0);
  }

  /** Flattens the unpickled tree: tensors to dotted names, everything else to JSON. */
  private static final class Flattener {
    final Path file;
    final Map<String, Entry> entries = new LinkedHashMap<>();
    final Map<String, PyTensor> refs = new LinkedHashMap<>();
    private final JsonNodeFactory json = JsonNodeFactory.instance;
    private long visits;

    Flattener(Path file) {
      this.file = file;
    }

    private void visit() {
      if (++visits > MAX_VISITS) {
        throw new BadInputException(
            file
                + ": its pickle shares values so often that reading them would not end (more"
                + " than "
                + MAX_VISITS
                + " visits); not a checkpoint");
      }
    }

    /** The non-tensor data under {@code o}, or null when {@code o} holds only tensors. */
    JsonNode walk(Object o, String path, int depth) {
      visit();
      if (depth > MAX_DEPTH) {
        throw new BadInputException(
            file
                + ": nested deeper than "
                + MAX_DEPTH
                + " levels at "
                + shown(path)
                + " (not a checkpoint)");
      }
      if (o instanceof PyTensor t) {
        String name = path.isEmpty() ? "tensor" : path;
        if (entries.containsKey(name)) {
          throw new BadInputException(file + ": two tensors have the name " + name);
        }
        entries.put(name, new Entry(name, t.dtype(), t.shape()));
        refs.put(name, t);
        return null;
      }
      if (o instanceof PyDict || o instanceof PyNamespace) {
        Map<?, ?> m = o instanceof PyDict d ? d : ((PyNamespace) o).fields();
        ObjectNode out = json.objectNode();
        boolean hadTensors = false;
        for (Map.Entry<?, ?> e : m.entrySet()) {
          String key = keyName(e.getKey(), path);
          JsonNode child = walk(e.getValue(), join(path, key), depth + 1);
          if (child == null) {
            hadTensors = true;
          } else {
            out.set(key, child);
          }
        }
        return hadTensors && out.isEmpty() ? null : out;
      }
      if (o instanceof List<?> || o instanceof PyTuple) {
        List<?> l = o instanceof PyTuple t ? t.items() : (List<?>) o;
        ArrayNode out = json.arrayNode();
        for (int i = 0; i < l.size(); i++) {
          JsonNode child = walk(l.get(i), join(path, Integer.toString(i)), depth + 1);
          if (child == null) {
            out.add("tensor");
          } else {
            out.add(child);
          }
        }
        return out;
      }
      return scalar(o);
    }

    private JsonNode scalar(Object o) {
      if (o == null) {
        return json.nullNode();
      }
      if (o instanceof String s) {
        return json.textNode(s);
      }
      if (o instanceof Long l) {
        return json.numberNode(l);
      }
      if (o instanceof BigInteger b) {
        return json.numberNode(b);
      }
      if (o instanceof Double d) {
        return Double.isFinite(d) ? json.numberNode(d) : json.textNode(d.toString());
      }
      if (o instanceof Boolean b) {
        return json.booleanNode(b);
      }
      if (o instanceof byte[] b) {
        return json.textNode("<" + b.length + " bytes>");
      }
      throw new BadInputException(file + ": holds an unexpected " + o.getClass().getSimpleName());
    }

    /** The exact nesting, each tensor replaced by {"$tensor": its flat name}. */
    JsonNode skeleton(Object o, String path, int depth) {
      visit();
      if (o instanceof PyTensor) {
        return json.objectNode().put("$tensor", path.isEmpty() ? "tensor" : path);
      }
      if (o instanceof PyDict || o instanceof PyNamespace) {
        Map<?, ?> m = o instanceof PyDict d ? d : ((PyNamespace) o).fields();
        ArrayNode items = json.arrayNode();
        for (Map.Entry<?, ?> e : m.entrySet()) {
          String key = keyName(e.getKey(), path);
          items.add(
              json.arrayNode()
                  .add(skeleton(e.getKey(), "", depth + 1))
                  .add(skeleton(e.getValue(), join(path, key), depth + 1)));
        }
        ObjectNode n = json.objectNode();
        if (o instanceof PyNamespace) {
          n.set("$namespace", items);
        } else {
          n.set("$dict", items);
          n.put("$ordered", ((PyDict) o).ordered());
        }
        return n;
      }
      if (o instanceof PyTuple t) {
        ArrayNode items = json.arrayNode();
        for (int i = 0; i < t.size(); i++) {
          items.add(skeleton(t.get(i), join(path, Integer.toString(i)), depth + 1));
        }
        return json.objectNode().set("$tuple", items);
      }
      if (o instanceof List<?> l) {
        ArrayNode items = json.arrayNode();
        for (int i = 0; i < l.size(); i++) {
          items.add(skeleton(l.get(i), join(path, Integer.toString(i)), depth + 1));
        }
        return items;
      }
      if (o instanceof BigInteger b) {
        return json.objectNode().put("$int", b.toString());
      }
      if (o instanceof Double d && !Double.isFinite(d)) {
        return json.objectNode().put("$float", d.toString());
      }
      if (o instanceof byte[] b) {
        return json.objectNode().put("$bytes", Base64.getEncoder().encodeToString(b));
      }
      return scalar(o);
    }

    private String keyName(Object k, String path) {
      if (k instanceof String s) {
        return s;
      }
      if (k instanceof Long || k instanceof BigInteger || k instanceof Boolean || k == null) {
        return String.valueOf(k);
      }
      if (k instanceof Double d) {
        return d.toString();
      }
      throw new BadInputException(
          file + ": a dict key under " + shown(path) + " is a tuple; expected a string or number");
    }
  }

  static String join(String path, String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  private static String shown(String path) {
    return path.isEmpty()
        ? "the top level"
        : path.length() > 80 ? path.substring(0, 80) + "..." : path;
  }

  // ------------------------------------------------------------------------ safetensors

  private static WeightFile openSafetensors(Path file) {
    Safetensors st = Safetensors.open(file);
    long headerLen;
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      while (b.hasRemaining()) {
        if (ch.read(b, b.position()) < 0) {
          throw new BadInputException(file + ": truncated safetensors header");
        }
      }
      headerLen = b.getLong(0);
    } catch (IOException e) {
      throw new BadInputException(file + ": cannot read (" + e.getMessage() + ")");
    }
    Map<String, Entry> entries = new LinkedHashMap<>();
    for (Map.Entry<String, Safetensors.TensorInfo> e : st.tensors().entrySet()) {
      String dtype = e.getValue().dtype();
      DType t =
          DType.ofSafetensors(dtype)
              .orElseThrow(
                  () ->
                      new BadInputException(
                          file
                              + ": tensor "
                              + e.getKey()
                              + " has dtype "
                              + dtype
                              + ", which jdino does not read"));
      entries.put(e.getKey(), new Entry(e.getKey(), t, e.getValue().shape()));
    }
    ObjectNode data = Json.object();
    JsonNode structure = null;
    for (Map.Entry<String, String> m : st.metadata().entrySet()) {
      if (m.getKey().equals(STRUCTURE_KEY)) {
        structure = parse(file, m.getKey(), m.getValue());
        JsonNode restored = Skeletons.data(structure, entries.keySet());
        if (restored != null && restored.isObject()) {
          restored.fields().forEachRemaining(f -> data.set(f.getKey(), f.getValue()));
        }
      } else if (m.getKey().equals("jdino")) {
        data.set("jdino", parse(file, m.getKey(), m.getValue()));
      } else {
        data.put(m.getKey(), m.getValue());
      }
    }
    return new WeightFile(
        file, Format.SAFETENSORS, entries, data, structure, null, null, st, 8 + headerLen);
  }

  private static JsonNode parse(Path file, String key, String text) {
    try {
      return Json.parse(text);
    } catch (IOException e) {
      throw new BadInputException(file + ": metadata " + key + " is not valid JSON");
    }
  }

  // ------------------------------------------------------------------------ access

  public Path file() {
    return file;
  }

  /** The file's size in bytes when it was opened. */
  public long size() {
    return size;
  }

  /**
   * The bytes the named tensors hold together. Tensors may share storage (views), so this can
   * exceed {@link #size()}; for the parameters of one network it cannot unless they overlap, which
   * is how a small hostile file would describe a huge model.
   */
  public long bytesOf(Iterable<String> names) {
    long total = 0;
    for (String n : names) {
      Entry e = entry(n);
      total += e.numel() * e.dtype().byteWidth();
    }
    return total;
  }

  private static long sizeOf(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      throw new BadInputException(file + ": cannot read (" + e.getMessage() + ")");
    }
  }

  public Format format() {
    return format;
  }

  /** Every tensor by flat name, in file order. */
  public Map<String, Entry> tensors() {
    return tensors;
  }

  public boolean contains(String name) {
    return tensors.containsKey(name);
  }

  /**
   * What the file holds besides tensors, as JSON: for a {@code .pth} the saved object with its
   * tensors left out ({@code epoch}, {@code args}, {@code optimizer.param_groups}, ...); for
   * safetensors the header's metadata, with {@code jdino} parsed.
   */
  public JsonNode data() {
    return data;
  }

  /**
   * The nesting of a {@code .pth} (or of the {@code .pth} a safetensors file came from), or null.
   */
  public JsonNode structure() {
    return structure;
  }

  /** The open {@code .pth}, when this is one. */
  public PthFile pth() {
    return pth;
  }

  /** One tensor's elements, row-major, little-endian, in its own dtype. */
  public byte[] bytes(String name) {
    Entry e = entry(name);
    if (format == Format.PTH) {
      return pth.readBytes(pthTensors.get(name));
    }
    Safetensors.TensorInfo info = safetensors.tensors().get(name);
    long n = info.end() - info.begin();
    if (n > PyTensor.MAX_BYTES) {
      throw new BadInputException(file + ": tensor " + e + " is larger than jdino reads");
    }
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer b = ByteBuffer.allocate((int) n);
      while (b.hasRemaining()) {
        if (ch.read(b, dataStart + info.begin() + b.position()) < 0) {
          throw new BadInputException(file + ": ends inside tensor " + name + " (truncated?)");
        }
      }
      return b.array();
    } catch (IOException ex) {
      throw new BadInputException(
          file + ": cannot read tensor " + name + " (" + ex.getMessage() + ")");
    }
  }

  /** A floating-point tensor as float32 (float64 rounded, float16 and bfloat16 exact). */
  public float[] floats(String name) {
    Entry e = entry(name);
    if (!e.dtype().isFloatingPoint()) {
      throw new BadInputException(
          file
              + ": tensor "
              + name
              + " holds "
              + e.dtype().torchName()
              + ", expected floating point");
    }
    return PthFile.toFloats(bytes(name), e.dtype());
  }

  private Entry entry(String name) {
    Entry e = tensors.get(name);
    if (e == null) {
      throw new BadInputException(file + ": has no tensor named " + name);
    }
    return e;
  }
}
