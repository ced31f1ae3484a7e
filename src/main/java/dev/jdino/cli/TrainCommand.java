package dev.jdino.cli;

import dev.jdino.data.DataSources;
import dev.jdino.data.ImageDataset;
import dev.jdino.engine.Torch;
import dev.jdino.eval.OnlineKnn;
import dev.jdino.train.DinoTrainer;
import dev.jdino.train.RunDirectory;
import dev.jdino.train.TrainConfig;
import dev.jdino.train.TrainOptions;
import dev.jdino.train.TrainingState;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code jdino train}: DINO pretraining with the official arguments (kebab-case, from {@link
 * ConfigFlags}). Running it again with the same {@code --output-dir} resumes from the run's
 * checkpoint; flags not given then keep the run's values.
 */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Pretrain a Vision Transformer with DINO on unlabelled images.",
      "Defaults are the reference's (ViT-S/16, 224 px); --preset fmnist-small is the small",
      "benchmark configuration. Rerun with the same --output-dir to resume."
    })
public final class TrainCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--preset", paramLabel = "NAME",
      description = "Start from a preset configuration: fmnist-small, reference.")
  String preset;

  @Option(names = "--data", paramLabel = "SPEC",
      description = "Training images: a folder, an IDX file, idx:<images>[:<labels>], fmnist,"
          + " fmnist-sample, coco:<annotations.json>[:<root>] (default: full Fashion-MNIST if"
          + " installed, else the bundled sample).")
  String data;

  @Option(names = "--output-dir", paramLabel = "DIR", description = "Run directory (default: runs/dino).")
  Path outputDir;

  @Mixin RunOptions run;

  @Mixin OnlineKnnOptions knn;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Map<String, Object> overrides = ConfigFlags.overrides(spec.commandLine().getParseResult(), err);
    Path dir = outputDir != null ? outputDir : Path.of("runs", "dino");
    RunDirectory runDir = ConfigFlags.openRun(dir, preset, overrides, data);
    String dataSpec = runDir.dataSpec() != null ? runDir.dataSpec() : DataSources.defaultTrainSpec();
    ImageDataset images = DataSources.open(dataSpec);
    int stepsPerEpoch = DinoTrainer.stepsPerEpoch(images, runDir.config());
    if (runDir.finished(stepsPerEpoch)) {
      out.println("jdino train: the run in " + dir + " has finished its "
          + TrainConfig.fmt(runDir.config().train().epochs()) + " epochs; nothing to do (raise"
          + " --epochs to train further, or choose a new --output-dir)");
      return 0;
    }
    if (!runDir.note().isEmpty()) {
      out.println("note: " + runDir.note());
    }
    TrainOptions options = run.toOptions(dir);
    OnlineKnn onlineKnn = knn.open(runDir.config(), options.numWorkers());
    Torch.start(options.threads());
    try (TrainingState state = runDir.state(stepsPerEpoch, null)) {
      Training.printSummary(
          Training.train(new Training.Job(state, options, images, dataSpec, onlineKnn), out), out);
    }
    return 0;
  }
}
