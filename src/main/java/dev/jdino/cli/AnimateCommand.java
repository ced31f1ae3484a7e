package dev.jdino.cli;

import dev.jdino.io.OutputPaths;
import dev.jdino.viz.Animator;
import dev.jdino.viz.ImageSet;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code jdino animate}: the attention of a fixed set of images through a run, as a GIF. */
@Command(
    name = "animate",
    description = {
      "Animate attention over training: one frame per snapshot (or checkpoint) of a run, each"
          + " showing the same images, heads and head mean, with epoch, step, loss and k-NN"
          + " accuracy. Writes a looping GIF (plays in browsers and common viewers)."
    })
public final class AnimateCommand extends Subcommand {
  @Mixin RunDirOptions run;

  @Mixin ImagesOptions images;

  @Option(
      names = "--num-images",
      paramLabel = "N",
      description = "How many images (default ${DEFAULT-VALUE}).")
  int numImages = 4;

  @Option(
      names = "--out",
      paramLabel = "FILE",
      description = "Output .gif (default: <run>/animation.gif).")
  Path out;

  @Option(
      names = "--fps",
      paramLabel = "FPS",
      description = "Frames per second (default ${DEFAULT-VALUE}).")
  double fps = 4;

  @Option(
      names = "--hold",
      paramLabel = "SECONDS",
      description = "How long the last frame stays (default ${DEFAULT-VALUE}).")
  double hold = 2;

  @Option(
      names = "--heads",
      split = ",",
      paramLabel = "H",
      description = "Heads to show, e.g. 0,2 (default: all); the mean is always shown.")
  List<Integer> heads;

  @Mixin MaskOptions mask;

  @Mixin PictureOptions pictures;

  @Override
  public Integer call() throws Exception {
    OutputPaths.requireCreatable(out, "--out", false);
    PrintWriter o = out();
    PrintWriter err = err();
    // Fail on a run without frames, or a target that cannot be written, before reading any image.
    Animator.requireTarget(run.orInRun(out, "animation.gif"));
    Animator.frames(run.run);
    ImageSet set = images.images == null ? null : ImageSet.open(images.images, numImages);
    Animator.Result r =
        Animator.animate(
            run.run,
            run.orInRun(out, "animation.gif"),
            new Animator.Options(set, numImages, fps, hold, heads, mask.share(), pictures.scale),
            err);
    int n = r.frames().size();
    o.printf(
        "wrote %s: %d frame%s, %dx%d px%n",
        r.output(), n, n == 1 ? "" : "s", r.width(), r.height());
    if (n == 1) {
      // A run trained without snapshots keeps one checkpoint: a still picture, not the sharpening
      // the command exists to show.
      o.println(
          "note: "
              + run.run
              + " has one snapshot or checkpoint to draw, so the GIF is a still; train with"
              + " --snapshots 10 (the untrained teacher, 10 points of the run, the last step) to"
              + " see the attention change");
    }
    o.flush();
    return 0;
  }
}
