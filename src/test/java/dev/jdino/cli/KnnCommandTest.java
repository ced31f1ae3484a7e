package dev.jdino.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jdino.data.DataSources;
import dev.jdino.data.ImageDataset;
import dev.jdino.eval.EvalData;
import dev.jdino.eval.EvalFixtures;
import dev.jdino.eval.FeatureExtractor;
import dev.jdino.eval.Features;
import dev.jdino.eval.KnnClassifier;
import dev.jdino.eval.LinearProbe;
import dev.jdino.eval.Preprocessing;
import dev.jdino.eval.Progress;
import dev.jdino.io.Json;
import dev.jdino.io.Safetensors;
import dev.jdino.model.Backbone;
import dev.jdino.model.VitConfig;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jdino knn} end to end on a tiny backbone, and its one-line errors. */
class KnnCommandTest {
  record Result(int code, String out, String err) {}

  @TempDir static Path tmp;
  static Path backbone;
  static Path train;
  static Path test;

  @BeforeAll
  static void fixtures() throws Exception {
    backbone = EvalFixtures.backbone(tmp.resolve("tiny.safetensors"), EvalFixtures.TINY, 11);
    train = EvalFixtures.sampleIdx(tmp, "train", 0, 120, 120);
    test = EvalFixtures.sampleIdx(tmp, "test", 3000, 50, 50);
  }

  static Result jdino(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
    return new Result(code, out.toString(), err.toString());
  }

  static void assertBadInput(Result r, String... mentions) {
    assertEquals(2, r.code(), "exit code; stdout: " + r.out() + " stderr: " + r.err());
    String line = r.err().strip();
    assertFalse(line.contains("\n"), "one line expected: " + line);
    assertTrue(line.startsWith("jdino: error: "), line);
    for (String m : mentions) {
      assertTrue(line.contains(m), "message should mention '" + m + "': " + line);
    }
  }

  @Test
  void writesTheTableAndTheJsonWithFloors() throws Exception {
    Path json = tmp.resolve("knn.json");
    Result r =
        jdino(
            "knn",
            "--checkpoint",
            backbone.toString(),
            "--train-data",
            train.toString(),
            "--test-data",
            test.toString(),
            "--k",
            "1,5,20",
            "--floors",
            "--batch-size",
            "32",
            "--output",
            json.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("random init"), r.out());
    JsonNode j = Json.read(json);
    List<String> keys = new ArrayList<>();
    j.fieldNames().forEachRemaining(keys::add);
    assertEquals(
        List.of(
            "checkpoint",
            "checkpoint_key",
            "train_data",
            "test_data",
            "feature",
            "preprocessing",
            "temperature",
            "train_images",
            "test_images",
            "results",
            "skipped_images",
            "skipped",
            "seconds"),
        keys);
    assertEquals(0, j.get("skipped_images").asInt());
    assertEquals(backbone.toString(), j.get("checkpoint").asText());
    assertEquals("teacher", j.get("checkpoint_key").asText());
    assertEquals(0.07, j.get("temperature").asDouble());
    // what the scores were computed on: the feature and the images' preparation
    assertEquals("cls", j.get("feature").asText());
    assertEquals(28, j.get("preprocessing").get("crop").asInt());
    assertEquals(32, j.get("preprocessing").get("resize").asInt());
    assertEquals(120, j.get("train_images").asInt());
    assertEquals(50, j.get("test_images").asInt());
    assertEquals(9, j.get("results").size());
    Iterator<JsonNode> rows = j.get("results").elements();
    for (String model : List.of("pretrained", "random", "pixels")) {
      for (int k : new int[] {1, 5, 20}) {
        JsonNode row = rows.next();
        List<String> f = new ArrayList<>();
        row.fieldNames().forEachRemaining(f::add);
        assertEquals(List.of("model", "k", "top1", "top5"), f);
        assertEquals(model, row.get("model").asText());
        assertEquals(k, row.get("k").asInt());
      }
    }
    // The pretrained row is the API's result for the same features.
    try (Backbone b = Backbone.load(backbone, "teacher")) {
      ImageDataset tr = DataSources.open(train.toString());
      ImageDataset te = DataSources.open(test.toString());
      Preprocessing prep = Preprocessing.forBackbone(b, null, null, null, null);
      FeatureExtractor.Options o = new FeatureExtractor.Options(32, 1, true);
      Features a =
          FeatureExtractor.extract(
                  tr, null, prep, List.of(FeatureExtractor.cls(b)), o, Progress.NONE, "x")
              .first();
      Features c =
          FeatureExtractor.extract(
                  te, null, prep, List.of(FeatureExtractor.cls(b)), o, Progress.NONE, "x")
              .first();
      KnnClassifier.Score s =
          KnnClassifier.evaluate(a, c, KnnClassifier.Options.DEFAULT.withKs(20)).get(0);
      JsonNode k20 = j.get("results").get(2);
      assertEquals(s.top1(), k20.get("top1").asDouble());
      assertEquals(s.top5(), k20.get("top5").asDouble());
    }
  }

  @Test
  void aKBeyondTheTrainingImagesIsNotedAndMarkedAsCapped() throws Exception {
    Path json = tmp.resolve("knn-capped.json");
    Result r =
        jdino(
            "knn",
            "--checkpoint",
            backbone.toString(),
            "--train-data",
            train.toString(),
            "--test-data",
            test.toString(),
            "--k",
            "5,500",
            "--output",
            json.toString());
    assertEquals(0, r.code(), r.err());
    List<String> lines = r.out().lines().toList();
    assertTrue(
        lines.contains(
            "note: k is capped at the 120 training images: k=500 votes with all of them (k_used"
                + " in the JSON)"),
        r.out());
    assertTrue(lines.get(lines.size() - 1).matches("k-NN done in \\d+\\.\\d s"), r.out());
    assertTrue(r.out().contains("| k=500 (120)"), r.out());
    JsonNode results = Json.read(json).get("results");
    assertEquals(5, results.get(0).get("k").asInt());
    assertFalse(results.get(0).has("k_used"), results.toString());
    assertEquals(500, results.get(1).get("k").asInt());
    assertEquals(120, results.get(1).get("k_used").asInt());
  }

  @Test
  void threadsBelowOneAreRefused() {
    for (String n : new String[] {"0", "-2"}) {
      Result r =
          jdino(
              "knn",
              "--checkpoint",
              backbone.toString(),
              "--train-data",
              train.toString(),
              "--threads",
              n);
      assertEquals(2, r.code(), r.err());
      assertEquals(
          "jdino: error: --threads " + n + ": expected at least 1 (leave it out for all cores)",
          r.err().strip());
    }
  }

  @Test
  void aRunDirectoryGetsKnnJsonAndNeedsTrainDataWhenItNamesNone() throws Exception {
    Path run = Files.createDirectories(tmp.resolve("run"));
    Files.copy(backbone, run.resolve("checkpoint.safetensors"));
    assertBadInput(jdino("knn", "--checkpoint", run.toString()), "--train-data is required");
    Result r = knnOnRun(run, "20");
    assertEquals(0, r.code(), r.err());
    assertEquals(1, Json.read(run.resolve("knn.json")).get("results").size());
    // A second evaluation keeps the first one's results beside its own and says where.
    String first = Files.readString(run.resolve("knn.json"));
    Result again = knnOnRun(run, "5,20");
    assertEquals(0, again.code(), again.err());
    assertEquals(2, Json.read(run.resolve("knn.json")).get("results").size());
    try (var kept = Files.list(run)) {
      List<Path> earlier =
          kept.filter(f -> f.getFileName().toString().matches("knn-\\d{8}-\\d{6}\\.json")).toList();
      assertEquals(1, earlier.size(), earlier.toString());
      assertEquals(first, Files.readString(earlier.get(0)));
      assertTrue(
          again.out().contains("kept the previous results as " + earlier.get(0)), again.out());
    }
  }

  private static Result knnOnRun(Path run, String ks) {
    return jdino(
        "knn",
        "--checkpoint",
        run.toString(),
        "--train-data",
        train.toString(),
        "--test-data",
        test.toString(),
        "--k",
        ks);
  }

  @Test
  void unlabelledData() throws Exception {
    Path bare = EvalFixtures.sampleIdx(tmp, "bare", 0, 10, -1);
    assertBadInput(
        jdino(
            "knn",
            "--checkpoint",
            backbone.toString(),
            "--train-data",
            bare.toString(),
            "--test-data",
            test.toString()),
        "--train-data",
        "has no labels");
    assertBadInput(
        jdino(
            "knn",
            "--checkpoint",
            backbone.toString(),
            "--train-data",
            train.toString(),
            "--test-data",
            bare.toString()),
        "--test-data",
        "has no labels");
    // class subfolders with a stray image beside them: the message says why
    Path folder = tmp.resolve("classes");
    for (String c : new String[] {"cat", "dog"}) {
      Files.createDirectories(folder.resolve(c));
      ImageIO.write(
          new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY),
          "png",
          folder.resolve(c + "/1.png").toFile());
    }
    ImageIO.write(
        new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY),
        "png",
        folder.resolve("stray.png").toFile());
    assertBadInput(
        jdino(
            "knn",
            "--checkpoint",
            backbone.toString(),
            "--train-data",
            folder.toString(),
            "--test-data",
            test.toString()),
        "has no labels (1 of its images lies directly in it, beside the class subfolders"
            + " (stray.png), which makes the whole folder unlabelled)");
  }

  @Test
  void anOutputThatIsNotJsonIsRefusedAndTheUsersFileLeftWhereItIs() throws Exception {
    Path mine = Files.writeString(tmp.resolve("mine.html"), "<p>my notes</p>");
    assertBadInput(
        jdino(
            "knn",
            "--checkpoint",
            backbone.toString(),
            "--train-data",
            train.toString(),
            "--test-data",
            test.toString(),
            "--output",
            mine.toString()),
        "--output " + mine + ": expected a .json file name");
    assertEquals("<p>my notes</p>", Files.readString(mine));
  }

  @Test
  void mismatchedLabelCount() throws Exception {
    Path odd = EvalFixtures.sampleIdx(tmp, "odd", 0, 10, 11);
    assertBadInput(
        jdino(
            "knn",
            "--checkpoint",
            backbone.toString(),
            "--train-data",
            odd.toString(),
            "--test-data",
            test.toString()),
        "10 images",
        "11 labels");
  }

  @Test
  void checkpointOfAnotherArchitecture() throws Exception {
    // Metadata says 3 blocks, the tensors hold 2.
    Path wrong = tmp.resolve("wrong.safetensors");
    Safetensors st = Safetensors.open(backbone);
    VitConfig deeper = new VitConfig(28, 7, 32, 3, 2, 2.0, true, 0);
    try (Backbone b = Backbone.load(backbone, "teacher")) {
      Safetensors.write(
          wrong,
          b.parameters().named(),
          Map.of("jdino", Json.compact(Json.object().set("vit", Json.MAPPER.valueToTree(deeper)))));
    }
    assertTrue(st.contains("blocks.1.norm1.weight"));
    assertBadInput(
        jdino(
            "knn",
            "--checkpoint",
            wrong.toString(),
            "--train-data",
            train.toString(),
            "--test-data",
            test.toString()),
        "blocks.2",
        "another architecture");
  }

  /** --precision picks the features' arithmetic; the line at start says which ran. */
  @Test
  void thePrecisionFlagChoosesTheFeaturesArithmetic() {
    Result r = knnOnTheFixtures("--k", "20", "--batch-size", "32", "--precision", "fp32");
    assertEquals(0, r.code(), r.err());
    String fp32 =
        dev.jdino.engine.TorchBridge.isAvailable()
            ? "arithmetic fp32, fused attention\n"
            : "arithmetic fp32, explicit attention\n";
    assertTrue(r.out().contains(fp32), r.out());
    assertBadInput(knnOnTheFixtures("--precision", "fp16"), "--precision", "'fp16'", "bf16");
  }

  /** {@code jdino knn} on the tiny backbone and the fixture data, with {@code extra} flags. */
  private static Result knnOnTheFixtures(String... extra) {
    String[] base = {
      "knn",
      "--checkpoint",
      backbone.toString(),
      "--train-data",
      train.toString(),
      "--test-data",
      test.toString()
    };
    String[] all = java.util.Arrays.copyOf(base, base.length + extra.length);
    System.arraycopy(extra, 0, all, base.length, extra.length);
    return jdino(all);
  }

  @Test
  void badKAndTemperature() {
    assertBadInput(knnOnTheFixtures("--k", "10,0"), "--k", ">= 1");
    assertBadInput(knnOnTheFixtures("--temperature", "-1"), "--temperature");
  }

  @Test
  void emptyTestSetAndMissingPaths() throws Exception {
    Path empty = Files.createDirectories(tmp.resolve("empty"));
    assertBadInput(
        jdino(
            "knn",
            "--checkpoint",
            backbone.toString(),
            "--train-data",
            train.toString(),
            "--test-data",
            empty.toString()),
        "contains no images");
    assertBadInput(
        jdino(
            "knn",
            "--checkpoint",
            tmp.resolve("nope").toString(),
            "--train-data",
            train.toString(),
            "--test-data",
            test.toString()),
        "nope",
        "does not exist");
    assertBadInput(
        jdino(
            "knn",
            "--checkpoint",
            backbone.toString(),
            "--train-data",
            tmp.resolve("nodata").toString(),
            "--test-data",
            test.toString()),
        "nodata",
        "does not exist");
    assertBadInput(
        jdino("knn", "--checkpoint", backbone.toString(), "--train-data", train.toString()),
        "--test-data is required");
  }

  /**
   * Undecodable images are counted in the result files as on the console, and a class whose
   * training images were all undecodable is named: its test images cannot score.
   */
  @Test
  void undecodableImagesAreRecordedAndAClassLeftWithoutTrainingIsNamed() throws Exception {
    Path trainDir = tmp.resolve("broken-train");
    Path testDir = tmp.resolve("broken-test");
    String[] classes = {"bag", "coat", "shirt"};
    for (String c : classes) {
      for (Path d : new Path[] {trainDir, testDir}) {
        Files.createDirectories(d.resolve(c));
        for (int i = 0; i < 3; i++) {
          BufferedImage im = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
          im.getRaster().setSample(i, c.length(), 0, 255);
          ImageIO.write(im, "png", d.resolve(c + "/" + i + ".png").toFile());
        }
      }
    }
    // every training image of "coat" is broken, and one test image of "bag"
    for (int i = 0; i < 3; i++) {
      Files.writeString(trainDir.resolve("coat/" + i + ".png"), "not a png");
    }
    Files.writeString(testDir.resolve("bag/0.png"), "not a png");
    Path json = tmp.resolve("broken-knn.json");
    Result r =
        jdino(
            "knn",
            "--checkpoint",
            backbone.toString(),
            "--train-data",
            trainDir.toString(),
            "--test-data",
            testDir.toString(),
            "--k",
            "3",
            "--output",
            json.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(
        r.out()
            .contains(
                "note: 1 class of the test data has no training image, so its test images can"
                    + " only be misclassified: coat (3 test images; all 3 of its training images"
                    + " could not be decoded)"),
        r.out());
    assertTrue(r.out().contains("4 images could not be decoded and were left out"), r.out());
    JsonNode j = Json.read(json);
    assertEquals(4, j.get("skipped_images").asInt());
    assertEquals(4, j.get("skipped").size());
    assertTrue(j.get("skipped").get(0).get("source").asText().endsWith(".png"), j.toString());
    // train and test indices count within their own set: each failure says which set it is in
    assertEquals(List.of("train", "train", "train", "test"), splits(j));
    assertTrue(r.out().contains("  test " + testDir.resolve("bag/0.png") + ": "), r.out());
    assertEquals(
        "coat (3 test images; all 3 of its training images could not be decoded)",
        j.get("classes_without_training_images").get(0).asText());
    assertEquals(6, j.get("train_images").asInt());
    assertEquals(8, j.get("test_images").asInt());

    Path linear = tmp.resolve("broken-linear");
    List<String> probe =
        List.of(
            "linear",
            "--checkpoint",
            backbone.toString(),
            "--train-data",
            trainDir.toString(),
            "--test-data",
            testDir.toString(),
            "--n-last-blocks",
            "1",
            "--epochs",
            "1",
            "--output-dir",
            linear.toString());
    List<String> fast = new ArrayList<>(probe);
    fast.add("--no-augment");
    r = jdino(fast.toArray(String[]::new));
    assertEquals(0, r.code(), r.err());
    JsonNode d = Json.read(linear.resolve(LinearProbe.DESCRIPTION_FILE));
    assertEquals(4, d.get("skipped_images").asInt(), d.toString());
    assertEquals(4, d.get("skipped").size());
    assertEquals(List.of("train", "train", "train", "test"), splits(d));
    String coat = "coat (3 test images; all 3 of its training images could not be decoded)";
    assertTrue(r.out().contains("misclassified: " + coat), r.out());
    assertEquals(coat, d.get("classes_without_training_images").get(0).asText());
    // the official protocol finds the training images' failures while it trains, and says the same
    r = jdino(probe.toArray(String[]::new));
    assertEquals(0, r.code(), r.err());
    d = Json.read(linear.resolve(LinearProbe.DESCRIPTION_FILE));
    assertEquals(4, d.get("skipped_images").asInt(), d.toString());
    assertEquals(List.of("train", "train", "train", "test"), splits(d));
    assertEquals(coat, d.get("classes_without_training_images").get(0).asText());
  }

  /**
   * The training data given again as the test data makes each test image its own nearest neighbour
   * (and a probe's training image): the scores are then memory, and both commands say so.
   */
  @Test
  void testDataThatIsTheTrainingDataIsSaid() throws Exception {
    Path same = tmp.resolve("same-knn.json");
    Path heldOut = tmp.resolve("held-out-knn.json");
    for (Path json : new Path[] {same, heldOut}) {
      Result r =
          jdino(
              "knn",
              "--checkpoint",
              backbone.toString(),
              "--train-data",
              train.toString(),
              "--test-data",
              (json == same ? train : test).toString(),
              "--k",
              "3",
              "--feature",
              json == same ? "cls" : "cls+avgpool",
              "--output",
              json.toString());
      assertEquals(0, r.code(), r.err());
      assertEquals(json == same ? "cls" : "cls+avgpool", Json.read(json).get("feature").asText());
      assertEquals(json == same, r.out().contains(EvalData.SAME_IMAGES_NOTE), r.out());
      assertEquals(json == same, Json.read(json).has("test_is_training_data"), json.toString());
    }
    Path linear = tmp.resolve("same-linear");
    Result r =
        jdino(
            "linear",
            "--checkpoint",
            backbone.toString(),
            "--train-data",
            train.toString(),
            "--test-data",
            train.toString(),
            "--n-last-blocks",
            "1",
            "--epochs",
            "1",
            "--no-augment",
            "--output-dir",
            linear.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains(EvalData.SAME_IMAGES_PROBE_NOTE), r.out());
    JsonNode d = Json.read(linear.resolve(LinearProbe.DESCRIPTION_FILE));
    assertTrue(d.path("test_is_training_data").asBoolean(), d.toString());
  }

  private static List<String> splits(JsonNode result) {
    List<String> s = new ArrayList<>();
    result.get("skipped").forEach(e -> s.add(e.path("split").asText("none")));
    return s;
  }
}
