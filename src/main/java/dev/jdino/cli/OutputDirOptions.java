package dev.jdino.cli;

import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Where a command that draws writes its pictures: a folder named after the command, in the run
 * directory when there is one.
 */
final class OutputDirOptions {
  @Spec(Spec.Target.MIXEE)
  CommandSpec command;

  @Option(
      names = "--output-dir",
      paramLabel = "DIR",
      description = "Where to write (default: <run>/${COMMAND-NAME}, else ./${COMMAND-NAME}).")
  Path outputDir;

  /** The folder given, else the command's name in {@code run}, else in the current folder. */
  Path dir(Optional<Path> run) {
    if (outputDir != null) {
      return outputDir;
    }
    return run.map(r -> r.resolve(command.name())).orElse(Path.of(command.name()));
  }
}
