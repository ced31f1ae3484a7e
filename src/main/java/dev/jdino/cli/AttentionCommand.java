package dev.jdino.cli;

import dev.jdino.augment.Normalization;
import dev.jdino.io.AtomicFiles;
import dev.jdino.io.BadInputException;
import dev.jdino.io.Json;
import dev.jdino.io.OutputPaths;
import dev.jdino.model.Backbone;
import dev.jdino.viz.AttentionRenderer;
import dev.jdino.viz.ImageSet;
import dev.jdino.viz.ImageSizing;
import dev.jdino.viz.ScoreReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code jdino attention}: DINO's attention pictures (heatmaps and keep-mass masks per head), or
 * with {@code --score} the emergent-segmentation number on Fashion-MNIST.
 */
@Command(
    name = "attention",
    description = {
      "Draw the last block's [CLS] attention of a trained ViT: per image, the input, one"
          + " heatmap per head and their mean, and the masks keeping --threshold of the mass.",
      "With --score: mean Jaccard of the attention masks with the non-black foreground, for"
          + " the checkpoint and randomly initialised backbones (Fashion-MNIST)."
    })
public final class AttentionCommand extends Subcommand {
  @Mixin CheckpointOptions checkpoint;

  @Mixin ImagesOptions images;

  @Option(
      names = "--limit",
      paramLabel = "N",
      description = "Use the first N images (default 8 to draw, all to score; 0: all).")
  Integer limit;

  @Mixin ImageSizeOptions size;

  @Mixin MaskOptions mask;

  @Mixin OutputDirOptions output;

  @Mixin NormalizationOptions normalization;

  @Mixin PictureOptions pictures;

  @Option(names = "--score", description = "Compute the segmentation score instead of drawing.")
  boolean score;

  @Option(
      names = "--foreground-threshold",
      paramLabel = "V",
      description =
          "--score: a pixel is foreground when its value in [0,1] exceeds this"
              + " (default ${DEFAULT-VALUE}: not black).")
  double foregroundThreshold = 0.0;

  @Option(
      names = "--random-seed",
      paramLabel = "SEED",
      description = "--score: first seed of the random-init floor (default ${DEFAULT-VALUE}).")
  long randomSeed;

  @Option(
      names = "--random-seeds",
      paramLabel = "N",
      description =
          "--score: random backbones averaged for the floor (default ${DEFAULT-VALUE};"
              + " one alone varies a lot).")
  int randomSeeds = 5;

  @Option(
      names = "--json",
      paramLabel = "FILE",
      description =
          "--score: where to write the JSON (default: <run>/"
              + ScoreReport.RUN_FILE
              + ", else <output-dir>/score.json).")
  Path json;

  @Override
  public Integer call() throws Exception {
    OutputPaths.requireCreatable(json, "--json", false);
    // 0 is documented as "all"; a negative count meant the same by accident.
    if (limit != null && limit < 0) {
      throw new BadInputException(
          "--limit " + limit + ": expected a number of images >= 1, or 0 for all");
    }
    PrintWriter out = out();
    PrintWriter err = err();
    String imagesSpec = images.orTestImagesOf(checkpoint.path);
    Path run = checkpoint.runDir().orElse(null);
    try (Backbone backbone = checkpoint.load()) {
      ImageSizing sizing = size.sizing(backbone);
      Normalization norm = normalization.of(backbone, err());
      if (score) {
        ImageSet set = ImageSet.open(imagesSpec, limit == null ? 0 : limit);
        ScoreReport r =
            ScoreReport.run(
                backbone,
                set,
                sizing,
                norm,
                mask.share(),
                foregroundThreshold,
                randomSeed,
                randomSeeds,
                err);
        r.print(out);
        Path file =
            json != null
                ? json
                : run != null && output.outputDir == null
                    ? run.resolve(ScoreReport.RUN_FILE)
                    : output.dir(Optional.empty()).resolve("score.json");
        Reports.keepPrevious(out, file);
        AtomicFiles.writeString(file, Json.pretty(r.toJson()) + "\n");
        out.println("wrote " + file);
        return 0;
      }
      ImageSet set = ImageSet.open(imagesSpec, limit == null ? 8 : limit);
      Path dir = output.dir(Optional.ofNullable(run));
      AttentionRenderer.Result r =
          AttentionRenderer.render(
              backbone,
              set,
              dir,
              new AttentionRenderer.Options(sizing, mask.share(), norm, pictures.scale),
              err);
      if (r.images().isEmpty()) {
        throw new BadInputException(
            "no image could be drawn"
                + (r.skipped().isEmpty()
                    ? ""
                    : " (" + r.skipped().size() + " skipped; first: " + r.skipped().get(0) + ")"));
      }
      out.println(
          "drew "
              + r.images().size()
              + " image"
              + (r.images().size() == 1 ? "" : "s")
              + " into "
              + dir
              + (r.skipped().isEmpty() ? "" : "; skipped " + r.skipped().size()));
      out.println("first grid: " + r.images().get(0).grid());
      return 0;
    } finally {
      out.flush();
      err.flush();
    }
  }
}
