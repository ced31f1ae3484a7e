package dev.jdino.cli;

import dev.jdino.io.BadInputException;
import dev.jdino.model.Backbone;
import dev.jdino.model.Compute;
import dev.jdino.viz.RunPaths;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Which trained backbone a command reads: the same flags on every command that loads one. */
final class CheckpointOptions {
  @Option(
      names = "--checkpoint",
      required = true,
      paramLabel = "PATH",
      description =
          "A run directory, a checkpoint or snapshot file, a flat backbone safetensors file, or a"
              + " PyTorch file (.pth: released DINO weights, an official full checkpoint, a timm"
              + " ViT).")
  Path path;

  @Mixin BackboneKeyOptions backbone;

  Backbone load() {
    return load(Compute.forThisProcessor());
  }

  /** The backbone, computing with {@code compute}'s arithmetic. */
  Backbone load(Compute compute) {
    if (!Files.exists(path)) {
      throw new BadInputException("--checkpoint " + path + " does not exist");
    }
    return backbone.numHeads == null
        ? Backbone.load(path, backbone.key, compute)
        : Backbone.load(path, backbone.key, backbone.numHeads, compute);
  }

  /** teacher or student. */
  String key() {
    return backbone.key;
  }

  /** The run directory the checkpoint belongs to, if it belongs to one. */
  Optional<Path> runDir() {
    return RunPaths.runDirOf(path);
  }

  @Override
  public String toString() {
    return path.toString();
  }
}
