package dev.jdino.cli;

import dev.jdino.data.DataSources;
import dev.jdino.data.ImageDataset;
import dev.jdino.eval.EvalData;
import dev.jdino.eval.FeatureExtractor;
import dev.jdino.eval.KnnClassifier;
import dev.jdino.eval.KnnEvaluation;
import dev.jdino.eval.Preprocessing;
import dev.jdino.io.AtomicFiles;
import dev.jdino.io.BadInputException;
import dev.jdino.io.Json;
import dev.jdino.model.Backbone;
import dev.jdino.model.Torch;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code jdino knn}: DINO's weighted k-NN evaluation of a backbone's frozen features. */
@Command(
    name = "knn",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Weighted k-NN accuracy of a backbone's frozen features (DINO's eval_knn).",
      "Features: final-norm CLS, L2-normalised; images resized (bicubic) and centre-cropped.",
      "Example: jdino knn --checkpoint runs/fmnist --train-data fmnist --floors"
    })
public final class KnnCommand implements Callable<Integer> {
  @Spec CommandLine.Model.CommandSpec spec;

  @Mixin ModelOptions model;

  @Option(names = "--train-data", paramLabel = "SPEC",
      description = "Labelled training images (neighbours): IDX with labels, idx:<images>:<labels>,"
          + " a folder with one subfolder per class, fmnist, fmnist-sample (default: the run's data).")
  String trainData;

  @Option(names = "--test-data", paramLabel = "SPEC",
      description = "Labelled test images (default: the test split of a Fashion-MNIST --train-data).")
  String testData;

  @Option(names = "--k", split = ",", paramLabel = "K",
      description = "Neighbour counts, comma-separated (default 10,20,100,200; 20 is the headline).")
  int[] ks = {10, 20, 100, 200};

  @Option(names = "--temperature", description = "Vote temperature T, weights exp(sim/T) (default ${DEFAULT-VALUE}).")
  double temperature = KnnClassifier.DEFAULT_TEMPERATURE;

  @Option(names = "--floors",
      description = "Also report k-NN on the raw normalised pixels and on a randomly initialised backbone"
          + " of the same architecture.")
  boolean floors;

  @Option(names = "--seed", description = "Seed of the random-init floor (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--output", paramLabel = "FILE",
      description = "Write the results as JSON (default: <run>/knn.json when --checkpoint is a run directory).")
  Path output;

  @Option(names = "--objects",
      description = "With coco: data, classify the annotated objects (box crops, label = category).")
  boolean objects;

  @Option(names = "--min-object-size", defaultValue = "32", paramLabel = "PX",
      description = "With --objects: smallest shorter box side kept (default ${DEFAULT-VALUE}).")
  int minObjectSize;

  @Option(names = "--chunk-rows", hidden = true, description = "Test rows per similarity chunk.")
  int chunkRows = KnnClassifier.Options.DEFAULT.chunkRows();

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    KnnClassifier.Options knn;
    FeatureExtractor.Options ext;
    try {
      knn = KnnClassifier.Options.DEFAULT.withKs(ks).withTemperature(temperature)
          .withChunking(chunkRows, KnnClassifier.Options.DEFAULT.trainBlock());
      ext = model.extraction(true);
    } catch (IllegalArgumentException e) {
      throw new BadInputException(e.getMessage());
    }
    model.startEngine();
    try (Backbone backbone = model.load()) {
      Preprocessing prep = model.preprocessing(backbone);
      String trainSpec = trainData != null ? trainData : runData(backbone);
      String testSpec = testData;
      if (objects) {
        if (testData == null) {
          throw new BadInputException("--objects needs --test-data (a coco: annotation file)");
        }
        trainSpec = DataSources.objectsSpec(trainSpec, minObjectSize);
        testSpec = DataSources.objectsSpec(testData, minObjectSize);
      }
      Path file = output != null ? output
          : Files.isDirectory(model.checkpoint.path) ? model.checkpoint.path.resolve("knn.json") : null;
      KnnEvaluation.Report r = evaluate(backbone, model.checkpoint.toString(), model.checkpoint.key, trainSpec,
          testSpec, prep, knn, ext, floors, seed, file, out);
      out.printf(Locale.ROOT, "%.1f s%n", r.seconds());
      out.flush();
      return 0;
    }
  }

  /**
   * Runs the k-NN protocol with the console display and writes {@code file} (if not null); the
   * demo calls this after pretraining, with {@code floors} on.
   *
   * @param testSpec null for the split implied by {@code trainSpec}
   */
  static KnnEvaluation.Report evaluate(Backbone backbone, String checkpoint, String key,
      String trainSpec, String testSpec, Preprocessing prep, KnnClassifier.Options knn,
      FeatureExtractor.Options ext, boolean floors, long seed, Path file, PrintWriter out)
      throws java.io.IOException {
    String test = testSpec(trainSpec, testSpec);
    ImageDataset train = EvalData.openLabelled(trainSpec, DataSources.Split.TRAIN, "--train-data");
    ImageDataset tst = EvalData.openLabelled(test, DataSources.Split.TEST, "--test-data");
    out.println("jdino knn: " + backbone);
    out.printf(Locale.ROOT, "train %s (%,d images), test %s (%,d images); %s%n", trainSpec,
        train.size(), test, tst.size(), prep);
    out.flush();
    KnnEvaluation.Report r;
    try (Backbone random = floors ? Backbone.random(backbone.config(), seed) : null) {
      r = KnnEvaluation.run(backbone, random, checkpoint, key, train, trainSpec, tst, test, prep, knn,
          ext, ProgressDisplay.on(out).asProgress());
    }
    out.printf(Locale.ROOT, "%nweighted k-NN, T = %s, %,d train / %,d test images (* = headline k)%n",
        knn.temperature(), r.trainImages(), r.testImages());
    out.print(r.table());
    reportSkipped(out, r.skipped());
    if (file != null) {
      AtomicFiles.writeString(file, Json.pretty(r.toJson()) + "\n");
      out.println("results: " + file.toAbsolutePath());
    }
    out.flush();
    return r;
  }

  /**
   * The demo's evaluation of a finished run: teacher, the run's own data and its test split, k in
   * {10, 20, 100, 200}, with both floors; results in {@code <run>/knn.json}.
   */
  static KnnEvaluation.Report evaluateRun(Path runDir, PrintWriter out) throws java.io.IOException {
    try (Backbone backbone = Backbone.load(runDir, "teacher")) {
      return evaluate(backbone, runDir.toString(), "teacher", runData(backbone), null,
          Preprocessing.forBackbone(backbone, null, null, null, null), KnnClassifier.Options.DEFAULT,
          FeatureExtractor.Options.DEFAULT, true, 0, runDir.resolve("knn.json"), out);
    }
  }

  /** The run's own training data, from the checkpoint's metadata. */
  static String runData(Backbone backbone) {
    String d = backbone.description().path("data").asText("");
    if (d.isEmpty()) {
      throw new BadInputException("--train-data is required: " + backbone.source()
          + " does not name the data it was trained on");
    }
    return d;
  }

  /** The test spec: given, or implied by a Fashion-MNIST training spec. */
  static String testSpec(String trainSpec, String given) {
    if (given != null) {
      return given;
    }
    String implied = EvalData.impliedTestSpec(trainSpec);
    if (implied == null) {
      throw new BadInputException("--test-data is required (only the Fashion-MNIST names imply their"
          + " test split; --train-data is " + trainSpec + ")");
    }
    return implied;
  }

  static void reportSkipped(PrintWriter out, List<FeatureExtractor.Skipped> skipped) {
    if (skipped.isEmpty()) {
      return;
    }
    out.printf(Locale.ROOT, "%d image%s could not be decoded and %s left out:%n", skipped.size(),
        skipped.size() == 1 ? "" : "s", skipped.size() == 1 ? "was" : "were");
    for (int i = 0; i < Math.min(20, skipped.size()); i++) {
      out.println("  " + skipped.get(i).source() + ": " + skipped.get(i).message());
    }
    if (skipped.size() > 20) {
      out.println("  ... and " + (skipped.size() - 20) + " more");
    }
  }

  /** The options every evaluation command shares: which backbone, how images are prepared. */
  static final class ModelOptions {
    @Mixin CheckpointOptions checkpoint;

    @Option(names = "--batch-size", description = "Images per forward pass (default ${DEFAULT-VALUE}).")
    int batchSize = 256;

    @Option(names = "--resize", description = "Shorter side before the centre crop (default: crop * 256/224, 32 for 28 px).")
    Integer resize;

    @Option(names = "--crop", description = "Centre crop side (default: the backbone's training resolution).")
    Integer crop;

    @Option(names = "--mean", arity = "3", paramLabel = "X",
        description = "Normalisation mean, RGB (default: the run's, else ImageNet).")
    float[] mean;

    @Option(names = "--std", arity = "3", paramLabel = "X",
        description = "Normalisation std, RGB (default: the run's, else ImageNet).")
    float[] std;

    @Option(names = "--num-workers", description = "Image preparation threads (default ${DEFAULT-VALUE}).")
    int numWorkers = 2;

    @Option(names = "--threads", description = "Engine compute threads (default: all cores).")
    Integer threads;

    void startEngine() {
      Torch.start(threads != null ? threads : 0);
    }

    Backbone load() {
      return checkpoint.load();
    }

    Preprocessing preprocessing(Backbone b) {
      try {
        return Preprocessing.forBackbone(b, resize, crop, mean, std);
      } catch (IllegalArgumentException e) {
        throw new BadInputException(e.getMessage());
      }
    }

    FeatureExtractor.Options extraction(boolean l2) {
      return new FeatureExtractor.Options(batchSize, numWorkers, l2);
    }
  }
}
