package dev.jdino.cli;

import dev.jdino.data.DataSources;
import dev.jdino.train.DinoTrainer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code jdino demo}: the whole story on the bundled data in a few minutes: pretrain a small ViT
 * with DINO and say where everything is.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = "Pretrain a small ViT with DINO on the bundled Fashion-MNIST sample (a few minutes).")
public final class DemoCommand implements Callable<Integer> {
  @Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--full", description = "Use the full Fashion-MNIST (apt install dataset-fashion-mnist).")
  boolean full;

  @Option(names = "--epochs", description = "Pretraining epochs (default ${DEFAULT-VALUE}).")
  int epochs = 4;

  @Option(names = "--output-dir", paramLabel = "DIR", description = "Run directory (default: runs/demo-<time>).")
  Path outputDir;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Path dir = outputDir != null ? outputDir
        : Path.of("runs", "demo-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    String data = full ? "fmnist" : DataSources.SAMPLE;
    // fmnist-small, shortened: a warm-up of one epoch and a few epochs in all.
    CommandLine train = new CommandLine(new TrainCommand());
    train.parseArgs("--preset", "fmnist-small", "--data", data, "--output-dir", dir.toString(),
        "--epochs", Integer.toString(epochs), "--snapshot-every", "1");
    TrainCommand.Setup setup = TrainCommand.prepare(train.getCommandSpec(), train.getCommand());
    out.println("jdino demo: DINO on " + (full ? "the full Fashion-MNIST" : "the bundled Fashion-MNIST sample")
        + ", " + epochs + " epochs, into " + dir);
    DinoTrainer.Summary summary = Training.train(setup, out);
    Training.printSummary(summary, out);
    return 0;
  }
}
