package dev.jdino.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jdino.eval.EvalFixtures;
import dev.jdino.io.Json;
import dev.jdino.viz.TinyRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jdino train --eval-data ...}: the online k-NN is wired into the run. */
class OnlineKnnFlagsTest {
  private static final List<String> TINY = tiny(true);

  /** The tiny ViT at batch 32; with a 1-epoch warm-up, which a time budget sizes itself. */
  private static List<String> tiny(boolean warmup) {
    List<String> a = new ArrayList<>(List.of("--preset", "fmnist-small"));
    a.addAll(TinyRun.FLAGS);
    a.addAll(List.of("--batch-size", "32", "--local-crops-number", "2", "--num-workers", "1"));
    if (warmup) {
      a.addAll(List.of("--warmup-epochs", "1"));
    }
    return a;
  }

  private static String[] args(Path run, Path data, String... extra) {
    List<String> a =
        new ArrayList<>(
            List.of("train", "--data", data.toString(), "--output-dir", run.toString()));
    a.addAll(TINY);
    a.addAll(List.of(extra));
    return a.toArray(String[]::new);
  }

  @Test
  void epochRecordsCarryKnnTop1(@TempDir Path tmp) throws Exception {
    Path data = EvalFixtures.sampleIdx(tmp, "train", 0, 64, 64);
    Path ev = EvalFixtures.sampleIdx(tmp, "ev", 1000, 60, 60);
    Path run = tmp.resolve("run");
    KnnCommandTest.Result r =
        KnnCommandTest.jdino(
            args(
                run,
                data,
                "--epochs",
                "2",
                "--eval-data",
                ev.toString(),
                "--eval-test-data",
                ev.toString(),
                "--eval-every",
                "1",
                "--eval-subset",
                "50"));
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("online k-NN (k=20, teacher cls)"), r.out());
    // the same images as training and test set: a curve of memory, and said so
    assertTrue(r.out().contains("--eval-test-data is the --eval-data images"), r.out());
    int epochs = 0;
    for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
      JsonNode j = Json.parse(line);
      if (j.path("type").asText().equals("epoch")) {
        epochs++;
        assertEquals(50, j.get("knn_train_images").asInt());
        assertEquals(20, j.get("knn_k").asInt());
        assertTrue(j.get("knn_top1").isNumber());
      }
    }
    assertEquals(2, epochs);
  }

  @Test
  void evalFlagsNeedEvalDataAndLabels(@TempDir Path tmp) throws Exception {
    Path data = EvalFixtures.sampleIdx(tmp, "train", 0, 64, -1);
    Path run = tmp.resolve("run");
    KnnCommandTest.assertBadInput(
        KnnCommandTest.jdino(args(run, data, "--eval-every", "2")), "need --eval-data");
    KnnCommandTest.assertBadInput(
        KnnCommandTest.jdino(args(run, data, "--eval-data", data.toString())), "--eval-test-data");
    KnnCommandTest.assertBadInput(
        KnnCommandTest.jdino(
            args(run, data, "--eval-data", data.toString(), "--eval-test-data", data.toString())),
        "--eval-data",
        "no labels");
    assertFalse(Files.exists(run.resolve("metrics.jsonl")));
  }

  /** A time budget holds the online k-NN's evaluations: timed first, taken out of the budget. */
  @Test
  void aTimeBudgetTakesTheEvaluationsOutOfIt(@TempDir Path tmp) throws Exception {
    Path data = EvalFixtures.sampleIdx(tmp, "train", 0, 64, 64);
    Path ev = EvalFixtures.sampleIdx(tmp, "ev", 1000, 60, 60);
    Path run = tmp.resolve("run");
    List<String> a =
        new ArrayList<>(
            List.of("train", "--data", data.toString(), "--output-dir", run.toString()));
    a.addAll(tiny(false));
    a.addAll(
        List.of(
            "--time-budget",
            "4s",
            "--eval-data",
            ev.toString(),
            "--eval-test-data",
            EvalFixtures.sampleIdx(tmp, "ev-test", 2000, 60, 60).toString()));
    KnnCommandTest.Result r = KnnCommandTest.jdino(a.toArray(String[]::new));
    assertEquals(0, r.code(), r.err());
    assertFalse(r.out().contains("--eval-test-data is the --eval-data images"), r.out());
    assertTrue(r.out().contains("s per online k-NN ("), r.out());
    JsonNode recipe = Json.read(run.resolve("args.json")).get("recipe");
    double budget = recipe.get("time_budget_s").asDouble();
    double perStep = recipe.get("measured_s_per_step").asDouble();
    double knn = recipe.get("measured_knn_s").asDouble();
    int evaluations = recipe.get("knn_evaluations").asInt();
    assertTrue(knn > 0, recipe.toString());
    long steps = Math.round(recipe.get("epochs_from_budget").asDouble() * 2); // 64 / 32 per epoch
    long epochs = (steps + 1) / 2;
    assertEquals(1 + epochs, evaluations, "before training and after every epoch");
    assertTrue(steps * perStep + evaluations * knn <= budget, recipe.toString());
    assertTrue((steps + 1) * perStep + (1 + (steps + 2) / 2) * knn > budget, "the most that fit");
    long logged = 0;
    for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
      JsonNode j = Json.parse(line);
      logged += j.has("knn_top1") ? 1 : 0;
    }
    assertEquals(evaluations, logged, "the run evaluated as many times as the budget counted");
  }
}
