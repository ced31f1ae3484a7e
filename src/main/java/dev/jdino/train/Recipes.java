package dev.jdino.train;

import dev.jdino.data.IdxDataset;
import dev.jdino.data.ImageDataset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The fast small-data recipes and how a run's settings are fitted to its data and length.
 *
 * <p>The official defaults are tuned for hundreds of epochs of ImageNet: on a few thousand images
 * and a few hundred steps their warm-up, last-layer freeze and teacher momentum would cover most of
 * the run. Two rules fix that:
 *
 * <ul>
 *   <li><b>caps</b>, always: a warm-up, freeze or teacher-temperature warm-up that the user did not
 *       set and that does not fit in the run is cut to a fraction of it (10 %, 10 %, 30 %), and one
 *       line says so; a value the user set is left alone (and refused if it cannot fit);
 *   <li><b>sizing</b>, for the fast recipe chosen when no preset is named: the settings the user
 *       did not set are chosen from the number of images and steps, the way lightly-train sizes its
 *       DINO (lightly_train/_methods/dino/dino.py): the number of prototypes from the data's size,
 *       the teacher momentum from the data's size and, for short runs, the run's length, warm-up
 *       and freeze as fractions of the run.
 * </ul>
 */
public final class Recipes {
  /** The fast recipe for small images (28 to 48 px: Fashion-MNIST, MNIST, CIFAR-like data). */
  public static final String SMALL_IMAGES = "fmnist-fast";

  /** The fast recipe for folders of larger images (photos, dash-cam frames). */
  public static final String LARGER_IMAGES = "folder-fast";

  /** Images whose shorter side is at most this use {@link #SMALL_IMAGES}. */
  static final int SMALL_SIDE = 48;

  private static final int IMAGENET = 1_281_167;

  private Recipes() {}

  /** A configuration fitted to its run, with what was changed and why, for people and args.json. */
  public record Fitted(DinoConfig config, List<String> notes, Map<String, Object> sized) {}

  /** The fast recipe that suits {@code data}: by the size of its first readable image. */
  public static String fastPresetFor(ImageDataset data) {
    if (data instanceof IdxDataset idx) {
      return Math.min(idx.height(), idx.width()) <= SMALL_SIDE ? SMALL_IMAGES : LARGER_IMAGES;
    }
    // Decoded no smaller than SMALL_SIDE + 1, a reduced decode still tells the two kinds apart.
    var img = data.firstReadable(SMALL_SIDE + 1);
    return Math.min(img.height(), img.width()) <= SMALL_SIDE ? SMALL_IMAGES : LARGER_IMAGES;
  }

  /**
   * Fits {@code c} to a run over {@code images} images in epochs of {@code stepsPerEpoch} steps.
   *
   * @param explicit the settings (JSON paths) the user gave: never changed
   * @param size also size the recipe's settings from the data and the run (the fast recipe);
   *     otherwise only cap what does not fit
   */
  public static Fitted fit(
      DinoConfig c, Set<String> explicit, int images, int stepsPerEpoch, boolean size) {
    Fitted model = fitModel(c, explicit, images, size);
    Map<String, Object> set = new LinkedHashMap<>(model.sized());
    List<String> notes = new ArrayList<>(model.notes());
    c = model.config();
    TrainConfig t = c.train();
    double epochs = t.epochs();
    long steps = t.totalSteps(stepsPerEpoch);
    if (size) {
      double m =
          explicit.contains("train.momentumTeacher")
              ? t.momentumTeacher()
              : Math.min(momentum(images), momentumCap(steps));
      if (m != t.momentumTeacher()) {
        set.put("train.momentumTeacher", m);
      }
      double end = Math.max(m, momentumCap(steps));
      if (!explicit.contains("train.momentumTeacherEnd") && end != t.momentumTeacherEnd()) {
        set.put("train.momentumTeacherEnd", end);
      }
    }
    double warmupCap = (size || t.warmupEpochs() > epochs) ? 0.1 * epochs : t.warmupEpochs();
    if (!explicit.contains("train.warmupEpochs") && t.warmupEpochs() > warmupCap) {
      set.put("train.warmupEpochs", warmupCap);
    }
    double freezeCap = (size || t.freezeLastLayer() >= epochs) ? 0.1 * epochs : t.freezeLastLayer();
    if (!explicit.contains("train.freezeLastLayer") && t.freezeLastLayer() > freezeCap) {
      set.put("train.freezeLastLayer", freezeCap);
    }
    int tempWarmup = c.loss().warmupTeacherTempEpochs();
    int tempCap =
        (size || tempWarmup > Math.ceil(epochs)) ? (int) Math.floor(0.3 * epochs) : tempWarmup;
    if (!explicit.contains("loss.warmupTeacherTempEpochs") && tempWarmup > tempCap) {
      set.put("loss.warmupTeacherTempEpochs", tempCap);
    }
    if (set.isEmpty()) {
      return new Fitted(c, List.of(), Map.of());
    }
    DinoConfig fitted = c.with(set);
    for (Map.Entry<String, Object> e : set.entrySet()) {
      if (!model.sized().containsKey(e.getKey())) {
        notes.add(describe(e.getKey(), e.getValue(), c, images, steps, size));
      }
    }
    return new Fitted(fitted, List.copyOf(notes), Map.copyOf(set));
  }

  /**
   * The part of {@link #fit} that changes what a step computes, and depends on the data alone: the
   * number of prototypes K when sizing. A run sized to a time budget applies it before its step is
   * timed, so the timer runs the head the run will train (the fast recipe's preset K of 4096
   * against the 1024 sized for 5,000 images).
   */
  public static Fitted fitModel(DinoConfig c, Set<String> explicit, int images, boolean size) {
    int k = prototypes(images);
    if (!size || explicit.contains("head.outDim") || k == c.head().outDim()) {
      return new Fitted(c, List.of(), Map.of());
    }
    Map<String, Object> set = Map.of("head.outDim", k);
    return new Fitted(
        c.with(set), List.of(describe("head.outDim", k, c, images, 0, true)), Map.copyOf(set));
  }

  /** The settings {@link #capToFit} may cut, by path. */
  public static final List<String> CUT_TO_FIT =
      List.of("train.warmupEpochs", "train.freezeLastLayer", "loss.warmupTeacherTempEpochs");

  /**
   * The caps, applied before a configuration is built: a warm-up, freeze or teacher-temperature
   * warm-up of {@code base} that the user did not set (no entry in {@code overrides}) and that does
   * not fit in the run's length (the user's, else the base's) is cut to a fraction of it, so that
   * the configuration can be built at all. Explicit values are left for the records to check.
   *
   * @return settings to add to {@code overrides}, and one note for each
   */
  public static Fitted capToFit(DinoConfig base, Map<String, ?> overrides) {
    Object e = overrides.get("train.epochs");
    double epochs = e instanceof Number n ? n.doubleValue() : base.train().epochs();
    if (!(epochs > 0)) {
      // Nothing fits a run of no length: leave it to TrainConfig to name --epochs, instead of
      // reporting a cap derived from it (a warm-up of -1 epochs) as the user's mistake.
      return new Fitted(base, List.of(), Map.of());
    }
    Map<String, Object> set = new LinkedHashMap<>();
    List<String> notes = new ArrayList<>();
    double w = base.train().warmupEpochs();
    if (!overrides.containsKey("train.warmupEpochs") && w > epochs) {
      set.put("train.warmupEpochs", 0.1 * epochs);
      notes.add(
          String.format(
              Locale.ROOT,
              "capped to fit the run: lr warm-up %s epochs (was %s)",
              TrainConfig.fmt(0.1 * epochs),
              TrainConfig.fmt(w)));
    }
    double f = base.train().freezeLastLayer();
    if (!overrides.containsKey("train.freezeLastLayer") && f >= epochs && f > 0) {
      set.put("train.freezeLastLayer", 0.1 * epochs);
      notes.add(
          String.format(
              Locale.ROOT,
              "capped to fit the run: last layer frozen for %s epochs" + " (was %s)",
              TrainConfig.fmt(0.1 * epochs),
              TrainConfig.fmt(f)));
    }
    int t = base.loss().warmupTeacherTempEpochs();
    if (!overrides.containsKey("loss.warmupTeacherTempEpochs") && t > Math.ceil(epochs)) {
      int cap = (int) Math.floor(0.3 * epochs);
      set.put("loss.warmupTeacherTempEpochs", cap);
      notes.add(
          String.format(
              Locale.ROOT,
              "capped to fit the run: teacher-temperature warm-up %d" + " epochs (was %d)",
              cap,
              t));
    }
    return new Fitted(base, List.copyOf(notes), set);
  }

  /**
   * lightly-train's number of prototypes for a dataset size: 1024 up to 20k images, 2048 up to 50k,
   * 4096 up to 100k, 16384 up to 500k, then the official 65536.
   */
  static int prototypes(int images) {
    return images <= 20_000
        ? 1024
        : images <= 50_000 ? 2048 : images <= 100_000 ? 4096 : images <= 500_000 ? 16_384 : 65_536;
  }

  /**
   * The teacher's initial momentum: lightly-train's rule, 0.99 up to 20k images, rising to the
   * official 0.996 at ImageNet's size, rounded to 3 decimals; {@link #momentumCap} lowers it for
   * short runs.
   */
  static double momentum(int images) {
    double f = Math.min(1, Math.max(0, (images - 20_000.0) / (IMAGENET - 20_000.0)));
    return Math.round((0.99 + f * (0.996 - 0.99)) * 1000) / 1000.0;
  }

  /**
   * The highest teacher momentum for a run of {@code steps} steps: {@code 1 - 5 / steps}, so that
   * the EMA's window ({@code 1 / (1 - m)} steps) spans at most a fifth of the run, rounded down to
   * 5 decimals. With the official cosine to 1, a teacher at 0.99 takes in only {@code 1 - exp(-0.01
   * * steps / 2)} of the student over a run (38 % in 95 steps) and nothing in its last steps, while
   * the student, its learning rate at the end of its cosine, no longer moves: short runs ended with
   * a teacher 5 points of k-NN behind its own student (BENCHMARKS.md, "The teacher's momentum in
   * short runs"). Long runs are all but unchanged: 0.99998 after 250k steps.
   */
  static double momentumCap(long steps) {
    double cap = Math.max(0, 1 - 5.0 / steps);
    return Math.floor(cap * 100_000 + 1e-9) / 100_000;
  }

  private static String describe(
      String path, Object v, DinoConfig c, int images, long steps, boolean size) {
    String what =
        switch (path) {
          case "head.outDim" ->
              String.format(Locale.ROOT, "K = %s prototypes for %,d images", v, images);
          case "train.momentumTeacher" ->
              String.format(
                  Locale.ROOT,
                  "teacher momentum %s for %,d images and %,d steps",
                  TrainConfig.fmt((Double) v),
                  images,
                  steps);
          case "train.momentumTeacherEnd" ->
              String.format(
                  Locale.ROOT,
                  "final teacher momentum %s (was %s): its EMA spans at most a fifth of the"
                      + " %,d-step run",
                  TrainConfig.fmt((Double) v),
                  TrainConfig.fmt(c.train().momentumTeacherEnd()),
                  steps);
          case "train.warmupEpochs" ->
              String.format(
                  Locale.ROOT,
                  "lr warm-up %s epochs (was %s)",
                  TrainConfig.fmt((Double) v),
                  TrainConfig.fmt(c.train().warmupEpochs()));
          case "train.freezeLastLayer" ->
              String.format(
                  Locale.ROOT,
                  "last layer frozen for %s epochs" + " (was %s)",
                  TrainConfig.fmt((Double) v),
                  TrainConfig.fmt(c.train().freezeLastLayer()));
          case "loss.warmupTeacherTempEpochs" ->
              String.format(
                  Locale.ROOT,
                  "teacher-temperature" + " warm-up %s epochs (was %d)",
                  v,
                  c.loss().warmupTeacherTempEpochs());
          default -> path + " = " + v;
        };
    return (size ? "sized: " : "capped to fit the run: ") + what;
  }
}
