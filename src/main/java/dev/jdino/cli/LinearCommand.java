package dev.jdino.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jdino.data.DataSources;
import dev.jdino.data.ImageDataset;
import dev.jdino.eval.EvalData;
import dev.jdino.eval.FeatureExtractor;
import dev.jdino.eval.LinearProbe;
import dev.jdino.eval.LinearProbeConfig;
import dev.jdino.eval.Preprocessing;
import dev.jdino.io.BadInputException;
import dev.jdino.io.Json;
import dev.jdino.model.Backbone;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code jdino linear}: DINO's linear probe on a frozen backbone. */
@Command(
    name = "linear",
    description = {
      "Train a linear classifier on a frozen backbone's features (DINO's eval_linear).",
      "Features: CLS of the last n blocks (+ mean patch token); SGD momentum 0.9, cosine lr to 0.",
      "Example: jdino linear --checkpoint runs/fmnist --train-data fmnist --no-augment --epochs 100"
    })
public final class LinearCommand extends Subcommand {
  @Mixin ModelOptions model;

  @Mixin LabelledDataOptions data;

  @Option(
      names = "--n-last-blocks",
      paramLabel = "N",
      description = "Concatenate the CLS of this many last blocks (default ${DEFAULT-VALUE}).")
  int nLastBlocks = 4;

  @Option(names = "--avgpool-patchtokens", description = "Add the last block's mean patch token.")
  boolean avgpool;

  @Option(
      names = "--epochs",
      paramLabel = "N",
      description = "Training epochs (default ${DEFAULT-VALUE}, as the official script).")
  int epochs = 100;

  @Option(
      names = "--lr",
      paramLabel = "X",
      description = "Base lr for batch 256; peak = lr * batch / 256 (default ${DEFAULT-VALUE}).")
  double lr = 0.001;

  @Option(
      names = "--no-augment",
      description =
          "Fast mode: features of the evaluation-transformed training images, computed once"
              + " (default: the official protocol, new RandomResizedCrop + flip features every"
              + " epoch).")
  boolean noAugment;

  @Option(
      names = "--seed",
      paramLabel = "N",
      description = "Seed of the init, order and augmentation (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--output-dir",
      paramLabel = "DIR",
      description =
          "Where to save linear.safetensors and linear.json (default: <run>/linear, or"
              + " linear-probe).")
  Path outputDir;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = out();
    LinearProbeConfig cfg;
    try {
      cfg =
          new LinearProbeConfig(
              nLastBlocks, avgpool, epochs, lr, model.extraction.batchSize, !noAugment, 0.08, seed);
      model.extraction(false);
    } catch (IllegalArgumentException e) {
      throw new BadInputException(e.getMessage());
    }
    Path dir =
        outputDir != null
            ? outputDir
            : Files.isDirectory(model.checkpoint.path)
                ? model.checkpoint.path.resolve("linear")
                : Path.of("linear-probe");
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new BadInputException("--output-dir " + dir + " exists and is not a directory");
    }
    model.startEngine();
    try (Backbone backbone = model.load()) {
      if (nLastBlocks > backbone.config().depth()) {
        throw new BadInputException(
            "--n-last-blocks "
                + nLastBlocks
                + " exceeds the backbone's depth "
                + backbone.config().depth());
      }
      Preprocessing prep = model.preprocessing(backbone, err());
      String trainSpec = data.trainSpec(backbone);
      String testSpec = data.testSpec(trainSpec);
      ImageDataset train =
          EvalData.openLabelled(trainSpec, DataSources.Split.TRAIN, "--train-data");
      ImageDataset test = EvalData.openLabelled(testSpec, DataSources.Split.TEST, "--test-data");
      out.println("jdino linear: " + backbone + "; arithmetic " + backbone.compute());
      out.printf(
          Locale.ROOT,
          "train %s (%,d images), test %s (%,d images); %s%n",
          trainSpec,
          train.size(),
          testSpec,
          test.size(),
          prep);
      out.printf(
          Locale.ROOT,
          "probe: %d features (%s), %d epochs, batch %d, peak lr %.6g, %s%n",
          LinearProbe.featureDim(backbone, nLastBlocks, avgpool),
          "CLS of the last "
              + nLastBlocks
              + " block"
              + (nLastBlocks == 1 ? "" : "s")
              + (avgpool ? " + mean patch token" : ""),
          epochs,
          cfg.batchSize(),
          cfg.peakLr(),
          cfg.augment()
              ? "official protocol (augmented features every epoch)"
              : "fast mode (cached features)");
      if (cfg.batchSize() > train.size()) {
        // As the official eval_linear: the lr follows the batch asked for, not the one reached.
        out.printf(
            Locale.ROOT,
            "note: --batch-size %d is more than the %,d training images: every epoch is one batch"
                + " of %,d, while the learning rate is scaled for %d (lr x batch / 256)%n",
            cfg.batchSize(),
            train.size(),
            train.size(),
            cfg.batchSize());
      }
      out.flush();
      long t0 = System.nanoTime();
      LinearProbe.Result r =
          LinearProbe.run(
              backbone,
              train,
              test,
              prep,
              cfg,
              model.extraction.numWorkers,
              ProgressDisplay.on(out).asProgress(),
              e -> {
                out.printf(
                    Locale.ROOT,
                    "epoch %d/%d: lr %.3g, loss %s, test top-1 %.2f%s, %.1f s%n",
                    e.epoch() + 1,
                    epochs,
                    e.lr(),
                    LinearProbe.formatLoss(e.trainLoss()),
                    e.top1(),
                    Double.isNaN(e.top5())
                        ? ""
                        : String.format(Locale.ROOT, " top-5 %.2f", e.top5()),
                    e.seconds());
                out.flush();
              });
      Reports.skipped(out, r.skipped());
      boolean same = EvalData.sameImages(train, test);
      if (same) {
        out.println(EvalData.SAME_IMAGES_PROBE_NOTE);
      }
      ObjectNode desc = Json.object();
      desc.put("checkpoint", model.checkpoint.toString());
      desc.put("checkpoint_key", model.checkpoint.key());
      desc.put("train_data", trainSpec);
      desc.put("test_data", testSpec);
      desc.set("preprocessing", prep.toJson());
      if (same) {
        desc.put("test_is_training_data", true);
      }
      FeatureExtractor.Skipped.putInto(desc, r.skipped());
      double seconds = (System.nanoTime() - t0) / 1e9;
      desc.put("seconds", seconds);
      var names = desc.putArray("class_names");
      (train.classNames().isEmpty() ? test.classNames() : train.classNames()).forEach(names::add);
      Reports.keepPrevious(
          out, dir.resolve(LinearProbe.WEIGHTS_FILE), dir.resolve(LinearProbe.DESCRIPTION_FILE));
      Path file = LinearProbe.save(dir, r, desc);
      out.printf(
          Locale.ROOT,
          "best: epoch %d, top-1 %.2f%s; %d epochs in %.0f s%n",
          r.bestEpoch() + 1,
          r.bestTop1(),
          Double.isNaN(r.bestTop5())
              ? ""
              : String.format(Locale.ROOT, ", top-5 %.2f", r.bestTop5()),
          epochs,
          seconds);
      if (r.divergenceNote() != null) {
        out.println(r.divergenceNote());
      }
      if (r.missingClassesNote() != null) {
        out.println(r.missingClassesNote());
      }
      out.println("linear layer: " + file.toAbsolutePath());
      out.flush();
      return 0;
    }
  }
}
