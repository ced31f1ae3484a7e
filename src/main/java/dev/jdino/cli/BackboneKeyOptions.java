package dev.jdino.cli;

import picocli.CommandLine.Option;

/**
 * Which network of a weight file a command reads, and its heads where the file does not say: the
 * same two flags wherever a file is read ({@link CheckpointOptions}, {@code jdino info}).
 */
final class BackboneKeyOptions {
  @Option(
      names = "--checkpoint-key",
      paramLabel = "KEY",
      description = "teacher (what DINO evaluates; the default) or student.")
  String key = "teacher";

  @Option(
      names = "--num-heads",
      paramLabel = "N",
      description =
          "Attention heads of the backbone, for a file that does not record them (a"
              + " flat .pth or safetensors file of a custom ViT; released DINO models, full"
              + " checkpoints and jdino files need none).")
  Integer numHeads;
}
