package dev.jdino.cli;

import dev.jdino.engine.Precision;
import dev.jdino.eval.FeatureExtractor;
import dev.jdino.io.BadInputException;
import dev.jdino.model.Compute;
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

  @Option(
      names = "--precision",
      paramLabel = "fp32|bf16",
      description =
          "Arithmetic of the feature extraction's matrix products. Default: bf16 on processors"
              + " with AMX or AVX512_BF16, else fp32.")
  String precision;

  @Mixin EngineOptions engine;

  /** The arithmetic features are computed with: the flag's precision, else the processor's. */
  Compute compute() {
    return precision == null
        ? Compute.forThisProcessor()
        : Compute.forThisProcessor(Precision.parse(precision));
  }

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
