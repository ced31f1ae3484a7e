package dev.jdino.cli;

import dev.jdino.engine.Torch;
import picocli.CommandLine.Option;

/** The engine's compute threads of a command that runs a network without training it. */
final class EngineOptions {
  @Option(
      names = "--threads",
      paramLabel = "N",
      description = "Engine compute threads (default: all cores).")
  Integer threads;

  /** Starts the engine with these threads (0: libtorch's default, all cores). */
  void start() {
    Torch.start(threads != null ? threads : 0);
  }
}
