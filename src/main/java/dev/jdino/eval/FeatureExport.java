package dev.jdino.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jdino.data.ImageDataset;
import dev.jdino.engine.Torch;
import dev.jdino.io.AtomicFiles;
import dev.jdino.io.Json;
import dev.jdino.io.Safetensors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes features for use elsewhere ({@code jdino features}): a safetensors file with
 *
 * <ul>
 *   <li>{@code features}: (N, D) float32, one row per image that could be decoded;
 *   <li>{@code labels}: (N) int64 class indices, when the data is labelled;
 *   <li>{@code indices}: (N) int64, the dataset index of each row (rows skip undecodable images);
 * </ul>
 *
 * and a JSON description beside it ({@code <name>.json}, also in the header's metadata under {@code
 * jdino}). Labels are int64, as PyTorch's classification losses and samplers want them. The sidecar
 * alone also lists each row's image ({@code sources}: a path, or file#record): a dataset index
 * means nothing to a user who cannot see the order a folder was read in, and the header stays small
 * for data sets of a million images.
 */
public final class FeatureExport {
  public static final String FORMAT = "jdino-features";

  private FeatureExport() {}

  /**
   * Writes {@code f} to {@code file} and its description to the sidecar.
   *
   * @param description checkpoint, data, preprocessing... (the counts and shape are added)
   * @param data the images the rows come from, for the sidecar's {@code sources}
   * @return the sidecar JSON path
   */
  public static Path write(
      Path file,
      Features f,
      ObjectNode description,
      List<FeatureExtractor.Skipped> skipped,
      ImageDataset data)
      throws IOException {
    ObjectNode meta = description.deepCopy();
    meta.put("format", FORMAT);
    meta.put("images", f.count());
    meta.put("dim", f.dim());
    meta.put("labelled", f.hasLabels());
    meta.put(
        "tensors",
        "features (N, D) float32"
            + (f.hasLabels() ? "; labels (N) int64" : "")
            + "; indices (N) int64 (dataset index of each row; the sidecar's sources[i] names row"
            + " i's image)");
    FeatureExtractor.Skipped.putInto(meta, skipped);
    try (NDManager m = Torch.newManager()) {
      Map<String, NDArray> t = new LinkedHashMap<>();
      t.put("features", m.create(f.values(), new Shape(f.count(), f.dim())));
      if (f.hasLabels()) {
        t.put("labels", m.create(toLongs(f.labels()), new Shape(f.count())));
      }
      t.put("indices", m.create(toLongs(f.indices()), new Shape(f.count())));
      Safetensors.write(file, t, Map.of("format", FORMAT, "jdino", Json.compact(meta)));
    }
    ArrayNode sources = meta.putArray("sources");
    for (int index : f.indices()) {
      sources.add(data.describe(index));
    }
    Path sidecar = sidecar(file);
    AtomicFiles.writeString(sidecar, Json.pretty(meta) + "\n");
    return sidecar;
  }

  /** {@code x.safetensors} -> {@code x.json} (any other name: name + ".json"). */
  public static Path sidecar(Path file) {
    String name = file.getFileName().toString().replaceFirst("\\.safetensors$", "");
    return file.resolveSibling(name + ".json");
  }

  private static long[] toLongs(int[] a) {
    long[] f = new long[a.length];
    for (int i = 0; i < a.length; i++) {
      f[i] = a[i];
    }
    return f;
  }
}
