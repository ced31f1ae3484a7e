package dev.jdino.cli;

import dev.jdino.eval.EvalData;
import dev.jdino.model.Backbone;
import picocli.CommandLine.Option;

/** The labelled training and test images of an evaluation on frozen features. */
final class LabelledDataOptions {
  @Option(
      names = "--train-data",
      paramLabel = "SPEC",
      description =
          "Labelled training images: IDX with labels, idx:<images>:<labels>, a folder"
              + " with one subfolder per class, fmnist, fmnist-sample (default: the run's data).")
  String trainData;

  @Option(
      names = "--test-data",
      paramLabel = "SPEC",
      description =
          "Labelled test images (default: the test split of a Fashion-MNIST --train-data).")
  String testData;

  /** The training data: given, or what the backbone was trained on. */
  String trainSpec(Backbone backbone) {
    return trainData != null ? trainData : EvalData.trainingDataOf(backbone);
  }

  /** The test data: given, or implied by {@code trainSpec}. */
  String testSpec(String trainSpec) {
    return EvalData.testSpec(trainSpec, testData);
  }
}
