package dev.jdino.viz;

import dev.jdino.data.DataSources;
import dev.jdino.train.Snapshots;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds the run directory a weights path belongs to, so commands given only a checkpoint can still
 * default to the run's own test images and write next to it.
 */
public final class RunPaths {
  private RunPaths() {}

  /**
   * The run directory of {@code path}: the path itself when it is a directory with {@code
   * args.json}; the folder of a checkpoint in one; the run above {@code snapshots/}.
   */
  public static Optional<Path> runDirOf(Path path) {
    Path abs = path.toAbsolutePath().normalize();
    if (Files.isDirectory(abs)) {
      return isRun(abs) ? Optional.of(path) : Optional.empty();
    }
    Path parent = abs.getParent();
    if (parent == null) {
      return Optional.empty();
    }
    if (isRun(parent)) {
      return Optional.of(parent);
    }
    Path grand = parent.getParent();
    if (parent.getFileName().toString().equals(Snapshots.DIR) && grand != null && isRun(grand)) {
      return Optional.of(grand);
    }
    return Optional.empty();
  }

  /**
   * The images to use when none are given for weights at {@code path}: the run's test images if it
   * belongs to a run, else Fashion-MNIST's test split (full if installed, else the sample).
   */
  public static String defaultImages(Path path) {
    return runDirOf(path)
        .map(ImageSet::runTestSpec)
        .orElse((DataSources.fashionMnistInstalled() ? "fmnist" : DataSources.SAMPLE) + ":test");
  }

  private static boolean isRun(Path dir) {
    return Files.isRegularFile(dir.resolve("args.json"));
  }
}
