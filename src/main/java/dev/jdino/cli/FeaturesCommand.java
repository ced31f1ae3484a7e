package dev.jdino.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jdino.data.DataSources;
import dev.jdino.data.ImageDataset;
import dev.jdino.eval.FeatureExport;
import dev.jdino.eval.FeatureExtractor;
import dev.jdino.eval.Preprocessing;
import dev.jdino.io.BadInputException;
import dev.jdino.io.Json;
import dev.jdino.io.OutputPaths;
import dev.jdino.model.Backbone;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code jdino features}: a dataset's features (and labels) in a file for use elsewhere. */
@Command(
    name = "features",
    description = {
      "Export a backbone's features of a dataset to safetensors (features (N, D), labels, indices)"
          + " plus a JSON description, for clustering, search or downstream training.",
      "Example: jdino features --checkpoint runs/fmnist --data fmnist:test --output"
          + " test.safetensors"
    })
public final class FeaturesCommand extends Subcommand {
  @Mixin ModelOptions model;

  @Option(
      names = "--data",
      required = true,
      paramLabel = "SPEC",
      description =
          "Images: a folder, an IDX file, idx:<images>[:<labels>], fmnist[:test],"
              + " fmnist-sample[:test].")
  String data;

  @Option(
      names = "--output",
      required = true,
      paramLabel = "FILE",
      description = "The safetensors file to write; the description goes beside it as <name>.json.")
  Path output;

  @Option(names = "--force", description = "Replace FILE (and its description) if it exists.")
  boolean force;

  @Option(
      names = "--raw",
      description = "Export the final-norm CLS as is (default: L2-normalised, the k-NN feature).")
  boolean raw;

  @Override
  public Integer call() throws Exception {
    OutputPaths.requireCreatable(output, "--output", false);
    if (!output.getFileName().toString().endsWith(".safetensors")) {
      // its description would be <name>.json beside it: new.json would get new.json.json
      throw new BadInputException(
          "--output " + output + ": expected a .safetensors file name (the features' format)");
    }
    PrintWriter out = out();
    FeatureExtractor.Options ext = model.extraction(!raw);
    for (Path f : new Path[] {output, FeatureExport.sidecar(output)}) {
      if (!force && Files.exists(f)) {
        throw new BadInputException("--output: " + f + " exists (add --force to replace it)");
      }
    }
    model.startEngine();
    try (Backbone backbone = model.load()) {
      Preprocessing prep = model.preprocessing(backbone, err());
      ImageDataset d = DataSources.open(data, DataSources.Split.TRAIN);
      out.println("jdino features: " + backbone + "; arithmetic " + backbone.compute());
      out.printf(
          Locale.ROOT,
          "data %s (%,d images%s); %s%n",
          data,
          d.size(),
          d.hasLabels() ? ", labelled" : ", no labels",
          prep);
      out.flush();
      FeatureExtractor.Result r =
          FeatureExtractor.extract(
              d,
              null,
              prep,
              List.of(FeatureExtractor.cls(backbone)),
              ext,
              ProgressDisplay.on(out).asProgress(),
              "features " + data);
      Reports.skipped(out, r.skipped());
      ObjectNode desc = Json.object();
      desc.put("checkpoint", model.checkpoint.toString());
      desc.put("checkpoint_key", model.checkpoint.key());
      desc.put("backbone", backbone.toString());
      desc.put("data", data);
      desc.put("feature", "final-norm CLS token" + (raw ? "" : ", L2-normalised"));
      desc.put("l2_normalized", !raw);
      desc.set("preprocessing", prep.toJson());
      var names = desc.putArray("class_names");
      d.classNames().forEach(names::add);
      desc.put("seconds", r.seconds());
      Path sidecar = FeatureExport.write(output, r.first(), desc, r.skipped(), d);
      out.printf(
          Locale.ROOT,
          "%,d x %d features in %.1f s (%.0f images/s)%n",
          r.first().count(),
          r.first().dim(),
          r.seconds(),
          r.imagesPerSecond());
      out.println("features:    " + output.toAbsolutePath());
      out.println("description: " + sidecar.toAbsolutePath());
      out.flush();
      return 0;
    }
  }
}
