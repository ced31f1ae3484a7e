package dev.jdino.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jdino.data.DataSources;
import dev.jdino.data.ImageDataset;
import dev.jdino.io.BadInputException;
import dev.jdino.io.Json;
import dev.jdino.io.Safetensors;
import dev.jdino.model.Backbone;
import dev.jdino.model.Compute;
import dev.jdino.train.Checkpoint;
import dev.jdino.train.DinoConfig;
import dev.jdino.train.DinoTrainer;
import dev.jdino.train.MetricsLog;
import dev.jdino.train.TrainOptions;
import dev.jdino.train.TrainingListener;
import dev.jdino.viz.TinyRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The online k-NN hook: metrics in the epoch record, training itself untouched. */
class OnlineKnnTest {

  private static DinoConfig tiny() {
    return TinyRun.config(2, 32);
  }

  private static List<String> train(Path dir, ImageDataset data, OnlineKnn hook) throws Exception {
    List<String> messages = new ArrayList<>();
    TrainOptions o = new TrainOptions(dir, 1, 0, 10, 0, false, 0, 0, Compute.REFERENCE);
    TrainingListener l =
        new TrainingListener() {
          @Override
          public void message(String line) {
            messages.add(line);
          }
        };
    try (DinoTrainer t = DinoTrainer.open(tiny(), o, data, "fixture", l)) {
      if (hook != null) {
        t.addHook(hook.messages(l::message));
      }
      t.train();
    }
    return messages;
  }

  @Test
  void addsKnnMetricsWithoutChangingTraining(@TempDir Path tmp) throws Exception {
    ImageDataset data =
        DataSources.open(EvalFixtures.sampleIdx(tmp, "train", 0, 96, 96).toString());
    ImageDataset evalTrain =
        DataSources.open(EvalFixtures.sampleIdx(tmp, "evtrain", 1000, 200, 200).toString());
    ImageDataset evalTest =
        DataSources.open(EvalFixtures.sampleIdx(tmp, "evtest", 3000, 60, 60).toString());
    OnlineKnn hook =
        new OnlineKnn(
            evalTrain,
            "evtrain",
            evalTest,
            "evtest",
            Preprocessing.forTraining(tiny()),
            1,
            150,
            20,
            new FeatureExtractor.Options(64, 2, true));
    Path plain = tmp.resolve("plain");
    Path hooked = tmp.resolve("hooked");
    train(plain, data, null);
    List<String> messages = train(hooked, data, hook);

    // Bit-identical weights, optimiser state and centre.
    Safetensors a = Safetensors.open(plain.resolve(Checkpoint.FILE));
    Safetensors b = Safetensors.open(hooked.resolve(Checkpoint.FILE));
    assertEquals(a.tensors().keySet(), b.tensors().keySet());
    for (String name : a.tensors().keySet()) {
      assertArrayEquals(a.loadFloats(name), b.loadFloats(name), name);
    }

    List<JsonNode> epochs = new ArrayList<>();
    for (String line : Files.readAllLines(hooked.resolve(MetricsLog.FILE))) {
      JsonNode j = Json.parse(line);
      if (j.path("type").asText().equals("epoch")) {
        epochs.add(j);
      }
    }
    assertEquals(2, epochs.size());
    for (JsonNode e : epochs) {
      assertEquals(20, e.get("knn_k").asInt());
      assertEquals(150, e.get("knn_train_images").asInt());
      assertEquals(60, e.get("knn_test_images").asInt());
      double top1 = e.get("knn_top1").asDouble();
      assertTrue(top1 >= 0 && top1 <= 100);
    }
    // Epochs are counted from 1 on the console, as in "epoch 1/2 done".
    List<String> knnLines = messages.stream().filter(m -> m.contains("online k-NN")).toList();
    assertEquals(3, knnLines.size(), messages.toString());
    assertTrue(
        knnLines.get(0).startsWith("before training: online k-NN (k=20, teacher cls)"),
        knnLines.toString());
    assertTrue(
        knnLines.get(1).startsWith("after epoch 1: online k-NN (k=20, teacher cls)"),
        knnLines.toString());
    assertTrue(
        knnLines.get(2).startsWith("after epoch 2: online k-NN (k=20, teacher cls)"),
        knnLines.toString());
    // The untrained teacher's record, at step 0, is what the learning curve starts from.
    JsonNode initial = null;
    for (String line : Files.readAllLines(hooked.resolve(MetricsLog.FILE))) {
      JsonNode j = Json.parse(line);
      if (j.path("type").asText().equals("eval")) {
        initial = j;
      }
    }
    assertEquals(0, initial.get("step").asLong());
    assertTrue(initial.get("knn_top1").isNumber());
    for (String line : Files.readAllLines(plain.resolve(MetricsLog.FILE))) {
      assertFalse(line.contains("knn_top1"));
    }

    // The last record is the k-NN of the saved teacher, computed independently with the
    // training's own arithmetic.
    try (Backbone teacher = Backbone.load(hooked, "teacher", Compute.REFERENCE)) {
      Preprocessing prep = Preprocessing.forBackbone(teacher, null, null, null, null);
      assertEquals(Preprocessing.forTraining(tiny()), prep);
      FeatureExtractor.Options opt = new FeatureExtractor.Options(64, 1, true);
      Features tr =
          FeatureExtractor.extract(
                  evalTrain,
                  EvalData.subset(200, 150),
                  prep,
                  List.of(FeatureExtractor.cls(teacher)),
                  opt,
                  Progress.NONE,
                  "t")
              .first();
      Features te =
          FeatureExtractor.extract(
                  evalTest,
                  null,
                  prep,
                  List.of(FeatureExtractor.cls(teacher)),
                  opt,
                  Progress.NONE,
                  "t")
              .first();
      KnnClassifier.Score s =
          KnnClassifier.evaluate(tr, te, KnnClassifier.Options.DEFAULT.withKs(20)).get(0);
      assertEquals(s.top1(), epochs.get(1).get("knn_top1").asDouble());
      assertEquals(s.top5(), epochs.get(1).get("knn_top5").asDouble());
    }
  }

  @Test
  void everyNEpochsOnly(@TempDir Path tmp) throws Exception {
    ImageDataset data =
        DataSources.open(EvalFixtures.sampleIdx(tmp, "train", 0, 64, 64).toString());
    ImageDataset ev = DataSources.open(EvalFixtures.sampleIdx(tmp, "ev", 1000, 40, 40).toString());
    OnlineKnn hook =
        new OnlineKnn(
            ev,
            "ev",
            ev,
            "ev",
            Preprocessing.forTraining(tiny()),
            2,
            0,
            20,
            new FeatureExtractor.Options(64, 1, true));
    train(tmp.resolve("run"), data, hook);
    List<Boolean> has = new ArrayList<>();
    for (String line : Files.readAllLines(tmp.resolve("run").resolve(MetricsLog.FILE))) {
      JsonNode j = Json.parse(line);
      if (j.path("type").asText().equals("epoch")) {
        has.add(j.has("knn_top1"));
      }
    }
    assertEquals(List.of(false, true), has);
  }

  @Test
  void refusesUnlabelledDataAndMissingTestSplit(@TempDir Path tmp) throws Exception {
    String unlabelled = EvalFixtures.sampleIdx(tmp, "nolabels", 0, 10, -1).toString();
    String labelled = EvalFixtures.sampleIdx(tmp, "labels", 0, 10, 10).toString();
    BadInputException e =
        assertThrows(
            BadInputException.class, () -> OnlineKnn.open(unlabelled, labelled, 1, 0, tiny(), 1));
    assertTrue(
        e.getMessage().contains("--eval-data") && e.getMessage().contains("no labels"),
        e.getMessage());
    e =
        assertThrows(
            BadInputException.class, () -> OnlineKnn.open(labelled, null, 1, 0, tiny(), 1));
    assertTrue(e.getMessage().contains("--eval-test-data"), e.getMessage());
    e =
        assertThrows(
            BadInputException.class, () -> OnlineKnn.open(labelled, labelled, 0, 0, tiny(), 1));
    assertTrue(e.getMessage().contains("--eval-every"), e.getMessage());
    assertEquals("fmnist-sample:test", EvalData.impliedTestSpec("fmnist-sample"));
    assertEquals(3, OnlineKnn.open("fmnist-sample", null, 3, 100, tiny(), 1).every());
  }
}
