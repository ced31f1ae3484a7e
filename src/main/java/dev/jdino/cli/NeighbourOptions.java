package dev.jdino.cli;

import dev.jdino.eval.KnnClassifier;
import dev.jdino.io.BadInputException;
import picocli.CommandLine.Option;

/** The neighbour counts of a weighted k-NN evaluation ({@link KnnClassifier}). */
final class NeighbourOptions {
  @Option(
      names = "--k",
      split = ",",
      paramLabel = "K",
      description =
          "Neighbour counts, comma-separated (default 10,20,100,200; 20 is the headline).")
  int[] ks = {10, 20, 100, 200};

  /**
   * DINO's k-NN settings with these neighbour counts.
   *
   * @throws BadInputException for a count below 1
   */
  KnnClassifier.Options options() {
    try {
      return KnnClassifier.Options.DEFAULT.withKs(ks);
    } catch (IllegalArgumentException e) {
      throw new BadInputException(e.getMessage());
    }
  }
}
