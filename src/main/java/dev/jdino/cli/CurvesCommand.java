package dev.jdino.cli;

import dev.jdino.io.OutputPaths;
import dev.jdino.viz.Curves;
import dev.jdino.viz.RunMetrics;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code jdino curves}: PNG charts of a run's metrics.jsonl. */
@Command(
    name = "curves",
    description = {
      "Plot a run's metrics.jsonl as PNG charts: loss (with the collapse level ln K), lr,"
          + " weight decay, teacher momentum, teacher entropy, KL(teacher || student), k-NN top-1."
    })
public final class CurvesCommand extends Subcommand {
  @Mixin RunDirOptions run;

  @Mixin OutputDirOptions output;

  @Mixin CurveOptions curves;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = out();
    Path runDir = run.dir();
    Path dir = output.dir(Optional.of(runDir));
    if (output.outputDir != null) {
      // <run>/curves is the run's own (runs drawn before curves.json existed lack the marker); a
      // folder given here may be the user's, and its files are not drawn over.
      OutputPaths.requireOutputFolder(dir, Curves.SUMMARY);
    }
    RunMetrics metrics = RunMetrics.read(runDir);
    List<Curves.Chart> charts = Curves.write(runDir, metrics, dir, curves.xAxis());
    for (Curves.Chart c : charts) {
      out.println("wrote " + c.file());
    }
    metrics.skippedNote().ifPresent(n -> out.println("note: " + n));
    out.flush();
    return 0;
  }
}
