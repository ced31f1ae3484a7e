package dev.jdino.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The training run a command reads ({@code --run}; unlike {@link RunOptions}, which says how a run
 * is carried out): its directory, and the default places of what the command writes into it.
 */
final class RunDirOptions {
  @Option(names = "--run", required = true, paramLabel = "DIR", description = "The run directory.")
  Path run;

  /** {@code given}, else {@code name} in the run directory. */
  Path orInRun(Path given, String name) {
    return given != null ? given : run.resolve(name);
  }
}
