package dev.jdino.cli;

import dev.jdino.data.DataSources;
import dev.jdino.data.ImageDataset;
import dev.jdino.engine.Torch;
import dev.jdino.eval.EvalData;
import dev.jdino.eval.FeatureExtractor;
import dev.jdino.eval.Features;
import dev.jdino.eval.KnnClassifier;
import dev.jdino.eval.Preprocessing;
import dev.jdino.eval.Progress;
import dev.jdino.io.OutputPaths;
import dev.jdino.model.Backbone;
import dev.jdino.train.DinoConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code jdino bench knn}: feature-extraction throughput and the whole k-NN time (extraction
 * included), by default on the full Fashion-MNIST (60,000 / 10,000) with a randomly initialised
 * fmnist-small backbone; random weights cost exactly what trained ones cost.
 */
@Command(
    name = "knn",
    description = "Measure feature extraction (images/s) and the whole k-NN evaluation time.")
public final class BenchKnnCommand extends Subcommand {
  @Option(
      names = "--data",
      paramLabel = "SPEC",
      description = "Labelled training data (default: fmnist if installed, else the sample).")
  String data;

  @Option(
      names = "--test-data",
      paramLabel = "SPEC",
      description = "Labelled test data (default: its test split).")
  String testData;

  @Option(
      names = "--checkpoint",
      paramLabel = "PATH",
      description = "A backbone to time instead of a random fmnist-small one.")
  Path checkpoint;

  @Mixin ExtractionOptions extraction;

  @Mixin NeighbourOptions neighbours;

  @Option(
      names = "--json",
      paramLabel = "FILE",
      description =
          "Also write the figures as JSON (machine, images/s, seconds, accuracy); an earlier file"
              + " there is kept beside it.")
  Path json;

  @Override
  public Integer call() throws Exception {
    OutputPaths.requireCreatable(json, "--json", false);
    PrintWriter out = out();
    FeatureExtractor.Options ext = extraction.options(true);
    KnnClassifier.Options knn = neighbours.options();
    extraction.engine.start();
    String trainSpec = data != null ? data : DataSources.defaultTrainSpec();
    String testSpec = EvalData.testSpec(trainSpec, testData);
    ImageDataset train = EvalData.openLabelled(trainSpec, DataSources.Split.TRAIN, "--data");
    ImageDataset test = EvalData.openLabelled(testSpec, DataSources.Split.TEST, "--test-data");
    DinoConfig preset = DinoConfig.preset("fmnist-small");
    try (Backbone backbone =
        checkpoint != null
            ? Backbone.load(checkpoint, "teacher", extraction.compute())
            : Backbone.random(preset.vit().withoutDropPath(), 0, extraction.compute())) {
      // A random backbone has no metadata: prepare images as an fmnist-small run would.
      Preprocessing prep =
          checkpoint != null
              ? Preprocessing.forBackbone(backbone, null, null, null, null)
              : Preprocessing.forTraining(preset);
      Progress progress = ProgressDisplay.on(out).asProgress();
      out.printf(
          Locale.ROOT,
          "jdino bench knn: %s; arithmetic %s; train %s (%,d), test %s (%,d); batch %d; %s%n",
          backbone,
          backbone.compute(),
          trainSpec,
          train.size(),
          testSpec,
          test.size(),
          ext.batchSize(),
          prep);
      out.flush();
      long t0 = System.nanoTime();
      List<FeatureExtractor.Encoder> enc = List.of(FeatureExtractor.cls(backbone));
      FeatureExtractor.Result tr =
          FeatureExtractor.extract(train, null, prep, enc, ext, progress, "train");
      FeatureExtractor.Result te =
          FeatureExtractor.extract(test, null, prep, enc, ext, progress, "test");
      long t1 = System.nanoTime();
      Features a = tr.first();
      Features b = te.first();
      List<KnnClassifier.Score> scores = KnnClassifier.evaluate(a, b, knn);
      long t2 = System.nanoTime();
      double extract = (t1 - t0) / 1e9;
      double search = (t2 - t1) / 1e9;
      out.printf(
          Locale.ROOT,
          "feature extraction: train %,d images in %.1f s (%.0f images/s), test %,d"
              + " in %.1f s (%.0f images/s); together %.0f images/s%n",
          a.count(),
          tr.seconds(),
          tr.imagesPerSecond(),
          b.count(),
          te.seconds(),
          te.imagesPerSecond(),
          (a.count() + b.count()) / extract);
      out.printf(
          Locale.ROOT,
          "k-NN search and vote (k = %s, %,d x %,d, dim %d): %.1f s%n",
          Arrays.toString(knn.ks()),
          b.count(),
          a.count(),
          a.dim(),
          search);
      out.printf(
          Locale.ROOT,
          "whole k-NN evaluation: %.1f s (target: under 60 s for fmnist)%n",
          extract + search);
      Map<String, Object> record = BenchRecord.start("jdino bench knn");
      record.put("backbone", backbone.toString());
      record.put("arithmetic", backbone.compute().toString());
      record.put("train", trainSpec);
      record.put("test", testSpec);
      record.put("batch", ext.batchSize());
      record.put("train_images", a.count());
      record.put("test_images", b.count());
      record.put("train_images_per_s", tr.imagesPerSecond());
      record.put("test_images_per_s", te.imagesPerSecond());
      record.put("extraction_seconds", extract);
      record.put("search_seconds", search);
      record.put("total_seconds", extract + search);
      List<Map<String, Object>> accuracy = new ArrayList<>();
      for (KnnClassifier.Score s : scores) {
        out.printf(Locale.ROOT, "  k=%d: top-1 %.2f, top-5 %.2f%n", s.k(), s.top1(), s.top5());
        accuracy.add(Map.of("k", s.k(), "top1", s.top1(), "top5", s.top5()));
      }
      record.put("scores", accuracy);
      out.printf(
          Locale.ROOT,
          "peak resident memory: %.2f GiB; threads: engine %d, workers %d, cores %d%n",
          ProcessStats.peakRssGiB(),
          Torch.threads(),
          ext.workers(),
          Runtime.getRuntime().availableProcessors());
      record.put("peak_rss_gib", ProcessStats.peakRssGiB());
      record.put("engine_threads", Torch.threads());
      record.put("workers", ext.workers());
      BenchRecord.write(out, json, record);
      out.flush();
      return 0;
    }
  }
}
