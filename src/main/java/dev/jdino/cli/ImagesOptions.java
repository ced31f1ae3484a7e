package dev.jdino.cli;

import dev.jdino.viz.RunPaths;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The images a picture of what a model sees is made of. */
final class ImagesOptions {
  @Option(
      names = "--images",
      paramLabel = "SPEC",
      description =
          "An image file, a folder, or a --data spec (fmnist-sample, fmnist, IDX:"
              + " test split). Default: the run's test images.")
  String images;

  /** The images given, else the test images of the run {@code checkpoint} belongs to. */
  String orTestImagesOf(Path checkpoint) {
    return images != null ? images : RunPaths.defaultImages(checkpoint);
  }
}
