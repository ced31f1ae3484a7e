package dev.jdino.viz;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jdino.augment.Normalization;
import dev.jdino.io.BadInputException;
import dev.jdino.io.Json;
import dev.jdino.model.Backbone;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code jdino attention --score}: the {@link SegmentationScore} of a checkpoint and of randomly
 * initialised backbones of the same architecture (the floor), on the same images.
 *
 * <p>The floor is the mean over several seeds because one random backbone says little here: on
 * Fashion-MNIST all background patches are identical, so each random head's nearly uniform
 * attention ranks the whole background either just above or just below the object, and its mask
 * then holds mostly the object (Jaccard about 0.6) or mostly the background (about 0.2). Measured
 * on the fmnist-small architecture, single seeds gave head-mean floors from 0.16 to 0.69.
 *
 * @param checkpoint where the trained weights came from
 * @param data the images scored
 * @param trained the checkpoint's score
 * @param random the mean of the random backbones' scores
 * @param randomSeeds each random backbone's score, by seed
 * @param skipped the images left out (undecodable or too small), each "source: reason"
 * @param seconds wall time of all of them
 */
public record ScoreReport(
    String checkpoint,
    String data,
    String imageSize,
    double threshold,
    double foregroundThreshold,
    long firstSeed,
    SegmentationScore.Result trained,
    SegmentationScore.Result random,
    List<SegmentationScore.Result> randomSeeds,
    List<String> classNames,
    List<String> skipped,
    double seconds) {

  /** Where a run directory keeps its score, for the report. */
  public static final String RUN_FILE = "attention-score.json";

  /**
   * Scores {@code trained} and {@code seeds} random backbones of its architecture ({@code
   * Backbone.random(config, firstSeed + i)}).
   */
  public static ScoreReport run(
      Backbone trained,
      ImageSet images,
      ImageSizing sizing,
      Normalization norm,
      double threshold,
      double foregroundThreshold,
      long firstSeed,
      int seeds,
      PrintWriter log) {
    if (seeds < 1) {
      throw new BadInputException("--random-seeds " + seeds + ": expected >= 1");
    }
    long t0 = System.nanoTime();
    // Every backbone meets the same images: the first pass names what it leaves out, once.
    List<String> skipped = new ArrayList<>();
    SegmentationScore.Result a =
        SegmentationScore.score(
            "checkpoint",
            trained,
            images,
            sizing,
            norm,
            threshold,
            foregroundThreshold,
            skipped::add);
    if (!skipped.isEmpty()) {
      log.printf(
          Locale.ROOT,
          "%d image%s could not be scored and %s left out:%n",
          skipped.size(),
          skipped.size() == 1 ? "" : "s",
          skipped.size() == 1 ? "was" : "were");
      skipped.stream().limit(20).forEach(why -> log.println("  " + why));
      if (skipped.size() > 20) {
        log.println("  ... and " + (skipped.size() - 20) + " more (all in the JSON)");
      }
    }
    List<SegmentationScore.Result> randoms = new ArrayList<>();
    for (int i = 0; i < seeds; i++) {
      try (Backbone random = Backbone.random(trained.config(), firstSeed + i)) {
        randoms.add(
            SegmentationScore.score(
                "random seed " + (firstSeed + i),
                random,
                images,
                sizing,
                norm,
                threshold,
                foregroundThreshold,
                why -> {}));
      }
    }
    SegmentationScore.Result floor =
        SegmentationScore.mean(
            "random init, mean of " + seeds + " seed" + (seeds == 1 ? "" : "s"), randoms);
    return new ScoreReport(
        trained.source(),
        images.name(),
        sizing.toString(),
        threshold,
        foregroundThreshold,
        firstSeed,
        a,
        floor,
        randoms,
        images.classNames(),
        List.copyOf(skipped),
        (System.nanoTime() - t0) / 1e9);
  }

  public ObjectNode toJson() {
    ObjectNode j = Json.object();
    j.put("checkpoint_source", checkpoint);
    j.put("data", data);
    j.put("images", trained.images());
    j.put("skipped_images", skipped.size());
    ArrayNode left = j.putArray("skipped");
    skipped.forEach(left::add);
    j.put("image_size", imageSize);
    j.put("threshold", threshold);
    j.put("foreground_threshold", foregroundThreshold);
    j.put(
        "foreground_rule",
        "pixel foreground when its largest channel value in [0, 1] is"
            + " greater than foreground_threshold; a kept patch counts as all its p x p pixels");
    j.set("checkpoint", trained.toJson(classNames));
    ObjectNode r = random.toJson(classNames);
    r.put("seeds", randomSeeds.size());
    r.put("first_seed", firstSeed);
    r.put("best_head_min", randomSeeds.stream().mapToDouble(x -> x.bestHead()).min().orElse(0));
    r.put("best_head_max", randomSeeds.stream().mapToDouble(x -> x.bestHead()).max().orElse(0));
    r.put("head_mean_min", randomSeeds.stream().mapToDouble(x -> x.headMean()).min().orElse(0));
    r.put("head_mean_max", randomSeeds.stream().mapToDouble(x -> x.headMean()).max().orElse(0));
    ArrayNode each = r.putArray("by_seed");
    for (SegmentationScore.Result s : randomSeeds) {
      ObjectNode n = each.addObject();
      n.put("model", s.model());
      n.put("best_head", s.bestHead());
      n.put("head_mean", s.headMean());
    }
    j.set("random", r);
    j.put("seconds", seconds);
    return j;
  }

  /** The lines a person reads. */
  public void print(PrintWriter out) {
    out.printf(
        Locale.ROOT,
        "attention vs foreground, mean Jaccard over %d images of %s"
            + " (masks keep %.0f%% of the mass; foreground: pixel > %s)%n",
        trained.images(),
        data,
        100 * threshold,
        foregroundThreshold);
    out.printf(Locale.ROOT, "  %-22s %9s %9s   per head%n", "", "best head", "head mean");
    line(out, "checkpoint", trained);
    line(out, "random init (mean)", random);
    if (randomSeeds.size() > 1) {
      out.printf(
          Locale.ROOT,
          "  %-22s %9s %9s%n",
          "  range over " + randomSeeds.size() + " seeds",
          String.format(Locale.ROOT, "%.2f-%.2f", min(true), max(true)),
          String.format(Locale.ROOT, "%.2f-%.2f", min(false), max(false)));
    }
  }

  private double min(boolean best) {
    return randomSeeds.stream()
        .mapToDouble(r -> best ? r.bestHead() : r.headMean())
        .min()
        .orElse(0);
  }

  private double max(boolean best) {
    return randomSeeds.stream()
        .mapToDouble(r -> best ? r.bestHead() : r.headMean())
        .max()
        .orElse(0);
  }

  private static void line(PrintWriter out, String name, SegmentationScore.Result r) {
    StringBuilder heads = new StringBuilder();
    for (double v : r.perHead()) {
      heads.append(String.format(Locale.ROOT, " %.3f", v));
    }
    out.printf(Locale.ROOT, "  %-22s %9.3f %9.3f  %s%n", name, r.bestHead(), r.headMean(), heads);
  }
}
