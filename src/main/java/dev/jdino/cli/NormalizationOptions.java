package dev.jdino.cli;

import dev.jdino.augment.Normalization;
import dev.jdino.io.BadInputException;
import dev.jdino.io.ConfigException;
import dev.jdino.model.Backbone;
import java.io.PrintWriter;
import picocli.CommandLine.Option;

/**
 * How images are normalised before a backbone sees them: the backbone's own statistics unless
 * given. The same two flags on every command that shows images to a backbone (and on {@code train},
 * where they set the training normalisation); the old names stay as hidden aliases for one release.
 */
final class NormalizationOptions {
  @Option(
      names = "--mean",
      split = ",",
      arity = "1..3",
      paramLabel = "X",
      description =
          "Input mean: 1 value (all channels) or R G B (default: the checkpoint's, else"
              + " ImageNet's).")
  double[] mean;

  @Option(
      names = "--std",
      split = ",",
      arity = "1..3",
      paramLabel = "X",
      description =
          "Input std: 1 value (all channels) or R G B (default: the checkpoint's, else"
              + " ImageNet's).")
  double[] std;

  @Option(names = "--normalize-mean", split = ",", arity = "1..3", hidden = true)
  double[] oldMean;

  @Option(names = "--normalize-std", split = ",", arity = "1..3", hidden = true)
  double[] oldStd;

  /** The backbone's normalisation with the given values in place of its own. */
  Normalization of(Backbone backbone, PrintWriter err) {
    if (oldMean != null || oldStd != null) {
      err.println(
          "jdino: warning: --normalize-mean and --normalize-std are deprecated and will be"
              + " removed in the next release; use --mean and --std");
    }
    try {
      return backbone
          .normalization()
          .with(mean != null ? mean : oldMean, std != null ? std : oldStd);
    } catch (ConfigException e) {
      throw new BadInputException("--" + e.setting() + ": " + e.getMessage());
    }
  }
}
