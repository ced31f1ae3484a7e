package dev.jdino.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jdino.io.AtomicFiles;
import dev.jdino.io.BadInputException;
import dev.jdino.io.Json;
import dev.jdino.io.Safetensors;
import dev.jdino.model.ParameterLayout.Group;
import dev.jdino.model.ParameterLayout.Spec;
import dev.jdino.model.ParameterSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A full training checkpoint: one safetensors file with the student ({@code student.*}), the
 * teacher ({@code teacher.*}), the optimiser moments ({@code optimizer.exp_avg.*}, {@code
 * optimizer.exp_avg_sq.*}) and the centre ({@code dino_loss.center}), under the official
 * parameter names ({@code backbone.blocks.0.attn.qkv.weight}, ...). Its description (epoch, step,
 * configuration, optimiser step counts) is stored in the file's {@code __metadata__} so the file
 * is self-consistent under an atomic rename, and repeated in a JSON sidecar for people.
 */
public final class Checkpoint {
  public static final String FORMAT = "jdino-dino-checkpoint";
  public static final int VERSION = 1;
  public static final String FILE = "checkpoint.safetensors";

  private Checkpoint() {}

  /** Where training stands, saved alongside the tensors. */
  public record State(
      int epoch,
      int batchInEpoch,
      long globalStep,
      DinoConfig config,
      String data,
      Map<Group, Long> optimizerSteps,
      double elapsedSeconds,
      float lastLoss) {

    /** True if the run has finished every epoch. */
    public boolean finished() {
      return epoch >= config.train().epochs() && batchInEpoch == 0;
    }
  }

  /** Writes {@code file} (and {@code file}'s .json sidecar) atomically. */
  public static void save(
      Path file, State state, ParameterSet student, ParameterSet teacher, AdamW opt, DinoLoss loss)
      throws IOException {
    ObjectNode meta = describe(state);
    try (NDScope scope = new NDScope()) {
      Map<String, NDArray> t = new LinkedHashMap<>();
      student.named().forEach((n, a) -> t.put("student." + n, a));
      teacher.named().forEach((n, a) -> t.put("teacher." + n, a));
      for (Spec s : student.specs()) {
        t.put("optimizer.exp_avg." + s.name(), ParameterSet.viewOf(opt.expAvg(), s));
      }
      for (Spec s : student.specs()) {
        t.put("optimizer.exp_avg_sq." + s.name(), ParameterSet.viewOf(opt.expAvgSq(), s));
      }
      t.put("dino_loss.center", loss.center());
      Safetensors.write(file, t, Map.of("format", FORMAT, "jdino", Json.compact(meta)));
    }
    AtomicFiles.writeString(sidecar(file), Json.pretty(meta) + "\n");
  }

  static ObjectNode describe(State s) {
    ObjectNode meta = Json.object();
    meta.put("format", FORMAT);
    meta.put("version", VERSION);
    meta.put("epoch", s.epoch());
    meta.put("batch_in_epoch", s.batchInEpoch());
    meta.put("global_step", s.globalStep());
    meta.put("data", s.data());
    meta.put("elapsed_s", s.elapsedSeconds());
    meta.put("last_loss", s.lastLoss());
    ObjectNode steps = meta.putObject("optimizer_steps");
    s.optimizerSteps().forEach((g, n) -> steps.put(g.name(), n));
    meta.set("config", s.config().toJson());
    return meta;
  }

  public static Path sidecar(Path file) {
    String name = file.getFileName().toString().replaceFirst("\\.safetensors$", "");
    return file.resolveSibling(name + ".json");
  }

  /** Opens and validates a checkpoint; a corrupt or foreign file is a {@link BadInputException}. */
  public static Loaded open(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new BadInputException(file + ": checkpoint not found");
    }
    Safetensors st = Safetensors.open(file);
    String raw = st.metadata().get("jdino");
    if (!FORMAT.equals(st.metadata().get("format")) || raw == null) {
      throw new BadInputException(file + ": not a jdino training checkpoint (no jdino metadata)");
    }
    JsonNode m;
    try {
      m = Json.parse(raw);
    } catch (IOException e) {
      throw new BadInputException(file + ": checkpoint metadata is not valid JSON");
    }
    if (m.path("version").asInt() != VERSION) {
      throw new BadInputException(
          file + ": checkpoint format version " + m.path("version").asText() + ", expected " + VERSION);
    }
    Map<Group, Long> steps = new EnumMap<>(Group.class);
    m.path("optimizer_steps").fields().forEachRemaining(e -> steps.put(Group.valueOf(e.getKey()), e.getValue().asLong()));
    State state =
        new State(
            m.path("epoch").asInt(),
            m.path("batch_in_epoch").asInt(),
            m.path("global_step").asLong(),
            DinoConfig.fromJson(m.path("config")),
            m.path("data").asText(),
            steps,
            m.path("elapsed_s").asDouble(),
            (float) m.path("last_loss").asDouble());
    return new Loaded(file, st, state);
  }

  /** An opened checkpoint: its description, and its tensors read on demand. */
  public record Loaded(Path file, Safetensors tensors, State state) {
    public float[] values(dev.jdino.model.ParameterLayout layout, String prefix) {
      return layout.valuesFrom(tensors, prefix);
    }
  }
}
