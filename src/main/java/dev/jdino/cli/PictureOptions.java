package dev.jdino.cli;

import picocli.CommandLine.Option;

/**
 * How large pictures of small images are drawn; each picture's maker chooses the automatic scale
 * and refuses one outside 0 to 64 ({@code Pictures.requireScale}).
 */
final class PictureOptions {
  @Option(
      names = "--scale",
      paramLabel = "N",
      description =
          "Enlarge pictures N times, up to 64 (default 0: small images are enlarged"
              + " automatically).")
  int scale;
}
