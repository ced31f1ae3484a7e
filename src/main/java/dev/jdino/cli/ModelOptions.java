package dev.jdino.cli;

import dev.jdino.augment.Normalization;
import dev.jdino.eval.FeatureExtractor;
import dev.jdino.eval.Preprocessing;
import dev.jdino.io.BadInputException;
import dev.jdino.model.Backbone;
import java.io.PrintWriter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The options every evaluation command shares: which backbone, how images are prepared. */
final class ModelOptions {
  @Mixin CheckpointOptions checkpoint;

  @Option(
      names = "--resize",
      paramLabel = "PX",
      description = "Shorter side before the centre crop (default: crop * 256/224, 32 for 28 px).")
  Integer resize;

  @Option(
      names = "--crop",
      paramLabel = "PX",
      description = "Centre crop side (default: the backbone's training resolution).")
  Integer crop;

  @Mixin NormalizationOptions normalization;

  @Mixin ExtractionOptions extraction;

  void startEngine() {
    extraction.engine.start();
  }

  Backbone load() {
    return checkpoint.load(extraction.compute());
  }

  Preprocessing preprocessing(Backbone b, PrintWriter err) {
    Normalization n = normalization.of(b, err);
    try {
      return Preprocessing.forBackbone(b, resize, crop, n.mean(), n.std());
    } catch (IllegalArgumentException e) {
      throw new BadInputException(e.getMessage());
    }
  }

  FeatureExtractor.Options extraction(boolean l2) {
    return extraction.options(l2);
  }
}
