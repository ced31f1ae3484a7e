package dev.jdino.cli;

import dev.jdino.io.BadInputException;
import dev.jdino.model.Backbone;
import dev.jdino.viz.RunPaths;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/** Which trained backbone a command reads: the same two flags on every command that loads one. */
final class CheckpointOptions {
  @Option(names = "--checkpoint", required = true, paramLabel = "PATH",
      description = "A run directory, a checkpoint or snapshot file, a flat backbone safetensors file,"
          + " or a PyTorch .pth (released DINO weights, an official full checkpoint, a timm ViT).")
  Path path;

  @Option(names = "--checkpoint-key", paramLabel = "KEY",
      description = "teacher (what DINO evaluates; the default) or student.")
  String key = "teacher";

  @Option(names = "--num-heads", paramLabel = "N",
      description = "Attention heads of the backbone, for a file that does not record them (a"
          + " flat .pth or safetensors file of a custom ViT; released DINO models, full"
          + " checkpoints and jdino files need none).")
  Integer numHeads;

  Backbone load() {
    if (!Files.exists(path)) {
      throw new BadInputException("--checkpoint " + path + " does not exist");
    }
    return numHeads == null ? Backbone.load(path, key) : Backbone.load(path, key, numHeads);
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
