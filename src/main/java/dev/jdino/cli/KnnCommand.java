package dev.jdino.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
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
import dev.jdino.io.OutputPaths;
import dev.jdino.model.Backbone;
import dev.jdino.model.FeatureKind;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code jdino knn}: DINO's weighted k-NN evaluation of a backbone's frozen features. */
@Command(
    name = "knn",
    description = {
      "Weighted k-NN accuracy of a backbone's frozen features (DINO's eval_knn).",
      "Features: final-norm CLS, L2-normalised; images resized (bicubic) and centre-cropped.",
      "Example: jdino knn --checkpoint runs/fmnist --train-data fmnist --floors"
    })
public final class KnnCommand extends Subcommand {
  @Mixin ModelOptions model;

  @Mixin LabelledDataOptions data;

  @Mixin NeighbourOptions neighbours;

  @Option(
      names = "--temperature",
      paramLabel = "X",
      description = "Vote temperature T, weights exp(sim/T) (default ${DEFAULT-VALUE}).")
  double temperature = KnnClassifier.DEFAULT_TEMPERATURE;

  @Option(
      names = "--floors",
      description =
          "Also report k-NN on the raw normalised pixels and on a randomly initialised backbone"
              + " of the same architecture.")
  boolean floors;

  @Option(
      names = "--feature",
      paramLabel = "KIND",
      description =
          "cls (DINO's k-NN feature, the default) or cls+avgpool (CLS and mean patch"
              + " token, each L2-normalised, concatenated); the floors use the same kind.")
  String feature = "cls";

  @Option(
      names = "--seed",
      paramLabel = "N",
      description = "Seed of the random-init floor (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--output",
      paramLabel = "FILE",
      description =
          "Write the results as JSON (default: <run>/knn.json when --checkpoint is a run"
              + " directory).")
  Path output;

  @Option(
      names = "--objects",
      description =
          "With coco: data, classify the annotated objects (box crops, label = category).")
  boolean objects;

  @Option(
      names = "--min-object-size",
      defaultValue = "32",
      paramLabel = "PX",
      description = "With --objects: smallest shorter box side kept (default ${DEFAULT-VALUE}).")
  int minObjectSize;

  @Option(names = "--chunk-rows", hidden = true, description = "Test rows per similarity chunk.")
  int chunkRows = KnnClassifier.Options.DEFAULT.chunkRows();

  @Override
  public Integer call() throws Exception {
    OutputPaths.requireCreatable(output, "--output", false);
    OutputPaths.requireJson(output, "--output");
    PrintWriter out = out();
    KnnClassifier.Options knn;
    FeatureExtractor.Options ext;
    try {
      knn =
          neighbours
              .options()
              .withTemperature(temperature)
              .withChunking(chunkRows, KnnClassifier.Options.DEFAULT.trainBlock());
      ext = model.extraction(true);
    } catch (IllegalArgumentException e) {
      throw new BadInputException(e.getMessage());
    }
    model.startEngine();
    try (Backbone backbone = model.load()) {
      Preprocessing prep = model.preprocessing(backbone, err());
      String trainSpec = data.trainSpec(backbone);
      String testSpec = data.testData;
      if (objects) {
        if (testSpec == null) {
          throw new BadInputException("--objects needs --test-data (a coco: annotation file)");
        }
        trainSpec = DataSources.objectsSpec(trainSpec, minObjectSize);
        testSpec = DataSources.objectsSpec(testSpec, minObjectSize);
      }
      Path file =
          output != null
              ? output
              : Files.isDirectory(model.checkpoint.path)
                  ? model.checkpoint.path.resolve("knn.json")
                  : null;
      KnnEvaluation.Report r =
          evaluate(
              backbone,
              model.checkpoint.toString(),
              model.checkpoint.key(),
              trainSpec,
              testSpec,
              prep,
              knn,
              ext,
              FeatureKind.parse(feature),
              floors,
              seed,
              file,
              out);
      out.printf(Locale.ROOT, "k-NN done in %.1f s%n", r.seconds());
      out.flush();
      return 0;
    }
  }

  /**
   * Runs the k-NN protocol with the console display and writes {@code file} (if not null); the demo
   * calls this after pretraining, with {@code floors} on.
   *
   * @param testSpec null for the split implied by {@code trainSpec}
   */
  static KnnEvaluation.Report evaluate(
      Backbone backbone,
      String checkpoint,
      String key,
      String trainSpec,
      String testSpec,
      Preprocessing prep,
      KnnClassifier.Options knn,
      FeatureExtractor.Options ext,
      FeatureKind kind,
      boolean floors,
      long seed,
      Path file,
      PrintWriter out)
      throws IOException {
    String test = EvalData.testSpec(trainSpec, testSpec);
    ImageDataset train = EvalData.openLabelled(trainSpec, DataSources.Split.TRAIN, "--train-data");
    ImageDataset tst = EvalData.openLabelled(test, DataSources.Split.TEST, "--test-data");
    out.println("jdino knn: " + backbone + "; arithmetic " + backbone.compute());
    out.printf(
        Locale.ROOT,
        "train %s (%,d images), test %s (%,d images); %s; feature %s%n",
        trainSpec,
        train.size(),
        test,
        tst.size(),
        prep,
        kind);
    out.flush();
    KnnEvaluation.Report r;
    try (Backbone random =
        floors ? Backbone.random(backbone.config(), seed, backbone.compute()) : null) {
      r =
          KnnEvaluation.run(
              backbone,
              random,
              checkpoint,
              key,
              train,
              trainSpec,
              tst,
              test,
              prep,
              knn,
              ext,
              kind,
              ProgressDisplay.on(out).asProgress());
    }
    out.printf(
        Locale.ROOT,
        "%nweighted k-NN, T = %s, %,d train / %,d test images (* = headline k)%n",
        knn.temperature(),
        r.trainImages(),
        r.testImages());
    out.print(r.table());
    if (r.cappedNote() != null) {
      out.println(r.cappedNote());
    }
    if (r.missingClassesNote() != null) {
      out.println(r.missingClassesNote());
    }
    Reports.skipped(out, r.skipped());
    boolean same = EvalData.sameImages(train, tst);
    if (same) {
      out.println(EvalData.SAME_IMAGES_NOTE);
    }
    if (file != null) {
      Reports.keepPrevious(out, file);
      ObjectNode json = r.toJson();
      if (same) {
        json.put("test_is_training_data", true);
      }
      AtomicFiles.writeString(file, Json.pretty(json) + "\n");
      out.println("results: " + file.toAbsolutePath());
    }
    out.flush();
    return r;
  }
}
