package dev.jdino.weights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jdino.io.AtomicFiles;
import dev.jdino.io.BadInputException;
import dev.jdino.io.Json;
import dev.jdino.io.pth.PthWriter;
import dev.jdino.io.pth.PyDict;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * {@code jdino convert}: between PyTorch {@code .pth} and safetensors, keeping tensor names,
 * element types and values.
 *
 * <ul>
 *   <li>{@code .pth} to safetensors: every tensor under its flat name ({@code
 *       teacher.backbone.cls_token}); the rest of the object (epoch, args, optimizer settings) and
 *       its exact nesting go into the header's metadata ({@value WeightFile#STRUCTURE_KEY}), so
 *       that converting back rebuilds the same object.
 *   <li>safetensors to {@code .pth}: a file converted from {@code .pth} gets its original object
 *       back; a jdino training checkpoint becomes the official full checkpoint's layout ({@code
 *       student} with DistributedDataParallel's {@code module.} prefix, {@code teacher}, {@code
 *       dino_loss}, {@code epoch}, and {@code args} with the architecture as a plain dict), which
 *       the official code's {@code --pretrained_weights ... --checkpoint_key teacher} and resume
 *       read; any other file becomes one flat state dict with the same names (what the official
 *       code's {@code load_pretrained_weights} reads).
 * </ul>
 */
public final class Conversion {
  private static final long MAX_HEADER = 100L << 20;

  private Conversion() {}

  /**
   * What was written.
   *
   * @param tensors number of tensors written
   * @param bytes size of the output file
   * @param notes what was left out or changed, one sentence each
   */
  public record Result(
      Path output, WeightFile.Format format, int tensors, long bytes, List<String> notes) {
    public Result {
      notes = List.copyOf(notes);
    }
  }

  /** The output format {@code out}'s name asks for. */
  public static WeightFile.Format formatOf(Path out) {
    String n = out.getFileName().toString().toLowerCase(Locale.ROOT);
    if (n.endsWith(".safetensors")) {
      return WeightFile.Format.SAFETENSORS;
    }
    if (n.endsWith(".pth") || n.endsWith(".pt") || n.endsWith(".bin")) {
      return WeightFile.Format.PTH;
    }
    throw new BadInputException(
        out + ": expected an output name ending in .safetensors, .pth or .pt");
  }

  /** Converts {@code in} to the format {@code out}'s extension names; writes atomically. */
  public static Result convert(Path in, Path out) throws IOException {
    WeightFile.Format to = formatOf(out);
    WeightFile f = WeightFile.open(in);
    if (f.format() == to) {
      throw new BadInputException(
          in + " is already a " + to.description() + " file; nothing to convert");
    }
    // Views of one storage are written out one by one; a file of overlapping views could
    // otherwise turn a few megabytes into terabytes. Real checkpoints stay far below this.
    long bytes = f.bytesOf(f.tensors().keySet());
    long limit = 4 * f.size() + (16L << 20);
    if (bytes > limit) {
      throw new BadInputException(
          in
              + ": its tensors add up to "
              + bytes
              + " bytes from a file of "
              + f.size()
              + " (views that share storage); converting would write more than "
              + limit);
    }
    List<String> notes = new ArrayList<>();
    int written =
        to == WeightFile.Format.SAFETENSORS ? toSafetensors(f, out) : toPth(f, out, notes, limit);
    return new Result(out, to, written, Files.size(out), notes);
  }

  // ------------------------------------------------------------------------ to safetensors

  private static int toSafetensors(WeightFile f, Path out) throws IOException {
    ObjectNode header = Json.object();
    ObjectNode meta = header.putObject("__metadata__");
    meta.put("format", "pt");
    meta.put("source", f.file().getFileName().toString());
    meta.put(WeightFile.STRUCTURE_KEY, Json.compact(f.structure()));
    long offset = 0;
    for (WeightFile.Entry e : f.tensors().values()) {
      long bytes = e.numel() * e.dtype().byteWidth();
      ObjectNode t = header.putObject(e.name());
      t.put("dtype", e.dtype().safetensorsName());
      var shape = t.putArray("shape");
      for (long d : e.shape()) {
        shape.add(d);
      }
      t.putArray("data_offsets").add(offset).add(offset + bytes);
      offset += bytes;
    }
    byte[] json = Json.compact(header).getBytes(StandardCharsets.UTF_8);
    int padded = (json.length + 7) / 8 * 8;
    if (padded > MAX_HEADER) {
      throw new BadInputException(
          f.file()
              + ": its description ("
              + padded
              + " bytes) is too large for a safetensors"
              + " header");
    }
    byte[] hdr = Arrays.copyOf(json, padded);
    Arrays.fill(hdr, json.length, padded, (byte) ' ');
    AtomicFiles.write(
        out,
        o -> {
          o.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
          o.write(hdr);
          for (String name : f.tensors().keySet()) {
            o.write(f.bytes(name));
          }
        });
    return f.tensors().size();
  }

  // ------------------------------------------------------------------------ to .pth

  private static int toPth(WeightFile f, Path out, List<String> notes, long limit)
      throws IOException {
    Object root;
    int[] count = {0};
    long[] bytes = {0};
    if (f.structure() != null) {
      try {
        root =
            Skeletons.tree(
                f.structure(),
                name -> {
                  count[0]++;
                  PthWriter.Tensor t = tensor(f, name);
                  // The structure is metadata anyone can write: naming one tensor a million
                  // times must not write it a million times.
                  bytes[0] += t.numel() * t.dtype().byteWidth();
                  if (bytes[0] > limit) {
                    throw new IllegalArgumentException(
                        "it names its tensors so often that converting would write more than "
                            + limit
                            + " bytes");
                  }
                  return t;
                });
      } catch (IllegalArgumentException e) {
        throw new BadInputException(
            f.file()
                + ": its "
                + WeightFile.STRUCTURE_KEY
                + " metadata is malformed ("
                + e.getMessage()
                + ")");
      }
    } else if ("jdino-dino-checkpoint".equals(f.data().path("format").asText())) {
      root = officialCheckpoint(f, notes, count);
    } else {
      PyDict d = new PyDict(true);
      for (String name : f.tensors().keySet()) {
        d.put(name, tensor(f, name));
        count[0]++;
      }
      root = d;
      if (f.data().size() > 0) {
        notes.add(
            "the safetensors header's metadata ("
                + String.join(", ", fieldNames(f.data()))
                + ") is not part of a state dict and was left out");
      }
    }
    PthWriter.write(out, root);
    return count[0];
  }

  private static PthWriter.Tensor tensor(WeightFile f, String name) {
    WeightFile.Entry e = f.tensors().get(name);
    if (e == null) {
      throw new IllegalArgumentException("it names a tensor " + name + " the file lacks");
    }
    return new PthWriter.Tensor(e.dtype(), e.shape(), () -> f.bytes(name));
  }

  /**
   * jdino's checkpoint in the official layout (main_dino.py's {@code save_dict}): the student as
   * DistributedDataParallel saves it ({@code module.} prefix), the teacher bare.
   */
  private static Object officialCheckpoint(WeightFile f, List<String> notes, int[] count) {
    PyDict root = new PyDict(false);
    PyDict student = new PyDict(true);
    PyDict teacher = new PyDict(true);
    PyDict loss = new PyDict(true);
    int moments = 0;
    for (String name : f.tensors().keySet()) {
      if (name.startsWith("student.")) {
        student.put("module." + name.substring("student.".length()), tensor(f, name));
      } else if (name.startsWith("teacher.")) {
        teacher.put(name.substring("teacher.".length()), tensor(f, name));
      } else if (name.startsWith("dino_loss.")) {
        loss.put(name.substring("dino_loss.".length()), tensor(f, name));
      } else {
        moments++;
        continue;
      }
      count[0]++;
    }
    root.put("student", student);
    root.put("teacher", teacher);
    root.put("dino_loss", loss);
    JsonNode meta = f.data().path("jdino");
    if (meta.path("epoch").isIntegralNumber()) {
      root.put("epoch", meta.get("epoch").asLong());
      if (meta.path("batch_in_epoch").asLong() > 0) {
        notes.add(
            "jdino was "
                + meta.get("batch_in_epoch").asLong()
                + " steps into epoch "
                + (meta.get("epoch").asLong() + 1)
                + "; the official code resumes at the start of"
                + " an epoch");
      }
    }
    if (moments > 0) {
      notes.add(
          moments
              + " optimizer tensors left out: the official optimizer state is indexed"
              + " by parameter group and order, which jdino does not reproduce (the official"
              + " code starts a fresh AdamW when it is absent)");
    }
    PyDict args = architectureArgs(meta.path("config"));
    if (args.isEmpty()) {
      notes.add("no args: the file's metadata does not record its architecture");
    } else {
      // A dict, not an argparse.Namespace: torch.load(weights_only=True), the default since
      // PyTorch 2.6, reads it, and the official code never reads args back.
      root.put("args", args);
    }
    return root;
  }

  /**
   * The architecture under main_dino.py's argument names where it has them ({@code patch_size},
   * {@code out_dim}, {@code norm_last_layer}, ...) and vision_transformer.py's constructor
   * arguments otherwise ({@code embed_dim}, {@code depth}, {@code num_heads}). Integers and
   * booleans only: the MLP ratio follows from the shapes, and torch 1.13's weights-only loader has
   * no float opcode.
   */
  private static PyDict architectureArgs(JsonNode config) {
    PyDict args = new PyDict(false);
    JsonNode vit = config.path("vit");
    JsonNode head = config.path("head");
    String[][] ints = {
      {"patchSize", "patch_size"},
      {"embedDim", "embed_dim"},
      {"depth", "depth"},
      {"numHeads", "num_heads"},
      {"imgSize", "img_size"}
    };
    copyIntegers(vit, ints, args);
    String[][] headInts = {
      {"outDim", "out_dim"},
      {"hiddenDim", "hidden_dim"},
      {"bottleneckDim", "bottleneck_dim"},
      {"nlayers", "nlayers"}
    };
    copyIntegers(head, headInts, args);
    if (head.path("normLastLayer").isBoolean()) {
      args.put("norm_last_layer", head.get("normLastLayer").asBoolean());
    }
    return args;
  }

  /** {@code to[name[1]] = from[name[0]]} for each pair whose value is an integer. */
  private static void copyIntegers(JsonNode from, String[][] names, PyDict to) {
    for (String[] f : names) {
      if (from.path(f[0]).isIntegralNumber()) {
        to.put(f[1], from.get(f[0]).asLong());
      }
    }
  }

  private static List<String> fieldNames(JsonNode n) {
    List<String> names = new ArrayList<>();
    n.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
