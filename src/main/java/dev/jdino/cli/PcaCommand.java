package dev.jdino.cli;

import dev.jdino.model.Backbone;
import dev.jdino.viz.ImageSet;
import dev.jdino.viz.ImageSizing;
import dev.jdino.augment.Normalization;
import dev.jdino.viz.PatchPca;
import dev.jdino.viz.RunPaths;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code jdino pca}: patch features of a set of images on their first 3 components, as RGB. */
@Command(
    name = "pca",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Project the last block's patch tokens of a set of images on their first three principal"
          + " components (computed over all patches of the set) and draw them as RGB, with the"
          + " background (first component <= --threshold) removed."
    })
public final class PcaCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin CheckpointOptions checkpoint;

  @Option(names = "--images", paramLabel = "SPEC",
      description = "An image file, a folder or a --data spec (default: the run's test images).")
  String images;

  @Option(names = "--limit", paramLabel = "N",
      description = "Use the first N images (default ${DEFAULT-VALUE}).")
  int limit = 16;

  @Option(names = "--image-size", paramLabel = "SIZE",
      description = "Shorter side, WxH, or native (default: the model's training size).")
  String imageSize;

  @Option(names = "--no-keep-aspect",
      description = "With a single --image-size, resize to a square.")
  boolean noKeepAspect;

  @Option(names = "--threshold", paramLabel = "V",
      description = "Foreground when the centred first component exceeds V"
          + " (default ${DEFAULT-VALUE}).")
  double threshold = 0;

  @Mixin NormalizationOptions normalization;

  @Option(names = "--output-dir", paramLabel = "DIR",
      description = "Default: <run>/pca, else ./pca.")
  Path outputDir;

  @Option(names = "--scale", paramLabel = "N",
      description = "Enlarge pictures N times (default: auto).")
  int scale;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    String spec = images != null ? images : RunPaths.defaultImages(checkpoint.path);
    Path dir = outputDir != null ? outputDir
        : checkpoint.runDir().map(r -> r.resolve("pca")).orElse(Path.of("pca"));
    try (Backbone b = checkpoint.load()) {
      ImageSizing sizing = imageSize == null ? ImageSizing.shorterSide(b.config().imgSize())
          : ImageSizing.parse(imageSize, !noKeepAspect);
      PatchPca.Result r = PatchPca.run(b, ImageSet.open(spec, limit), dir,
          new PatchPca.Options(sizing, normalization.of(b, this.spec.commandLine().getErr()), threshold, scale),
          this.spec.commandLine().getErr());
      double[] e = r.explained();
      out.printf(Locale.ROOT, "PCA of %d patches of %d images: explained variance", r.patches(),
          r.pictures().size());
      for (double v : e) {
        out.printf(Locale.ROOT, " %.1f%%", 100 * v);
      }
      out.printf(Locale.ROOT, "; foreground %.0f%% of patches%nwrote %s%n",
          100 * r.foregroundShare(), r.grid());
    }
    out.flush();
    return 0;
  }
}
