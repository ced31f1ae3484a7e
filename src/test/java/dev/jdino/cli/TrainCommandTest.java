package dev.jdino.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jdino.viz.TinyRun;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jdino train} on bad input: one clear line, exit code 2, nothing written or deleted. */
class TrainCommandTest {
  record Result(int code, String out, String err) {}

  static Result jdino(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
    return new Result(code, out.toString(), err.toString());
  }

  private static Result train(Path runDir, String... extra) {
    List<String> a =
        new ArrayList<>(
            List.of(
                "train",
                "--preset",
                "fmnist-small",
                "--data",
                "fmnist-sample",
                "--output-dir",
                runDir.toString()));
    a.addAll(List.of(extra));
    return jdino(a.toArray(String[]::new));
  }

  private static void assertBadInput(Result r, String... mentions) {
    assertEquals(2, r.code(), "exit code; stderr: " + r.err());
    String line = r.err().strip();
    assertFalse(line.contains("\n"), "one line expected: " + line);
    assertTrue(line.startsWith("jdino: error: "), line);
    for (String m : mentions) {
      assertTrue(line.contains(m), "message should mention '" + m + "': " + line);
    }
  }

  @Test
  void missingDataPath(@TempDir Path tmp) {
    Path run = tmp.resolve("run");
    Result r =
        jdino("train", "--data", tmp.resolve("nope").toString(), "--output-dir", run.toString());
    assertBadInput(r, "nope", "does not exist");
    assertFalse(Files.exists(run));
  }

  @Test
  void emptyFolder(@TempDir Path tmp) throws Exception {
    Path empty = Files.createDirectory(tmp.resolve("empty"));
    Path run = tmp.resolve("run");
    Result r = jdino("train", "--data", empty.toString(), "--output-dir", run.toString());
    assertBadInput(r, "empty");
    assertFalse(Files.exists(run));
  }

  @Test
  void aFolderOfOnlyCorruptFilesIsRefusedBeforeAnythingIsWritten(@TempDir Path tmp)
      throws Exception {
    Path bad = Files.createDirectory(tmp.resolve("bad"));
    for (int i = 0; i < 12; i++) {
      Files.writeString(bad.resolve(i + ".jpg"), "not a jpeg");
    }
    Path run = tmp.resolve("run");
    for (String[] preset : new String[][] {{}, {"--preset", "folder-fast"}}) {
      List<String> a = new ArrayList<>(List.of("train", "--data", bad.toString()));
      a.addAll(List.of(preset));
      a.addAll(List.of("--output-dir", run.toString()));
      assertBadInput(
          jdino(a.toArray(String[]::new)), "none of the 12 images could be read", "0.jpg");
      assertFalse(Files.exists(run.resolve("args.json")), String.join(" ", a));
      assertFalse(Files.exists(run.resolve("metrics.jsonl")), String.join(" ", a));
    }
  }

  @Test
  void aBadRunFlagIsRefusedBeforeTheRecipeIsSized(@TempDir Path tmp) {
    Path run = tmp.resolve("run");
    Result r = jdino("train", "--output-dir", run.toString(), "--num-workers", "0");
    assertBadInput(r, "--num-workers");
    assertFalse(r.out().contains("sized"), r.out());
    assertFalse(Files.exists(run));
  }

  @Test
  void cropSizeNotAMultipleOfThePatch(@TempDir Path tmp) {
    Path run = tmp.resolve("run");
    assertBadInput(train(run, "--global-crop-size", "30"), "--global-crop-size 30", "patch size 4");
    assertBadInput(train(run, "--local-crop-size", "10"), "--local-crop-size 10", "patch size 4");
    assertFalse(Files.exists(run));
  }

  @Test
  void localCropLargerThanGlobal(@TempDir Path tmp) {
    Path run = tmp.resolve("run");
    assertBadInput(
        train(run, "--local-crop-size", "32"), "local crop size 32", "global crop size 28");
    assertFalse(Files.exists(run));
  }

  @Test
  void zeroEpochsAndWarmupLongerThanTheRun(@TempDir Path tmp) {
    Path run = tmp.resolve("run");
    assertBadInput(train(run, "--epochs", "0"), "--epochs", "got 0");
    assertBadInput(
        train(run, "--epochs", "3", "--warmup-epochs", "5"), "--warmup-epochs 5", "--epochs 3");
    assertBadInput(
        train(run, "--epochs", "3", "--warmup-teacher-temp-epochs", "4"),
        "--warmup-teacher-temp-epochs 4");
    assertFalse(Files.exists(run));
  }

  /** The tiny ViT at batch 16, so that measuring the step time and training take seconds. */
  private static List<String> tiny(String... extra) {
    List<String> a = new ArrayList<>(TinyRun.FLAGS);
    a.addAll(List.of("--batch-size", "16"));
    a.addAll(List.of(extra));
    return a;
  }

  @Test
  void timeBudgetShorterThanTheDefaultWarmupIsCappedNotRefused(@TempDir Path tmp) throws Exception {
    // fmnist-small warms up and freezes for 1 epoch (312 steps at batch 16); 2 s of training is a
    // few dozen steps, so both defaults must be cut to the run, with a line each.
    Path run = tmp.resolve("run");
    Result r = train(run, tiny("--time-budget", "2s", "--threads", "1").toArray(String[]::new));
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("capped to fit the run: lr warm-up"), r.out());
    assertTrue(r.out().contains("capped to fit the run: last layer frozen"), r.out());
    JsonNode args = new ObjectMapper().readTree(run.resolve("args.json").toFile());
    double epochs = args.at("/config/train/epochs").asDouble();
    assertTrue(epochs > 0 && epochs < 1, "epochs from the budget: " + epochs);
    assertEquals(0.1 * epochs, args.at("/config/train/warmupEpochs").asDouble(), 1e-12);
    assertEquals(0.1 * epochs, args.at("/config/train/freezeLastLayer").asDouble(), 1e-12);
    assertEquals(2, args.at("/recipe/capped_to_budget").size(), args.toString());
    // "Run the same command to resume": the same budget is taken, a note says it sized the run
    Result again = train(run, tiny("--time-budget", "2s", "--threads", "1").toArray(String[]::new));
    assertEquals(0, again.code(), again.err());
    assertTrue(
        again.out().contains("note: --time-budget 2s sized this run when it started"), again.out());
    assertTrue(again.out().contains("nothing to do"), again.out());
    // another budget would not do what it says
    assertBadInput(
        train(run, tiny("--time-budget", "5s", "--threads", "1").toArray(String[]::new)),
        "--time-budget 5s",
        "was sized to a budget of 2 s",
        "resume it without --time-budget");
  }

  @Test
  void theSameCommandResumesAStartFromWeightsAgainAndAgain(@TempDir Path tmp) throws Exception {
    // Each resume rewrites args.json; the recipe that records the weights must survive it, or the
    // second resume of "the same command" is refused as if the run had not started from weights.
    Path run = tmp.resolve("run");
    String weights = dev.jdino.testing.Fixtures.path("pth/vit_full.pth").toString();
    String[] same = {
      "train",
      "--data",
      "fmnist-sample",
      "--output-dir",
      run.toString(),
      "--pretrained-weights",
      weights,
      "--patch-size",
      "4",
      "--local-crop-size",
      "12",
      "--epochs",
      "1",
      "--batch-size",
      "16",
      "--threads",
      "1",
      "--max-steps",
      "1"
    };
    Result first = jdino(same);
    assertEquals(0, first.code(), first.err());
    for (int resume = 1; resume <= 2; resume++) {
      Result again = jdino(same);
      assertEquals(0, again.code(), "resume " + resume + ": " + again.err());
      assertTrue(
          again.out().contains("note: this run started from pretrained weights"), again.out());
      JsonNode args = new ObjectMapper().readTree(run.resolve("args.json").toFile());
      assertTrue(args.at("/recipe/pretrained_weights").isTextual(), args.toString());
    }
  }

  /**
   * The weights' architecture applies before any setting is checked: a local crop of 12 fits their
   * patch of 4 (it was refused against the preset's 7), and a preset whose architecture the weights
   * replaced resumes with the same command.
   */
  @Test
  void pretrainedWeightsSetThePatchBeforeCropsAreCheckedAndResumeUnderAPreset(@TempDir Path tmp)
      throws Exception {
    Path run = tmp.resolve("run");
    String weights = dev.jdino.testing.Fixtures.path("pth/vit_full.pth").toString();
    java.util.function.IntFunction<String[]> command =
        steps ->
            new String[] {
              "train",
              "--preset",
              "fmnist-small",
              "--data",
              "fmnist-sample",
              "--output-dir",
              run.toString(),
              "--pretrained-weights",
              weights,
              "--local-crop-size",
              "12",
              "--batch-size",
              "16",
              "--threads",
              "1",
              "--max-steps",
              Integer.toString(steps)
            };
    Result first = jdino(command.apply(1));
    assertEquals(0, first.code(), first.err());
    JsonNode args = new ObjectMapper().readTree(run.resolve("args.json").toFile());
    assertEquals(4, args.at("/config/vit/patchSize").asInt(), args.toString());
    assertEquals(12, args.at("/config/augment/localCrops/size").asInt(-1), args.toString());
    Result again = jdino(command.apply(2));
    assertEquals(0, again.code(), again.err());
    assertTrue(again.out().contains("note: this run started from pretrained weights"), again.out());
  }

  /** Refused in the launching process, in one line, before any rank is started. */
  @Test
  void aTimeBudgetForSeveralRanksIsRefusedBeforeLaunching(@TempDir Path tmp) {
    Path run = tmp.resolve("run");
    Result r = train(run, "--time-budget", "10s", "--nproc-per-node", "2");
    assertBadInput(r, "--time-budget sizes a run", "give --epochs instead");
    assertFalse(r.err().contains("MPI") || r.out().contains("rank"), r.out() + r.err());
    assertFalse(Files.exists(run));
  }

  @Test
  void explicitWarmupLongerThanTheBudgetIsRefused(@TempDir Path tmp) {
    Path run = tmp.resolve("run");
    String[] a =
        tiny("--time-budget", "2s", "--threads", "1", "--warmup-epochs", "1")
            .toArray(String[]::new);
    assertBadInput(train(run, a), "--warmup-epochs 1", "--time-budget 2s");
    assertFalse(Files.exists(run.resolve("checkpoint.safetensors")));
  }

  @Test
  void corruptCheckpointOnResume(@TempDir Path tmp) throws Exception {
    Path run = Files.createDirectory(tmp.resolve("run"));
    byte[] junk = "this is not a checkpoint at all, just text".getBytes();
    Files.write(run.resolve("checkpoint.safetensors"), junk);
    Result r = train(run);
    assertBadInput(r, "checkpoint.safetensors");
    assertArrayEquals(junk, Files.readAllBytes(run.resolve("checkpoint.safetensors")));
    try (var files = Files.list(run)) {
      assertEquals(1, files.count(), "nothing else may be written");
    }
  }

  @Test
  void truncatedCheckpointOnResume(@TempDir Path tmp) throws Exception {
    Path run = tmp.resolve("run");
    Result ok =
        train(
            run,
            "--epochs",
            "1",
            "--max-steps",
            "1",
            "--embed-dim",
            "16",
            "--depth",
            "1",
            "--num-heads",
            "2",
            "--out-dim",
            "64",
            "--hidden-dim",
            "32",
            "--bottleneck-dim",
            "16",
            "--batch-size",
            "8");
    assertEquals(0, ok.code(), ok.err());
    Path ckpt = run.resolve("checkpoint.safetensors");
    byte[] full = Files.readAllBytes(ckpt);
    byte[] half = Arrays.copyOf(full, full.length / 2);
    Files.write(ckpt, half);
    Result r = train(run);
    assertBadInput(r, "checkpoint.safetensors", "truncated");
    assertArrayEquals(half, Files.readAllBytes(ckpt));
  }

  @Test
  void resumeOnAnotherNumberOfImagesIsRefusedAndOnTheSameImagesNamedOtherwiseNoted(
      @TempDir Path tmp) throws Exception {
    Path run = tmp.resolve("run");
    Result first = train(run, "--epochs", "1", "--max-steps", "1", "--batch-size", "8");
    assertEquals(0, first.code(), first.err());
    Path folder = Files.createDirectory(tmp.resolve("folder"));
    for (int i = 0; i < 20; i++) {
      ImageIO.write(
          new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY),
          "png",
          folder.resolve(i + ".png").toFile());
    }
    // what a run killed while writing its checkpoint leaves, and a file of the user's
    Path partial = Files.writeString(run.resolve(".checkpoint.safetensors.4242.tmp"), "half");
    Path users = Files.writeString(run.resolve("notes.4242.tmp"), "mine");
    byte[] args = Files.readAllBytes(run.resolve("args.json"));
    byte[] metrics = Files.readAllBytes(run.resolve("metrics.jsonl"));
    Result other = jdino("train", "--output-dir", run.toString(), "--data", folder.toString());
    assertBadInput(other, "trained on 5,000 images of fmnist-sample", folder + " now has 20");
    assertArrayEquals(args, Files.readAllBytes(run.resolve("args.json")));
    assertArrayEquals(metrics, Files.readAllBytes(run.resolve("metrics.jsonl")));
    // a shorter run than its warm-up: said by the flag given, not the one left alone
    assertBadInput(
        jdino("train", "--output-dir", run.toString(), "--epochs", "0.5"),
        "--epochs 0.5: the warm-up of 1 epoch is longer than the run of 0.5 epochs (that is"
            + " --warmup-epochs as the run or its preset has it; give --warmup-epochs too to change"
            + " it)");
    // The same 5,000 images under another name: resumed, with a note.
    Result renamed =
        jdino(
            "train",
            "--output-dir",
            run.toString(),
            "--data",
            "fmnist-sample:train",
            "--max-steps",
            "2");
    assertEquals(0, renamed.code(), renamed.err());
    assertTrue(
        renamed
            .out()
            .contains(
                "note: training continues on fmnist-sample:train, not on the run's fmnist-sample"
                    + " (the same number of images)"),
        renamed.out());
    assertTrue(renamed.out().contains("resuming in epoch 1/1 after step 1/"), renamed.out());
    assertTrue(
        renamed
            .out()
            .contains(
                "removed 1 partial file of writes cut short by an earlier interruption"
                    + " (.checkpoint.safetensors.4242.tmp)"),
        renamed.out());
    assertFalse(Files.exists(partial));
    assertTrue(Files.exists(users));
  }

  @Test
  void resumeWithADifferentArchitectureIsRefused(@TempDir Path tmp) {
    Path run = tmp.resolve("run");
    String[] small = {
      "--epochs",
      "1",
      "--max-steps",
      "1",
      "--embed-dim",
      "16",
      "--depth",
      "1",
      "--num-heads",
      "2",
      "--out-dim",
      "64",
      "--hidden-dim",
      "32",
      "--bottleneck-dim",
      "16",
      "--batch-size",
      "8"
    };
    Result first = train(run, small);
    assertEquals(0, first.code(), first.err());
    // Console epochs and steps count from 1: 5,000 sample images at batch 8 are 625 steps.
    assertTrue(
        first.out().contains("stopped in epoch 1/1 after step 1/625: checkpoint saved"),
        first.out());
    Result r = jdino("train", "--output-dir", run.toString(), "--out-dim", "128");
    assertBadInput(r, "--out-dim 128", "64");
    // Without flags, a rerun resumes with the run's own settings and finishes the epoch.
    Result again = jdino("train", "--output-dir", run.toString(), "--max-steps", "2");
    assertEquals(0, again.code(), again.err());
    assertTrue(again.out().contains("resuming in epoch 1/1 after step 1/"), again.out());
    assertTrue(
        again.out().contains("this time (")
            && again.out().contains(" in all, with the runs" + " before the resume)"),
        again.out());
    // A longer run on the same directory: the schedules follow, what was fitted to the first
    // length is named
    Result longer =
        jdino("train", "--output-dir", run.toString(), "--epochs", "2", "--max-steps", "3");
    assertEquals(0, longer.code(), longer.err());
    assertTrue(
        longer
            .out()
            .contains(
                "note: the run's length changed from 1 to 2 epochs: the schedules are recomputed"
                    + " for 2 epochs; the rest stays as the run began (lr warm-up "),
        longer.out());
    assertTrue(
        longer.out().contains("for settings sized to 2 epochs, start a new run"), longer.out());
  }
}
