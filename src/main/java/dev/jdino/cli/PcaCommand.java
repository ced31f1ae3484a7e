package dev.jdino.cli;

import dev.jdino.io.BadInputException;
import dev.jdino.model.Backbone;
import dev.jdino.viz.ImageSet;
import dev.jdino.viz.PatchPca;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code jdino pca}: patch features of a set of images on their first 3 components, as RGB. */
@Command(
    name = "pca",
    description = {
      "Project the last block's patch tokens of a set of images on their first three principal"
          + " components (computed over all patches of the set) and draw them as RGB, with the"
          + " background (first component <= --threshold) removed."
    })
public final class PcaCommand extends Subcommand {
  @Mixin CheckpointOptions checkpoint;

  @Mixin ImagesOptions images;

  @Option(
      names = "--limit",
      paramLabel = "N",
      description = "Use the first N images (default ${DEFAULT-VALUE}).")
  int limit = 16;

  @Mixin ImageSizeOptions size;

  @Option(
      names = "--threshold",
      paramLabel = "V",
      description =
          "Foreground when the centred first component exceeds V" + " (default ${DEFAULT-VALUE}).")
  double threshold = 0;

  @Mixin NormalizationOptions normalization;

  @Mixin OutputDirOptions output;

  @Mixin PictureOptions pictures;

  @Override
  public Integer call() throws Exception {
    // ImageSet takes 0 as "every image"; pca documents no such value (its grid is for a few).
    if (limit < 1) {
      throw new BadInputException("--limit " + limit + ": expected a number of images >= 1");
    }
    if (!Double.isFinite(threshold)) {
      throw new BadInputException("--threshold " + threshold + ": expected a finite number");
    }
    PrintWriter out = out();
    PrintWriter err = err();
    Path dir = output.dir(checkpoint.runDir());
    try (Backbone b = checkpoint.load()) {
      ImageSet set = ImageSet.open(images.orTestImagesOf(checkpoint.path), limit);
      PatchPca.Result r =
          PatchPca.run(
              b,
              set,
              dir,
              new PatchPca.Options(
                  size.sizing(b), normalization.of(b, err), threshold, pictures.scale),
              err);
      double[] e = r.explained();
      out.printf(
          Locale.ROOT,
          "PCA of %d patches of %d images: explained variance",
          r.patches(),
          r.pictures().size());
      for (double v : e) {
        out.printf(Locale.ROOT, " %.1f%%", 100 * v);
      }
      out.printf(
          Locale.ROOT,
          "; foreground %.0f%% of patches%nwrote %s%n",
          100 * r.foregroundShare(),
          r.grid());
    }
    out.flush();
    return 0;
  }
}
