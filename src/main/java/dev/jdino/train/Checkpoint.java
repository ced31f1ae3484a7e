package dev.jdino.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.jdino.io.AtomicFiles;
import dev.jdino.io.BadInputException;
import dev.jdino.io.ConfigException;
import dev.jdino.io.Json;
import dev.jdino.io.Safetensors;
import dev.jdino.model.ParameterLayout;
import dev.jdino.model.ParameterLayout.Group;
import dev.jdino.model.ParameterLayout.Spec;
import dev.jdino.model.ParameterSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A full training checkpoint, the counterpart of the official {@code checkpoint.pth}: one
 * safetensors file with the student ({@code student.*}), the teacher ({@code teacher.*}), the
 * optimiser moments ({@code optimizer.exp_avg.*}, {@code optimizer.exp_avg_sq.*}) and the centre
 * ({@code dino_loss.center}), under the official parameter names ({@code
 * backbone.blocks.0.attn.qkv.weight}, ...). Its {@link State} is stored in the file's {@code
 * __metadata__}, so the file stays self-consistent under an atomic rename, and repeated in a JSON
 * sidecar for people.
 */
public final class Checkpoint {
  public static final String FORMAT = "jdino-dino-checkpoint";
  public static final String FILE = "checkpoint.safetensors";

  private Checkpoint() {}

  /**
   * Where training stands, saved alongside the tensors (written and read by Jackson).
   *
   * @param images the number of images the run trains on, the size its epochs are counted in; null
   *     in checkpoints written before it was recorded
   * @param config the run's configuration; version-1 files (jdino 0.1) are migrated on reading
   */
  public record State(
      String format,
      @JsonProperty("epoch") int epoch,
      @JsonProperty("batch_in_epoch") int batchInEpoch,
      @JsonProperty("global_step") long globalStep,
      String data,
      @JsonProperty("images") Integer images,
      @JsonProperty("elapsed_s") double elapsedSeconds,
      @JsonProperty("last_loss") float lastLoss,
      @JsonProperty("optimizer_steps") Map<Group, Long> optimizerSteps,
      @JsonProperty("config") JsonNode configJson) {

    public State(
        Position p,
        DinoConfig config,
        String data,
        int images,
        Map<Group, Long> optimizerSteps,
        double elapsedSeconds,
        float lastLoss) {
      this(
          FORMAT,
          p.epoch(),
          p.batchInEpoch(),
          p.globalStep(),
          data,
          images,
          elapsedSeconds,
          lastLoss,
          optimizerSteps,
          config.toJson());
    }

    public Position position() {
      return new Position(epoch, batchInEpoch, globalStep);
    }

    public DinoConfig config() {
      return DinoConfig.fromJson(configJson);
    }

    /** True if the run has done every step of {@code stepsPerEpoch}-step epochs. */
    public boolean finished(int stepsPerEpoch) {
      return globalStep >= config().train().totalSteps(stepsPerEpoch);
    }
  }

  /** Writes {@code file} (and {@code file}'s .json sidecar) atomically. */
  public static void save(
      Path file, State state, ParameterSet student, ParameterSet teacher, AdamW opt, DinoLoss loss)
      throws IOException {
    save(file, state, student, teacher, opt, loss, Map.of());
  }

  /**
   * As above, with {@code extra} entries in the file's metadata beside the state (the world size of
   * a data-parallel run, {@link DataParallel#WORLD_SIZE_KEY}); none: the file is as above.
   */
  public static void save(
      Path file,
      State state,
      ParameterSet student,
      ParameterSet teacher,
      AdamW opt,
      DinoLoss loss,
      Map<String, String> extra)
      throws IOException {
    String meta = Json.compact(state);
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
      Map<String, String> metadata = Map.of("format", FORMAT, "jdino", meta);
      if (!extra.isEmpty()) {
        metadata = new LinkedHashMap<>(metadata);
        metadata.putAll(extra);
      }
      Safetensors.write(file, t, metadata);
    }
    AtomicFiles.writeString(sidecar(file), Json.pretty(state) + "\n");
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
    State state;
    try {
      state = Json.MAPPER.readValue(raw, State.class);
      state.config();
    } catch (JsonProcessingException e) {
      // Jackson's full message adds a second line ("at [Source: ...]") that names nothing a user
      // can act on.
      throw notAState(file, Json.firstLine(e.getOriginalMessage()));
    } catch (IOException | ConfigException | BadInputException e) {
      // The configuration inside does not hold: said with the file it came from.
      throw notAState(file, Json.firstLine(e.getMessage()));
    }
    return new Loaded(file, st, state);
  }

  private static BadInputException notAState(Path file, String why) {
    return new BadInputException(
        file + ": checkpoint metadata is not a jdino training state (" + why + ")");
  }

  /** An opened checkpoint: its description, and its tensors read on demand. */
  public record Loaded(Path file, Safetensors tensors, State state) {
    public float[] values(ParameterLayout layout, String prefix) {
      return layout.valuesFrom(tensors, prefix);
    }
  }
}
