package dev.jdino.cli;

import dev.jdino.io.BadInputException;
import dev.jdino.weights.FileSummary;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code jdino info FILE}: what a weight file holds. */
@Command(
    name = "info",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Describe a weight file (.pth or safetensors, jdino's or not) without loading it: format,"
          + " layout, the ViT's architecture and parameter count, the DINO head, the other"
          + " tensors, epoch and args."
    })
public final class InfoCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "FILE", description = "A .pth or safetensors file.")
  Path file;

  @Option(
      names = "--checkpoint-key",
      paramLabel = "KEY",
      description = "For training checkpoints: describe the teacher (default) or the student.")
  String key = "teacher";

  @Option(
      names = "--num-heads",
      paramLabel = "N",
      description = "Attention heads, for a file that does not record them.")
  Integer numHeads;

  @Override
  public Integer call() {
    Path f = Files.isDirectory(file) ? file.resolve("checkpoint.safetensors") : file;
    if (!Files.isRegularFile(f)) {
      throw new BadInputException("FILE " + file + ": file not found");
    }
    PrintWriter out = spec.commandLine().getOut();
    for (String line : FileSummary.lines(f, key, numHeads)) {
      out.println(line);
    }
    out.flush();
    return 0;
  }
}
