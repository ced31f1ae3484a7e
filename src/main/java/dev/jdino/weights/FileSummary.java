package dev.jdino.weights;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jdino.io.BadInputException;
import dev.jdino.io.pth.DType;
import dev.jdino.io.pth.PthFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * {@code jdino info}: what a weight file holds, in a few lines: its format, its layout, the ViT
 * (dimensions, heads and where they came from, parameter count), the DINO head, the other groups of
 * tensors, and the non-tensor data (epoch, args). Reads no tensor data. A file that opens but holds
 * no usable backbone is described all the same, with the reason.
 */
public final class FileSummary {
  private FileSummary() {}

  /**
   * @param key which network of a training checkpoint to describe ({@code teacher} or {@code
   *     student})
   * @param numHeads the number of heads if given ({@code --num-heads}), else null
   */
  public static List<String> lines(Path file, String key, Integer numHeads) {
    WeightFile f = WeightFile.open(file);
    List<String> out = new ArrayList<>();
    out.add("file: " + file);
    out.add("format: " + format(f));
    long values = 0;
    long bytes = 0;
    Map<DType, Integer> types = new EnumMap<>(DType.class);
    for (WeightFile.Entry e : f.tensors().values()) {
      values += e.numel();
      bytes += e.numel() * e.dtype().byteWidth();
      types.merge(e.dtype(), 1, Integer::sum);
    }
    List<String> typeList = new ArrayList<>();
    types.forEach((t, n) -> typeList.add(n + " " + t.torchName()));
    out.add(
        String.format(
            Locale.ROOT,
            "tensors: %d (%s values, %s; %s)",
            f.tensors().size(),
            count(values),
            size(bytes),
            String.join(", ", typeList)));
    out.add("groups: " + groups(f));
    CheckpointLayout layout;
    try {
      layout = CheckpointLayout.of(f, key);
    } catch (BadInputException e) {
      out.add("backbone: none usable: " + e.getMessage());
      data(f, out);
      return out;
    }
    out.add(
        "layout: "
            + layout.kind().description()
            + (layout.key() != null ? "; describing the " + layout.key() : ""));
    long params = 0;
    for (String name : layout.backbone().values()) {
      params += f.tensors().get(name).numel();
    }
    out.add(
        "backbone: "
            + (layout.backbonePrefix().isEmpty() ? "the top level" : layout.backbonePrefix() + "*")
            + ", "
            + layout.backbone().size()
            + " tensors, "
            + count(params)
            + " parameters");
    try {
      VitShape s = VitShape.of(f, layout);
      String heads;
      try {
        Heads h = Heads.resolve(f, s, numHeads);
        heads = h.numHeads() + " heads (" + h.source() + ")";
      } catch (BadInputException e) {
        heads = "heads unknown (the file does not record them: give --num-heads N)";
      }
      out.add(
          String.format(
              Locale.ROOT,
              "architecture: ViT, embed dim %d, depth %d, %s, patch %d, image %d px (%dx%d"
                  + " grid; other sizes are interpolated), MLP %d, qkv bias %s",
              s.embedDim(),
              s.depth(),
              heads,
              s.patchSize(),
              s.imgSize(),
              s.gridSize(),
              s.gridSize(),
              s.mlpHiddenDim(),
              s.qkvBias() ? "yes" : "no"));
    } catch (BadInputException e) {
      out.add("architecture: not usable: " + e.getMessage());
    }
    if (layout.hasHead()) {
      try {
        HeadShape h = HeadShape.of(f, layout);
        long hp = 0;
        for (String name : layout.head().values()) {
          hp += f.tensors().get(name).numel();
        }
        out.add(
            String.format(
                Locale.ROOT,
                "head: DINO head under %s*, %d-layer MLP %d -> %s%d, K = %d prototypes,"
                    + " norm_last_layer %s (%s), %s parameters",
                layout.headPrefix(),
                h.nlayers(),
                h.inDim(),
                h.nlayers() > 1 ? h.hiddenDim() + " -> " : "",
                h.bottleneckDim(),
                h.outDim(),
                h.normLastLayer(),
                h.normSource(),
                count(hp)));
      } catch (BadInputException e) {
        out.add("head: not usable: " + e.getMessage());
      }
    } else {
      out.add("head: none (a DINO network started from this file gets a fresh head)");
    }
    for (String note : layout.notes()) {
      out.add("note: " + note);
    }
    data(f, out);
    return out;
  }

  private static String format(WeightFile f) {
    if (f.format() == WeightFile.Format.PTH) {
      PthFile p = f.pth();
      return f.format().description()
          + ", archive "
          + p.archive()
          + "/, serialization version "
          + Optional.ofNullable(p.version()).orElse("unknown")
          + ", "
          + p.byteOrder().toString().toLowerCase(Locale.ROOT).replace("_", "-")
          + ", "
          + p.storages().size()
          + " storages";
    }
    return f.format().description()
        + (f.structure() != null ? " (converted from a .pth; the original nesting is kept)" : "");
  }

  /** Tensors grouped by their first name component ("student: 152 tensors, 21.7 M values"). */
  private static String groups(WeightFile f) {
    Map<String, long[]> g = new LinkedHashMap<>();
    for (WeightFile.Entry e : f.tensors().values()) {
      int dot = e.name().indexOf('.');
      String k = dot < 0 ? e.name() : e.name().substring(0, dot);
      long[] c = g.computeIfAbsent(k, x -> new long[2]);
      c[0]++;
      c[1] += e.numel();
    }
    if (g.size() > 12) {
      return g.size() + " top-level names";
    }
    List<String> parts = new ArrayList<>();
    g.forEach(
        (k, c) ->
            parts.add(
                k
                    + " ("
                    + c[0]
                    + (c[0] == 1 ? " tensor, " : " tensors, ")
                    + count(c[1])
                    + " values)"));
    return String.join(", ", parts);
  }

  /** The non-tensor data: scalars at the top level, then args. */
  private static void data(WeightFile f, List<String> out) {
    JsonNode d = f.data();
    List<String> scalars = new ArrayList<>();
    d.fields()
        .forEachRemaining(
            e -> {
              if (e.getValue().isValueNode() && !e.getKey().equals(WeightFile.STRUCTURE_KEY)) {
                scalars.add(e.getKey() + " " + e.getValue().asText());
              }
            });
    if (!scalars.isEmpty()) {
      out.add("data: " + String.join(", ", scalars));
    }
    JsonNode args = d.path("args");
    if (args.isObject() && args.size() > 0) {
      List<String> a = new ArrayList<>();
      args.fields().forEachRemaining(e -> a.add(e.getKey() + "=" + text(e.getValue())));
      out.add("args: " + String.join(", ", a));
    }
    JsonNode jdino = d.path("jdino");
    if (jdino.isObject()) {
      List<String> a = new ArrayList<>();
      for (String k : new String[] {"format", "epoch", "step", "global_step", "last_loss"}) {
        if (jdino.has(k)) {
          a.add(k + " " + text(jdino.get(k)));
        }
      }
      if (!a.isEmpty()) {
        out.add("jdino: " + String.join(", ", a));
      }
    }
  }

  private static String text(JsonNode n) {
    return n.isValueNode() ? n.asText() : n.toString();
  }

  static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  static String size(long bytes) {
    if (bytes < 1 << 20) {
      return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
    }
    return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024));
  }
}
