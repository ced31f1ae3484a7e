package dev.jdino.cli;

import dev.jdino.eval.FeatureExtractor;
import dev.jdino.io.BadInputException;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * How features are extracted ({@link FeatureExtractor}): batch, image preparation threads and
 * engine threads; the same flags on every command that extracts features.
 */
final class ExtractionOptions {
  @Option(
      names = "--batch-size",
      paramLabel = "N",
      description = "Images per forward pass (default ${DEFAULT-VALUE}).")
  int batchSize = 256;

  @Option(
      names = "--num-workers",
      paramLabel = "N",
      description = "Image preparation threads (default ${DEFAULT-VALUE}).")
  int numWorkers = 2;

  @Mixin EngineOptions engine;

  /**
   * The extraction settings, L2-normalised or not.
   *
   * @throws BadInputException for a batch size or thread count below 1
   */
  FeatureExtractor.Options options(boolean l2) {
    try {
      return new FeatureExtractor.Options(batchSize, numWorkers, l2);
    } catch (IllegalArgumentException e) {
      throw new BadInputException(e.getMessage());
    }
  }
}
