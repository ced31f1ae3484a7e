package dev.jdino.cli;

import dev.jdino.io.BadInputException;
import dev.jdino.weights.FileSummary;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code jdino info FILE}: what a weight file holds. */
@Command(
    name = "info",
    description = {
      "Describe a weight file (.pth or safetensors, jdino's or not) without loading it: format,"
          + " layout, the ViT's architecture and parameter count, the DINO head, the other"
          + " tensors, epoch and args."
    })
public final class InfoCommand extends Subcommand {
  @Parameters(index = "0", paramLabel = "FILE", description = "A .pth or safetensors file.")
  Path file;

  @Mixin BackboneKeyOptions backbone;

  @Override
  public Integer call() {
    Path f = Files.isDirectory(file) ? file.resolve("checkpoint.safetensors") : file;
    if (Files.isDirectory(file) && !Files.isRegularFile(f)) {
      // "file not found" for a folder that exists sent people looking for a typo.
      throw new BadInputException(
          "FILE "
              + file
              + ": a directory without checkpoint.safetensors; expected a weight file (.pth or"
              + " safetensors) or a run directory");
    }
    if (!Files.isRegularFile(f)) {
      throw new BadInputException("FILE " + file + ": file not found");
    }
    PrintWriter out = out();
    for (String line : FileSummary.lines(f, backbone.key, backbone.numHeads)) {
      out.println(line);
    }
    out.flush();
    return 0;
  }
}
