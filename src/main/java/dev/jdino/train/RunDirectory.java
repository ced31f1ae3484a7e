package dev.jdino.train;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jdino.io.BadInputException;
import dev.jdino.io.ConfigException;
import dev.jdino.io.OutputPaths;
import dev.jdino.model.Compute;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A run directory as a command opens it: a new run, or the run saved there, resumed. Resuming keeps
 * the saved configuration; settings given again must agree with it, except the number of epochs,
 * which may change (the schedules are then recomputed, as in the official code).
 *
 * @param dir the run directory
 * @param config what the run computes from here on
 * @param checkpoint the saved run to continue, or null for a new run
 * @param dataSpec the training data (the saved run's unless given)
 * @param note a line for the user, or empty (e.g. that the epochs changed)
 */
public record RunDirectory(
    Path dir, DinoConfig config, Checkpoint.Loaded checkpoint, String dataSpec, String note) {

  public boolean resuming() {
    return checkpoint != null;
  }

  /**
   * Opens {@code dir}.
   *
   * @param base the configuration asked for (a preset or the defaults), or null when none was
   *     named; ignored when resuming except that it must agree with the saved run
   * @param overrides settings given explicitly, by path
   * @param dataSpec the data asked for, or null
   * @throws ConfigException if a setting contradicts the saved run ({@code setting()} names it)
   */
  public static RunDirectory open(
      Path dir, DinoConfig base, Map<String, ?> overrides, String dataSpec) {
    OutputPaths.requireCreatable(dir, "--output-dir", true);
    Path file = dir.resolve(Checkpoint.FILE);
    if (!Files.exists(file)) {
      DinoConfig config = (base != null ? base : DinoConfig.defaults()).with(overrides);
      return new RunDirectory(dir, config, null, dataSpec, "");
    }
    Checkpoint.Loaded loaded = Checkpoint.open(file);
    DinoConfig saved = loaded.state().config();
    DinoConfig config = saved.with(overrides);
    double epochs = config.train().epochs();
    if (base != null) {
      // A default the recipe cut to fit the run's length (Recipes.capToFit) is the run's own: the
      // preset's longer value, named again to resume ("run the same command"), is no conflict.
      Map<String, Object> asked = new LinkedHashMap<>(overrides);
      JsonNode s = saved.toJson();
      JsonNode b = base.toJson();
      for (String cut : Recipes.CUT_TO_FIT) {
        String pointer = "/" + cut.replace('.', '/');
        if (!overrides.containsKey(cut) && s.at(pointer).asDouble() <= b.at(pointer).asDouble()) {
          asked.put(cut, s.at(pointer).numberValue());
        }
      }
      String differs = firstDifference(base.with(asked).withEpochs(epochs), config);
      if (differs != null) {
        throw new BaseConflict(
            differs,
            "the configuration asked for differs from the run in "
                + dir
                + " at "
                + differs
                + "; resume without it, or start a new run elsewhere");
      }
    }
    String differs = firstDifference(saved.withEpochs(epochs), config);
    if (differs != null) {
      throw new ConfigException(
          differs,
          "differs from the run in "
              + dir
              + " ("
              + at(saved.toJson(), differs)
              + "); resume with the same settings or start a new run"
              + " elsewhere");
    }
    String note = "";
    if (epochs != saved.train().epochs()) {
      note =
          String.format(
              Locale.ROOT,
              "the run's length changed from %s to %s epochs: the"
                  + " schedules are recomputed for %s epochs",
              TrainConfig.fmt(saved.train().epochs()),
              TrainConfig.fmt(epochs),
              TrainConfig.fmt(epochs));
      if (epochs > saved.train().epochs()) {
        // A recipe fitted to a short run (a warm-up cut to it, a low teacher momentum) stays, and
        // a much longer run on it can collapse: say what stays.
        note +=
            String.format(
                Locale.ROOT,
                "; the rest stays as the run began (lr warm-up %s epochs, teacher momentum %s):"
                    + " for settings sized to %s epochs, start a new run",
                TrainConfig.fmt(saved.train().warmupEpochs()),
                TrainConfig.fmt(saved.train().momentumTeacher()),
                TrainConfig.fmt(epochs));
      }
    }
    return new RunDirectory(
        dir, config, loaded, dataSpec != null ? dataSpec : loaded.state().data(), note);
  }

  /**
   * What resuming on {@code spec}, of {@code images} images, means for the saved run: refused when
   * the number of images changed, since the saved position counts epochs of the old size (20 images
   * trained in 2 steps of 8 would read, on 10 images, as 2 finished epochs); a note when the data
   * is named differently but has the run's size (a moved folder, say); else empty. A fresh run, or
   * a checkpoint older than the record of its size, is not checked for size.
   *
   * @throws BadInputException if the run was trained on another number of images
   */
  public String checkData(String spec, int images) {
    if (checkpoint == null) {
      return "";
    }
    Checkpoint.State s = checkpoint.state();
    if (s.images() != null && s.images() != images) {
      throw new BadInputException(
          String.format(
              Locale.ROOT,
              "%s: the run was trained on %,d images of %s, and %s now has %,d: its epochs and"
                  + " position would not be the run's; resume on the same images, or start a new"
                  + " run elsewhere",
              dir,
              s.images(),
              s.data(),
              spec,
              images));
    }
    if (s.data() != null && !s.data().equals(spec)) {
      return "training continues on "
          + spec
          + ", not on the run's "
          + s.data()
          + (s.images() != null
              ? " (the same number of images)"
              : " (this older checkpoint does not record its number of images)");
    }
    return "";
  }

  /** True if {@code dir} holds a checkpoint to resume. */
  public static boolean hasCheckpoint(Path dir) {
    return Files.exists(dir.resolve(Checkpoint.FILE));
  }

  /** The same directory with {@code c} as the configuration of its new run. */
  public RunDirectory withConfig(DinoConfig c, String note) {
    if (checkpoint != null) {
      throw new IllegalStateException("a resumed run keeps its configuration");
    }
    return new RunDirectory(dir, c, null, dataSpec, note);
  }

  /** The configuration asked for (a preset) is not the saved run's. */
  public static final class BaseConflict extends ConfigException {
    BaseConflict(String setting, String message) {
      super(setting, message);
    }
  }

  /** True if the saved run has already done every step of its (possibly new) length. */
  public boolean finished(int stepsPerEpoch) {
    return checkpoint != null
        && checkpoint.state().globalStep() >= config.train().totalSteps(stepsPerEpoch);
  }

  /** The training state to continue: resumed from the checkpoint, or fresh. */
  public TrainingState state(int stepsPerEpoch, float[] initialValues, Compute compute) {
    return checkpoint != null
        ? TrainingState.resume(config, checkpoint, stepsPerEpoch, compute)
        : TrainingState.fresh(config, initialValues, compute);
  }

  /** The path of the first setting whose value differs, or null when equal. */
  static String firstDifference(DinoConfig a, DinoConfig b) {
    return a.equals(b) ? null : firstDifference(a.toJson(), b.toJson(), "");
  }

  private static String firstDifference(JsonNode a, JsonNode b, String prefix) {
    if (a.isObject() && b.isObject()) {
      Iterator<String> names = a.fieldNames();
      while (names.hasNext()) {
        String k = names.next();
        String d = firstDifference(a.path(k), b.path(k), prefix + k + ".");
        if (d != null) {
          return d;
        }
      }
      return null;
    }
    return a.equals(b) ? null : prefix.substring(0, prefix.length() - 1);
  }

  private static String at(JsonNode tree, String path) {
    JsonNode n = tree;
    for (String p : path.split("\\.")) {
      n = n.path(p);
    }
    return n.toString();
  }
}
