package dev.jdino.cli;

import dev.jdino.viz.Animator;
import dev.jdino.viz.ImageSet;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code jdino animate}: the attention of a fixed set of images through a run, as a GIF. */
@Command(
    name = "animate",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Animate attention over training: one frame per snapshot (or checkpoint) of a run, each"
          + " showing the same images, heads and head mean, with epoch, step, loss and k-NN"
          + " accuracy. Writes a looping GIF (plays in browsers and common viewers)."
    })
public final class AnimateCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--run", required = true, paramLabel = "DIR",
      description = "The run directory.")
  Path run;

  @Option(names = "--images", paramLabel = "SPEC",
      description = "An image file, a folder or a --data spec (default: the run's test images).")
  String images;

  @Option(names = "--num-images", paramLabel = "N",
      description = "How many images (default ${DEFAULT-VALUE}).")
  int numImages = 4;

  @Option(names = "--out", paramLabel = "FILE",
      description = "Output .gif (default: <run>/animation.gif).")
  Path out;

  @Option(names = "--fps", paramLabel = "FPS",
      description = "Frames per second (default ${DEFAULT-VALUE}).")
  double fps = 4;

  @Option(names = "--hold", paramLabel = "SECONDS",
      description = "How long the last frame stays (default ${DEFAULT-VALUE}).")
  double hold = 2;

  @Option(names = "--heads", split = ",", paramLabel = "H",
      description = "Heads to show, e.g. 0,2 (default: all); the mean is always shown.")
  List<Integer> heads;

  @Option(names = "--threshold", paramLabel = "SHARE",
      description = "Mass share of the outlined mask (default ${DEFAULT-VALUE}).")
  double threshold = 0.6;

  @Option(names = "--scale", paramLabel = "N",
      description = "Enlarge images N times (default: auto).")
  int scale;

  @Override
  public Integer call() throws Exception {
    PrintWriter o = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    // Fail on a run without frames before reading any image.
    Animator.frames(run);
    ImageSet set = images == null ? null : ImageSet.open(images, numImages);
    Path file = out != null ? out : run.resolve("animation.gif");
    Animator.Result r = Animator.animate(run, file,
        new Animator.Options(set, numImages, fps, hold, heads, threshold, scale), err);
    o.printf("wrote %s: %d frames, %dx%d px%n", r.output(), r.frames().size(), r.width(),
        r.height());
    o.flush();
    return 0;
  }
}
