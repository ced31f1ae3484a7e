package dev.jdino.cli;

import dev.jdino.io.BadInputException;
import picocli.CommandLine.Option;

/**
 * The attention mask: the smallest set of patches that keeps a share of the last block's [CLS]
 * attention (the official visualize_attention.py's {@code --threshold}, 0.6).
 */
final class MaskOptions {
  @Option(
      names = "--threshold",
      paramLabel = "SHARE",
      description = "Share of the attention mass each mask keeps (default ${DEFAULT-VALUE}).")
  double threshold = 0.6;

  /**
   * The share.
   *
   * @throws BadInputException unless it lies in (0, 1]
   */
  double share() {
    if (!(threshold > 0 && threshold <= 1)) {
      throw new BadInputException("--threshold " + threshold + ": expected a share in (0, 1]");
    }
    return threshold;
  }
}
