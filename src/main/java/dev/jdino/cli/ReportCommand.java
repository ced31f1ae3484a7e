package dev.jdino.cli;

import dev.jdino.io.OutputPaths;
import dev.jdino.viz.Report;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code jdino report}: one self-contained HTML page for a run. */
@Command(
    name = "report",
    description = {
      "Write one self-contained HTML page for a run (configuration, curves, k-NN table with"
          + " floors, segmentation score, attention grids, patch PCA, training animation);"
          + " pictures are embedded, so it reads offline. Missing parts are made on the way."
    })
public final class ReportCommand extends Subcommand {
  @Mixin RunDirOptions run;

  @Option(names = "--out", paramLabel = "FILE", description = "Default: <run>/report.html.")
  Path out;

  @Option(
      names = "--attention",
      paramLabel = "DIR",
      description = "A jdino attention output to show (default: <run>/attention).")
  Path attention;

  @Option(names = "--animation", paramLabel = "GIF", description = "Default: <run>/animation.gif.")
  Path animation;

  @Option(
      names = "--images",
      paramLabel = "N",
      description = "Test images for attention grids made here (default ${DEFAULT-VALUE}).")
  int images = 4;

  @Option(
      names = "--no-make",
      description = "Show only what exists (the curves are still drawn from metrics.jsonl).")
  boolean noMake;

  @Mixin CurveOptions curves;

  @Override
  public Integer call() throws Exception {
    OutputPaths.requireCreatable(out, "--out", false);
    PrintWriter o = out();
    Report.Result r =
        Report.write(
            run.run,
            new Report.Options(out, attention, animation, !noMake, images, curves.xAxis()),
            err());
    o.printf("wrote %s (%d KiB)%n", r.html(), (r.bytes() + 1023) / 1024);
    o.flush();
    return 0;
  }
}
