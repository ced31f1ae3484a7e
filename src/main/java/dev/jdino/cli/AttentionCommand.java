package dev.jdino.cli;

import dev.jdino.io.AtomicFiles;
import dev.jdino.io.BadInputException;
import dev.jdino.io.Json;
import dev.jdino.model.Backbone;
import dev.jdino.viz.AttentionRenderer;
import dev.jdino.viz.ImageSet;
import dev.jdino.viz.ImageSizing;
import dev.jdino.augment.Normalization;
import dev.jdino.viz.RunPaths;
import dev.jdino.viz.ScoreReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code jdino attention}: DINO's attention pictures (heatmaps and keep-mass masks per head), or
 * with {@code --score} the emergent-segmentation number on Fashion-MNIST.
 */
@Command(
    name = "attention",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Draw the last block's [CLS] attention of a trained ViT: per image, the input, one"
          + " heatmap per head and their mean, and the masks keeping --threshold of the mass.",
      "With --score: mean Jaccard of the attention masks with the non-black foreground, for"
          + " the checkpoint and randomly initialised backbones (Fashion-MNIST)."
    })
public final class AttentionCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin CheckpointOptions checkpoint;

  @Option(names = "--images", paramLabel = "SPEC",
      description = "An image file, a folder, or a --data spec (fmnist-sample, fmnist, IDX:"
          + " test split). Default: the run's test images.")
  String images;

  @Option(names = "--limit", paramLabel = "N",
      description = "Use the first N images (default 8 to draw, all to score; 0: all).")
  Integer limit;

  @Option(names = "--image-size", paramLabel = "SIZE",
      description = "Shorter side in pixels (aspect kept), WxH, or native (default: the"
          + " model's training size). H and W are then cropped to multiples of the patch.")
  String imageSize;

  @Option(names = "--no-keep-aspect",
      description = "With a single --image-size, resize to a square.")
  boolean noKeepAspect;

  @Option(names = "--threshold", paramLabel = "SHARE",
      description = "Share of the attention mass each mask keeps (default ${DEFAULT-VALUE}).")
  double threshold = 0.6;

  @Option(names = "--output-dir", paramLabel = "DIR",
      description = "Where to draw (default: <run>/attention, else ./attention).")
  Path outputDir;

  @Mixin NormalizationOptions normalization;

  @Option(names = "--scale", paramLabel = "N",
      description = "Enlarge pictures N times (default 0: small images to at least 112 px).")
  int scale;

  @Option(names = "--score", description = "Compute the segmentation score instead of drawing.")
  boolean score;

  @Option(names = "--foreground-threshold", paramLabel = "V",
      description = "--score: a pixel is foreground when its value in [0,1] exceeds this"
          + " (default ${DEFAULT-VALUE}: not black).")
  double foregroundThreshold = 0.0;

  @Option(names = "--random-seed", paramLabel = "SEED",
      description = "--score: first seed of the random-init floor (default ${DEFAULT-VALUE}).")
  long randomSeed;

  @Option(names = "--random-seeds", paramLabel = "N",
      description = "--score: random backbones averaged for the floor (default ${DEFAULT-VALUE};"
          + " one alone varies a lot).")
  int randomSeeds = 5;

  @Option(names = "--json", paramLabel = "FILE",
      description = "--score: where to write the JSON (default: <run>/" + ScoreReport.RUN_FILE
          + ", else <output-dir>/score.json).")
  Path json;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    String imagesSpec = images != null ? images : RunPaths.defaultImages(checkpoint.path);
    Path run = checkpoint.runDir().orElse(null);
    try (Backbone backbone = checkpoint.load()) {
      ImageSizing sizing = imageSize == null
          ? ImageSizing.shorterSide(backbone.config().imgSize())
          : ImageSizing.parse(imageSize, !noKeepAspect);
      Normalization norm = normalization.of(backbone, spec.commandLine().getErr());
      if (score) {
        ImageSet set = ImageSet.open(imagesSpec, limit == null ? 0 : limit);
        ScoreReport r = ScoreReport.run(backbone, set, sizing, norm, threshold,
            foregroundThreshold, randomSeed, randomSeeds, err);
        r.print(out);
        Path file = json != null ? json : run != null && outputDir == null
            ? run.resolve(ScoreReport.RUN_FILE)
            : (outputDir != null ? outputDir : Path.of("attention")).resolve("score.json");
        AtomicFiles.writeString(file, Json.pretty(r.toJson()) + "\n");
        out.println("wrote " + file);
        return 0;
      }
      ImageSet set = ImageSet.open(imagesSpec, limit == null ? 8 : limit);
      Path dir = outputDir != null ? outputDir
          : run != null ? run.resolve("attention") : Path.of("attention");
      AttentionRenderer.Result r = AttentionRenderer.render(backbone, set, dir,
          new AttentionRenderer.Options(sizing, threshold, norm, scale), err);
      if (r.images().isEmpty()) {
        throw new BadInputException("no image could be drawn" + (r.skipped().isEmpty() ? ""
            : " (" + r.skipped().size() + " skipped; first: " + r.skipped().get(0) + ")"));
      }
      out.println("drew " + r.images().size() + " image" + (r.images().size() == 1 ? "" : "s")
          + " into " + dir + (r.skipped().isEmpty() ? "" : "; skipped " + r.skipped().size()));
      out.println("first grid: " + r.images().get(0).grid());
      return 0;
    } finally {
      out.flush();
      err.flush();
    }
  }
}
