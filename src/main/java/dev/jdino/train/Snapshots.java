package dev.jdino.train;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jdino.io.Json;
import dev.jdino.io.Safetensors;
import dev.jdino.model.DinoNetwork;
import dev.jdino.model.ParameterSet;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Light teacher snapshots for animations: the teacher backbone only, under the released-weights
 * names (no prefix), in {@code snapshots/} of the run directory. The file name sorts by step.
 */
public final class Snapshots {
  public static final String DIR = "snapshots";
  public static final String FORMAT = "jdino-backbone";

  private Snapshots() {}

  /**
   * @param epoch completed epochs (with {@code batchInEpoch} steps into the next)
   */
  public static Path save(
      Path dir,
      DinoConfig config,
      ParameterSet teacher,
      int epoch,
      int batchInEpoch,
      int itersPerEpoch,
      long globalStep,
      float loss)
      throws IOException {
    Map<String, NDArray> t = new LinkedHashMap<>();
    teacher
        .named()
        .forEach(
            (n, a) -> {
              if (n.startsWith(DinoNetwork.BACKBONE)) {
                t.put(n.substring(DinoNetwork.BACKBONE.length()), a);
              }
            });
    ObjectNode meta = Json.object();
    meta.put("format", FORMAT);
    meta.put("epoch", epoch + batchInEpoch / (double) itersPerEpoch);
    meta.put("step", globalStep);
    if (Float.isFinite(loss)) {
      meta.put("loss", loss);
    }
    meta.set("vit", Json.MAPPER.valueToTree(config.vit()));
    meta.set("config", config.toJson());
    Path file = dir.resolve(String.format(Locale.ROOT, "teacher-step%08d.safetensors", globalStep));
    Safetensors.write(file, t, Map.of("format", FORMAT, "jdino", Json.compact(meta)));
    return file;
  }
}
