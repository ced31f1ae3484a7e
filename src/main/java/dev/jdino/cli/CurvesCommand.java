package dev.jdino.cli;

import dev.jdino.viz.Curves;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code jdino curves}: PNG charts of a run's metrics.jsonl. */
@Command(
    name = "curves",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Plot a run's metrics.jsonl as PNG charts: loss (with the collapse level ln K), lr,"
          + " weight decay, teacher momentum, teacher entropy, KL(teacher || student), k-NN top-1."
    })
public final class CurvesCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--run", required = true, paramLabel = "DIR", description = "The run directory.")
  Path run;

  @Option(names = "--output-dir", paramLabel = "DIR", description = "Default: <run>/curves.")
  Path outputDir;

  @Option(names = "--by-epoch", description = "Epochs on the x axis instead of steps.")
  boolean byEpoch;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Path dir = outputDir != null ? outputDir : run.resolve("curves");
    List<Curves.Chart> charts = Curves.write(run, dir,
        byEpoch ? Curves.XAxis.EPOCHS : Curves.XAxis.STEPS);
    for (Curves.Chart c : charts) {
      out.println("wrote " + c.file());
    }
    out.flush();
    return 0;
  }
}
