package dev.jdino.cli;

import dev.jdino.io.BadInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The training run a command reads ({@code --run}; unlike {@link RunOptions}, which says how a run
 * is carried out): its directory, and the default places of what the command writes into it.
 */
final class RunDirOptions {
  @Option(names = "--run", required = true, paramLabel = "DIR", description = "The run directory.")
  Path run;

  /**
   * The run directory, refused in one line when it is not one: a file given here (metrics.jsonl,
   * say) otherwise failed deep inside with "cannot read (Input length = 1)" or "Not a directory".
   */
  Path dir() {
    if (Files.isRegularFile(run)) {
      throw new BadInputException(
          "--run " + run + ": a file, not a directory; expected a jdino run directory");
    }
    if (!Files.isDirectory(run)) {
      throw new BadInputException(
          "--run " + run + ": no such directory; expected a jdino run directory");
    }
    return run;
  }

  /** {@code given}, else {@code name} in the run directory. */
  Path orInRun(Path given, String name) {
    return given != null ? given : run.resolve(name);
  }
}
