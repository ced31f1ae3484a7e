package dev.jdino.cli;

import dev.jdino.io.BadInputException;
import dev.jdino.io.OutputPaths;
import dev.jdino.weights.Conversion;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jdino convert IN OUT}: PyTorch .pth to safetensors and back, names kept. */
@Command(
    name = "convert",
    description = {
      "Convert weights between a PyTorch .pth (as torch.save writes it) and safetensors, keeping"
          + " tensor names, types and values. The direction follows OUT's extension.",
      ".pth -> safetensors: every tensor under its dotted name (teacher.backbone.cls_token);"
          + " epoch, args and the nesting go into the header's metadata, so converting back"
          + " gives the same object.",
      "safetensors -> .pth: a jdino training checkpoint becomes the official full checkpoint's"
          + " layout (student, teacher, dino_loss, epoch); other files one flat state dict.",
      "The .pth is read without running its pickle: only tensor state dicts are accepted."
    })
public final class ConvertCommand extends Subcommand {
  @Parameters(index = "0", paramLabel = "IN", description = "A .pth or safetensors file.")
  Path in;

  @Parameters(
      index = "1",
      paramLabel = "OUT",
      description = "The file to write: *.safetensors, *.pth or *.pt.")
  Path out;

  @Option(names = "--force", description = "Replace OUT if it exists.")
  boolean force;

  @Override
  public Integer call() throws Exception {
    if (!Files.isRegularFile(in)) {
      throw new BadInputException("IN " + in + ": file not found");
    }
    Conversion.formatOf(out);
    OutputPaths.requireCreatable(out, "OUT", false);
    if (Files.exists(out) && !force) {
      throw new BadInputException("OUT " + out + " exists (add --force to replace it)");
    }
    if (Files.exists(out) && Files.isSameFile(in, out)) {
      throw new BadInputException("OUT " + out + " is IN itself");
    }
    Conversion.Result r = Conversion.convert(in, out);
    PrintWriter w = out();
    w.println(
        String.format(
            Locale.ROOT,
            "wrote %s: %s, %d tensors, %.1f MiB",
            r.output(),
            r.format().description(),
            r.tensors(),
            r.bytes() / (1024.0 * 1024)));
    for (String note : r.notes()) {
      w.println("note: " + note);
    }
    w.flush();
    return 0;
  }
}
