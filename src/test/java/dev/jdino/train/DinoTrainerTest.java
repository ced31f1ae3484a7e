package dev.jdino.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import dev.jdino.data.DataSources;
import dev.jdino.data.ImageDataset;
import dev.jdino.io.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Whole training runs on the bundled Fashion-MNIST sample with a tiny ViT. */
class DinoTrainerTest {

  /** A tiny model on 16 px crops: a few ms per step. */
  static DinoConfig tiny(int epochs, int batch) {
    DinoConfig base = DinoConfig.preset("fmnist-small");
    return base.with(
        Map.of(
            "vit.embedDim",
            32,
            "vit.depth",
            2,
            "vit.numHeads",
            2,
            "head.outDim",
            256,
            "head.hiddenDim",
            64,
            "head.bottleneckDim",
            32,
            "train.epochs",
            epochs,
            "train.batchSize",
            batch,
            "train.warmupEpochs",
            1,
            "augment.localCrops.number",
            2));
  }

  /** The first n images of the bundled sample. */
  static ImageDataset sample(int n) {
    return DataSources.open(DataSources.SAMPLE).head(n);
  }

  private static DinoTrainer.Summary run(
      DinoConfig cfg, TrainOptions o, ImageDataset data, TrainingListener l) throws Exception {
    try (DinoTrainer t = DinoTrainer.open(cfg, o, data, "fmnist-sample", l)) {
      return t.train();
    }
  }

  @Test
  void aNewStartKeepsTheFilesOfAnEarlierOneThatLeftNoCheckpoint(@TempDir Path dir)
      throws Exception {
    // what a run killed in its first epoch leaves: no checkpoint, but args, metrics, snapshots
    Files.writeString(dir.resolve("args.json"), "{\"old\": true}");
    Files.writeString(dir.resolve(MetricsLog.FILE), "{\"type\": \"step\", \"step\": 500}\n");
    Files.createDirectories(dir.resolve("snapshots"));
    Files.writeString(dir.resolve("snapshots/teacher-step00000500.safetensors"), "old");
    Files.writeString(dir.resolve("checkpoint-0020.safetensors"), "old copy");
    Files.writeString(dir.resolve("notes.txt"), "the user's");
    for (String f :
        List.of("args.json", MetricsLog.FILE, "snapshots", "checkpoint-0020.safetensors")) {
      Files.setLastModifiedTime(
          dir.resolve(f),
          java.nio.file.attribute.FileTime.from(java.time.Instant.parse("2026-12-01T10:20:30Z")));
    }
    List<String> messages = new ArrayList<>();
    TrainingListener l =
        new TrainingListener() {
          @Override
          public void message(String m) {
            messages.add(m);
          }
        };
    TrainOptions o = TrainOptions.defaults(dir).withSnapshots(1, false);
    run(tiny(1, 32), o, sample(64), l);
    String stamp = "-20261201-102030";
    assertEquals("{\"old\": true}", Files.readString(dir.resolve("args" + stamp + ".json")));
    assertTrue(Files.readString(dir.resolve("metrics" + stamp + ".jsonl")).contains("500"));
    assertTrue(
        Files.isRegularFile(
            dir.resolve("snapshots" + stamp + "/teacher-step00000500.safetensors")));
    assertEquals(
        "old copy", Files.readString(dir.resolve("checkpoint-0020" + stamp + ".safetensors")));
    assertEquals("the user's", Files.readString(dir.resolve("notes.txt")));
    assertEquals(
        4, messages.stream().filter(m -> m.startsWith("kept a file of an earlier")).count());
    // the new run's own files: its metrics and snapshots alone
    assertFalse(Files.readString(dir.resolve(MetricsLog.FILE)).contains("\"step\": 500"));
    assertFalse(Files.exists(dir.resolve("snapshots/teacher-step00000500.safetensors")));
    assertTrue(Json.read(dir.resolve("args.json")).has("config"));
    // resumed, a run continues its own files and keeps nothing aside
    messages.clear();
    run(tiny(2, 32), o, sample(64), l);
    assertTrue(messages.stream().noneMatch(m -> m.startsWith("kept a file")), messages.toString());
  }

  @Test
  void keptCopiesAndStepSnapshotsFallWhereTheOptionsSay(@TempDir Path dir) throws Exception {
    // 3 epochs of 5 steps; a copy every 2 epochs; a snapshot every 4 steps, and the final teacher
    TrainOptions o =
        new TrainOptions(dir, 1, 2, 10, 4, true, 0, 0, dev.jdino.model.Compute.REFERENCE);
    DinoTrainer.Summary s = run(tiny(3, 32), o, sample(160), new TrainingListener() {});
    assertEquals(15, s.steps());
    try (var files = Files.list(dir)) {
      assertEquals(
          List.of("checkpoint-0002.safetensors"),
          files
              .map(p -> p.getFileName().toString())
              .filter(n -> n.startsWith("checkpoint-") && n.endsWith(".safetensors"))
              .sorted()
              .toList());
    }
    try (var snaps = Files.list(dir.resolve("snapshots"))) {
      assertEquals(
          List.of(
              "teacher-step00000000.safetensors",
              "teacher-step00000004.safetensors",
              "teacher-step00000008.safetensors",
              "teacher-step00000012.safetensors",
              "teacher-step00000015.safetensors"),
          snaps
              .map(p -> p.getFileName().toString())
              .filter(n -> n.endsWith(".safetensors"))
              .sorted()
              .toList());
    }
    JsonNode args = Json.read(dir.resolve("args.json"));
    assertEquals(5, args.path("iterations_per_epoch").asInt());
    assertEquals(15, args.path("total_steps").asLong());
  }

  @Test
  void shortRunLowersTheLossAndWritesTheRunFiles(@TempDir Path dir) throws Exception {
    DinoConfig cfg =
        tiny(5, 64)
            .with(Map.of("head.outDim", 1024, "head.hiddenDim", 128, "head.bottleneckDim", 64));
    List<Float> losses = new ArrayList<>();
    List<TrainingListener.Epoch> epochs = new ArrayList<>();
    TrainingListener l =
        new TrainingListener() {
          @Override
          public void step(Step s) {
            losses.add(s.loss());
          }

          @Override
          public void epoch(Epoch e) {
            epochs.add(e);
          }
        };
    DinoTrainer.Summary s =
        run(cfg, TrainOptions.defaults(dir).withSnapshots(2, false), sample(2560), l);
    assertEquals(5.0, s.epochs());
    assertEquals(200, s.steps());
    assertEquals(5, epochs.size());
    double first = epochs.get(0).meanLoss();
    double last = epochs.get(4).meanLoss();
    assertTrue(
        last < first - 0.1, "mean loss should fall: first epoch " + first + ", last " + last);
    assertTrue(Files.isRegularFile(dir.resolve("checkpoint.safetensors")));
    assertTrue(Files.isRegularFile(dir.resolve("checkpoint.json")));
    assertTrue(Files.isRegularFile(dir.resolve("args.json")));
    try (var snaps = Files.list(dir.resolve("snapshots"))) {
      // the untrained teacher, then after epochs 2 and 4, and the final one
      assertEquals(
          List.of(
              "teacher-step00000000.safetensors",
              "teacher-step00000080.safetensors",
              "teacher-step00000160.safetensors",
              "teacher-step00000200.safetensors"),
          snaps
              .map(p -> p.getFileName().toString())
              .filter(n -> n.endsWith(".safetensors"))
              .sorted()
              .toList());
    }
    List<String> lines = Files.readAllLines(dir.resolve(MetricsLog.FILE));
    int steps = 0;
    int epochRecords = 0;
    for (String line : lines) {
      JsonNode n = Json.parse(line);
      switch (n.get("type").asText()) {
        case "step" -> {
          steps++;
          for (String k :
              List.of(
                  "epoch",
                  "step",
                  "loss",
                  "lr",
                  "wd",
                  "momentum",
                  "teacher_temp",
                  "teacher_entropy",
                  "kl_teacher_student",
                  "images_per_s")) {
            assertTrue(n.has(k), "step record lacks " + k);
          }
        }
        case "epoch" -> epochRecords++;
        default -> {}
      }
    }
    assertEquals(20, steps);
    assertEquals(5, epochRecords);
  }

  @Test
  void resumingMidEpochContinuesExactlyAsAnUninterruptedRun(@TempDir Path dir) throws Exception {
    DinoConfig cfg = tiny(2, 32);
    ImageDataset data = sample(192);
    Path straight = dir.resolve("straight");
    Path stopped = dir.resolve("stopped");
    run(cfg, TrainOptions.defaults(straight), data, TrainingListener.NONE);
    // Stop after 4 of the 6 steps of epoch 0, then again after epoch 0 ends mid-way into 1.
    DinoTrainer.Summary a =
        run(cfg, TrainOptions.defaults(stopped).withMaxSteps(4), data, TrainingListener.NONE);
    assertTrue(a.stoppedEarly());
    Checkpoint.State mid = Checkpoint.open(stopped.resolve(Checkpoint.FILE)).state();
    assertEquals(0, mid.epoch());
    assertEquals(4, mid.batchInEpoch());
    DinoTrainer.Summary b =
        run(cfg, TrainOptions.defaults(stopped).withMaxSteps(5), data, TrainingListener.NONE);
    assertTrue(b.resumed());
    assertEquals(9, b.steps());
    double beforeC = Checkpoint.open(stopped.resolve(Checkpoint.FILE)).state().elapsedSeconds();
    DinoTrainer.Summary c = run(cfg, TrainOptions.defaults(stopped), data, TrainingListener.NONE);
    assertFalse(c.stoppedEarly());
    assertEquals(12, c.steps());
    // The run's time adds up across the three invocations, through the checkpoints.
    assertEquals(a.seconds(), a.totalSeconds());
    assertTrue(
        mid.elapsedSeconds() > 0 && beforeC > mid.elapsedSeconds(), mid + " then " + beforeC);
    assertEquals(beforeC, c.totalSeconds() - c.seconds(), 1e-9);

    Checkpoint.Loaded x = Checkpoint.open(straight.resolve(Checkpoint.FILE));
    Checkpoint.Loaded y = Checkpoint.open(stopped.resolve(Checkpoint.FILE));
    assertEquals(x.state().globalStep(), y.state().globalStep());
    assertEquals(x.state().optimizerSteps(), y.state().optimizerSteps());
    for (String name : x.tensors().tensors().keySet()) {
      assertArrayEquals(x.tensors().loadFloats(name), y.tensors().loadFloats(name), name);
    }
  }

  @Test
  void nativeArraysStayConstantAcrossSteps(@TempDir Path dir) throws Exception {
    DinoConfig cfg = tiny(1, 16);
    List<Integer> counts = new ArrayList<>();
    NDManager[] base = new NDManager[1];
    try (DinoTrainer t =
        DinoTrainer.open(
            cfg,
            TrainOptions.defaults(dir),
            sample(160),
            "fmnist-sample",
            new TrainingListener() {
              @Override
              public void step(Step s) {
                counts.add(base[0].getManagedArrays().size());
              }
            })) {
      base[0] = t.state().student().manager().getParentManager();
      t.train();
    }
    assertEquals(10, counts.size());
    // The first step fills one-off caches (position-embedding matrices); after it, nothing grows.
    for (int i = 2; i < counts.size(); i++) {
      assertEquals(counts.get(1), counts.get(i), "native arrays per step: " + counts);
    }
  }
}
