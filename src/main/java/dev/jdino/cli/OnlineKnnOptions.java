package dev.jdino.cli;

import dev.jdino.eval.OnlineKnn;
import dev.jdino.io.BadInputException;
import dev.jdino.model.FeatureKind;
import dev.jdino.train.DinoConfig;
import picocli.CommandLine.Option;

/** The teacher's k-NN while training ({@link OnlineKnn}). */
final class OnlineKnnOptions {
  @Option(
      names = "--eval-data",
      paramLabel = "SPEC",
      description =
          "Labelled images for an online k-NN (k=20) of the teacher: knn_top1 in"
              + " metrics.jsonl.")
  String evalData;

  @Option(
      names = "--eval-test-data",
      paramLabel = "SPEC",
      description =
          "Labelled test images of the online k-NN (default: the test split of a"
              + " Fashion-MNIST --eval-data).")
  String evalTestData;

  @Option(
      names = "--eval-every",
      paramLabel = "N",
      description = "Online k-NN every N epochs and after the last (default 1).")
  Integer evalEvery;

  @Option(
      names = "--eval-subset",
      paramLabel = "M",
      description =
          "Online k-NN on a fixed subset of at most M training and M test images"
              + " (default: all).")
  Integer evalSubset;

  @Option(
      names = "--eval-feature",
      paramLabel = "KIND",
      description = "Teacher feature of the online k-NN: cls (default) or cls+avgpool.")
  String evalFeature;

  /** The hook, or null when no --eval-data was given. */
  OnlineKnn open(DinoConfig config, int workers) {
    if (evalData == null) {
      if (evalTestData != null || evalEvery != null || evalSubset != null || evalFeature != null) {
        throw new BadInputException(
            "--eval-test-data, --eval-every, --eval-subset and --eval-feature need --eval-data");
      }
      return null;
    }
    return OnlineKnn.open(
            evalData,
            evalTestData,
            evalEvery != null ? evalEvery : 1,
            evalSubset != null ? evalSubset : 0,
            config,
            workers)
        .feature(evalFeature != null ? FeatureKind.parse(evalFeature) : FeatureKind.CLS);
  }
}
