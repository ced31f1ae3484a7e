package dev.jdino.cli;

import picocli.CommandLine.Option;

/**
 * How large pictures of small images are drawn; each picture's maker chooses the automatic scale
 * (and {@code attention} refuses a negative one).
 */
final class PictureOptions {
  @Option(
      names = "--scale",
      paramLabel = "N",
      description =
          "Enlarge pictures N times (default 0: small images are enlarged" + " automatically).")
  int scale;
}
