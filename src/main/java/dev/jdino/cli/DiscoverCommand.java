package dev.jdino.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jdino.augment.Normalization;
import dev.jdino.data.CocoDataset;
import dev.jdino.data.DataSources;
import dev.jdino.discover.CorLoc;
import dev.jdino.io.AtomicFiles;
import dev.jdino.io.BadInputException;
import dev.jdino.io.Json;
import dev.jdino.io.OutputPaths;
import dev.jdino.model.Backbone;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code jdino discover}: unsupervised object discovery scored by CorLoc ({@link CorLoc}) on a
 * COCO-format detection set, for a checkpoint and for a randomly initialised backbone of the same
 * architecture (the floor any learning must beat).
 */
@Command(
    name = "discover",
    description = {
      "Score unsupervised object discovery (CorLoc) on COCO boxes.",
      "An image counts when the box around the attention mask's largest component overlaps"
          + " a ground-truth box with IoU >= 0.5; a random-init backbone gives the floor."
    })
public final class DiscoverCommand extends Subcommand {
  /** Patches on the shorter side by default: 480 px at patch 16, as visualize_attention.py. */
  static final int DEFAULT_PATCHES = 30;

  @Mixin CheckpointOptions checkpoint;

  @Option(
      names = "--data",
      required = true,
      paramLabel = "SPEC",
      description = "coco:<annotations.json>[:<image-root>] (e.g. from jdino bdd2coco).")
  String data;

  @Option(
      names = "--image-size",
      paramLabel = "PX",
      description =
          "Shorter side of the model input, aspect kept, then cropped to whole patches"
              + " (default: "
              + DEFAULT_PATCHES
              + " patches, 480 px at patch 16).")
  Integer imageSize;

  @Mixin MaskOptions mask;

  @Option(
      names = "--limit",
      paramLabel = "N",
      description =
          "Score the first N images with boxes (default 0: all; a ViT-S/16 at 480 px"
              + " takes seconds per image and model on a CPU).")
  int limit;

  @Option(
      names = "--random-seed",
      paramLabel = "SEED",
      description = "Seed of the random-init backbone (default ${DEFAULT-VALUE}).")
  long randomSeed;

  @Option(names = "--no-random", description = "Skip the random-init floor.")
  boolean noRandom;

  @Option(
      names = "--output",
      paramLabel = "FILE",
      description = "JSON result (default: discover.json in the run directory, else here).")
  Path output;

  @Mixin EngineOptions engine;

  @Override
  public Integer call() throws Exception {
    OutputPaths.requireCreatable(output, "--output", false);
    OutputPaths.requireJson(output, "--output");
    PrintWriter out = out();
    if (!data.strip().toLowerCase(Locale.ROOT).startsWith("coco:")) {
      throw new BadInputException(
          "--data "
              + data
              + ": discover needs boxes, i.e."
              + " coco:<annotations.json>[:<image-root>]");
    }
    double threshold = mask.share();
    engine.start();
    String spec = data.strip();
    DataSources.CocoSpec c = DataSources.cocoSpec(spec, spec.substring("coco:".length()));
    CocoDataset coco = CocoDataset.openWithBoxes(c.annotations(), c.imageRoot());
    try (Backbone trained = checkpoint.load();
        Backbone random = noRandom ? null : Backbone.random(trained.config(), randomSeed)) {
      int size = imageSize != null ? imageSize : DEFAULT_PATCHES * trained.config().patchSize();
      if (size < trained.config().patchSize()) {
        throw new BadInputException("--image-size " + size + " is smaller than one patch");
      }
      // The random floor sees exactly the inputs the checkpoint sees: same normalisation.
      Normalization norm = trained.normalization();
      List<CorLoc.Model> models = new ArrayList<>();
      models.add(new CorLoc.Model("checkpoint", trained, norm));
      if (random != null) {
        models.add(new CorLoc.Model("random", random, norm));
      }
      CorLoc.Settings s = new CorLoc.Settings(size, threshold, limit);
      out.printf(
          Locale.ROOT,
          "jdino discover: %s on %s, input shorter side %d px, mask %.0f%%"
              + " of the attention mass%n",
          trained,
          coco.name(),
          size,
          100 * threshold);
      out.flush();
      long t0 = System.nanoTime();
      CorLoc.Result r;
      try (ProgressDisplay display = ProgressDisplay.on(out)) {
        boolean[] started = {false};
        r =
            CorLoc.evaluate(
                coco,
                models,
                s,
                p -> {
                  if (!started[0]) {
                    display.start("discover", p[1], 0, " images", 1);
                    started[0] = true;
                  }
                  display.update(p[0], "");
                });
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      for (CorLoc.Score sc : r.scores()) {
        out.printf(
            Locale.ROOT,
            "%-10s CorLoc %.1f%% (head mean), %.1f%% (best head, uses labels);"
                + " mean IoU %.3f; %d images%n",
            sc.name(),
            100 * sc.corlocMean(),
            100 * sc.corlocBestHead(),
            sc.meanIou(),
            sc.images());
      }
      if (r.withoutBoxes() > 0 || r.failed() > 0) {
        out.printf(
            Locale.ROOT,
            "left out: %d image%s without boxes, %d that failed to load%s%n",
            r.withoutBoxes(),
            r.withoutBoxes() == 1 ? "" : "s",
            r.failed(),
            r.failures().isEmpty() ? "" : " (first: " + r.failures().get(0) + ")");
      }
      Path file =
          output != null
              ? output
              : checkpoint.runDir().orElse(Path.of("")).resolve("discover.json");
      Reports.keepPrevious(out, file);
      AtomicFiles.writeString(file, Json.pretty(toJson(r, s, seconds)) + "\n");
      out.println("wrote " + file);
      out.flush();
      return 0;
    }
  }

  private ObjectNode toJson(CorLoc.Result r, CorLoc.Settings s, double seconds) {
    ObjectNode j = Json.object();
    j.put("checkpoint", checkpoint.toString());
    j.put("data", data);
    j.put("image_size", s.imageSize());
    j.put("threshold", s.threshold());
    j.put("iou_threshold", CorLoc.IOU_THRESHOLD);
    j.put("images_without_boxes", r.withoutBoxes());
    j.put("images_failed", r.failed());
    j.put("seconds", seconds);
    ArrayNode scores = j.putArray("scores");
    for (CorLoc.Score sc : r.scores()) {
      ObjectNode o = scores.addObject();
      o.put("model", sc.name());
      o.put("source", sc.source());
      o.put("images", sc.images());
      o.put("corloc_head_mean", sc.corlocMean());
      o.put("corloc_best_head", sc.corlocBestHead());
      o.put("correct_head_mean", sc.correctMean());
      o.put("correct_best_head", sc.correctBestHead());
      o.put("mean_iou_head_mean", sc.meanIou());
    }
    ArrayNode f = j.putArray("failures");
    r.failures().forEach(f::add);
    return j;
  }
}
