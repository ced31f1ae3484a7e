package dev.jdino.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jdino.io.Json;
import dev.jdino.train.DinoConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The flag table, recipes and caps of {@code jdino train}, seen from args.json after a one-step run
 * (--max-steps 1) of a tiny network.
 */
class TrainFlagsTest {
  private static final String[] TINY = {
    "--embed-dim",
    "32",
    "--depth",
    "1",
    "--num-heads",
    "2",
    "--hidden-dim",
    "64",
    "--bottleneck-dim",
    "32",
    "--batch-size",
    "16",
    "--num-workers",
    "1",
    "--max-steps",
    "1"
  };

  private static TrainCommandTest.Result train(Path run, String... args) {
    String[] all = new String[args.length + TINY.length + 5];
    all[0] = "train";
    all[1] = "--data";
    all[2] = "fmnist-sample";
    all[3] = "--output-dir";
    all[4] = run.toString();
    System.arraycopy(TINY, 0, all, 5, TINY.length);
    System.arraycopy(args, 0, all, 5 + TINY.length, args.length);
    return TrainCommandTest.jdino(all);
  }

  private static DinoConfig config(Path run) {
    return DinoConfig.fromJson(Json.read(run.resolve("args.json")).path("config"));
  }

  @Test
  void everyKindOfFlagReachesItsSetting(@TempDir Path tmp) {
    Path run = tmp.resolve("run");
    TrainCommandTest.Result r =
        train(
            run,
            "--preset",
            "fmnist-small",
            "--blur-p",
            "0",
            "0.5",
            "0",
            "--mean",
            "0.5",
            "--std",
            "0.2,0.3,0.4",
            "--local-crops-scale",
            "0.2",
            "0.5",
            "--solarization-p",
            "0",
            "--koleo-weight",
            "0.1",
            "--centering",
            "sinkhorn-knopp",
            "--epochs",
            "0.5",
            "--warmup-epochs",
            "0.25",
            "--freeze-last-layer",
            "0");
    assertEquals(0, r.code(), r.err());
    DinoConfig c = config(run);
    assertEquals(0.5, c.augment().blur().pGlobal2());
    assertEquals(0.0, c.augment().blur().pGlobal1());
    assertArrayEquals(new float[] {0.5f, 0.5f, 0.5f}, c.augment().normalize().mean());
    assertArrayEquals(new float[] {0.2f, 0.3f, 0.4f}, c.augment().normalize().std());
    assertEquals(0.2, c.augment().localCrops().scale().min());
    assertEquals(0.0, c.augment().solarizeP());
    assertEquals(0.1, c.loss().koleoWeight());
    assertEquals("SINKHORN_KNOPP", c.loss().centering().name());
    assertEquals(0.5, c.train().epochs());
    JsonNode args = Json.read(run.resolve("args.json"));
    // 5,000 images in batches of 16: 312 steps an epoch; half of it is 156 steps.
    assertEquals(312, args.path("iterations_per_epoch").asInt());
    assertEquals(156, args.path("total_steps").asInt());
    assertEquals(78, args.path("warmup_steps").asInt());
  }

  @Test
  void deprecatedNormalisationNamesStillWorkWithAWarning(@TempDir Path tmp) {
    Path run = tmp.resolve("run");
    TrainCommandTest.Result r =
        train(run, "--preset", "fmnist-small", "--normalize-mean", "0.4", "0.4", "0.4");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.err().contains("--normalize-mean is deprecated"), r.err());
    assertArrayEquals(new float[] {0.4f, 0.4f, 0.4f}, config(run).augment().normalize().mean());
  }

  @Test
  void aMistypedValueIsOneLineWithAPointerToTheHelp(@TempDir Path tmp) {
    Path run = tmp.resolve("run");
    TrainCommandTest.Result r = train(run, "--lr", "abc");
    assertEquals(2, r.code());
    String line = r.err().strip();
    assertFalse(line.contains("\n"), line);
    assertTrue(
        line.startsWith("jdino: error: ")
            && line.contains("--lr")
            && line.contains("abc")
            && line.contains("jdino train --help"),
        line);
    assertFalse(Files.exists(run));
  }

  @Test
  void defaultsThatDoNotFitAShortRunAreCappedWithALine(@TempDir Path tmp) {
    Path run = tmp.resolve("run");
    // The reference's 10 warm-up epochs in a 1-epoch run.
    TrainCommandTest.Result r =
        train(
            run,
            "--preset",
            "reference",
            "--global-crop-size",
            "28",
            "--local-crop-size",
            "12",
            "--patch-size",
            "4",
            "--out-dim",
            "256",
            "--epochs",
            "1",
            "--mean",
            "0.286",
            "--std",
            "0.353");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("capped to fit the run: lr warm-up 0.1 epochs (was 10)"), r.out());
    assertEquals(0.1, config(run).train().warmupEpochs(), 1e-12);
  }

  @Test
  void anExplicitValueThatCannotFitIsRefusedNamingBothFlags(@TempDir Path tmp) {
    Path run = tmp.resolve("run");
    TrainCommandTest.Result r =
        train(run, "--preset", "reference", "--epochs", "1", "--warmup-epochs", "10");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("--warmup-epochs 10") && r.err().contains("(--epochs 1)"), r.err());
  }

  @Test
  void aRunOfNoLengthIsRefusedNamingEpochsNotADerivedCap(@TempDir Path tmp) {
    for (String[] args :
        new String[][] {
          {"--epochs", "-1"}, {"--epochs", "0"}, {"--preset", "reference", "--epochs", "-2"}
        }) {
      TrainCommandTest.Result r = train(tmp.resolve("run"), args);
      assertEquals(2, r.code(), String.join(" ", args) + ": " + r.err());
      assertTrue(r.err().contains("--epochs " + args[args.length - 1]), r.err());
      assertTrue(r.err().contains("more than 0 epochs"), r.err());
      assertFalse(r.err().contains("--warmup"), r.err());
    }
  }

  @Test
  void nonFiniteValuesAreRefusedNamingTheFlag(@TempDir Path tmp) {
    // --lr Infinity once trained a step and then logged NaN losses.
    String[][] cases = {
      {"--lr", "Infinity", "the learning rate must be a finite number >= 0, got Infinity"},
      {
        "--teacher-temp",
        "Infinity",
        "the teacher temperature must be a finite number > 0, got Infinity"
      },
      {
        "--clip-grad",
        "Infinity",
        "the clipping norm must be a finite number >= 0 (0 disables), got Infinity"
      },
      {"--mlp-ratio", "Infinity", "the MLP ratio must be a finite number > 0, got Infinity"}
    };
    for (String[] c : cases) {
      Path run = tmp.resolve("run");
      TrainCommandTest.Result r = train(run, c[0], c[1]);
      assertEquals(2, r.code(), r.err());
      assertEquals("jdino: error: " + c[0] + " " + c[1] + ": " + c[2], r.err().strip());
      assertFalse(Files.exists(run));
    }
  }

  @Test
  void theLongestRunIsRefusedAsAnUpperBound(@TempDir Path tmp) {
    TrainCommandTest.Result r = train(tmp.resolve("run"), "--epochs", "1e12");
    assertEquals(2, r.code(), r.err());
    assertEquals(
        "jdino: error: --epochs 1000000000000: the run can last at most 1000000 epochs, got"
            + " 1000000000000",
        r.err().strip());
  }

  @Test
  void aBadRangeNamesItsFlagAndBothValues(@TempDir Path tmp) {
    // Once: "not a jdino DINO configuration: Cannot construct instance of `...Range`, problem: ..."
    String[][] cases = {
      {
        "--global-crops-scale",
        "0.9",
        "0.2",
        "the min 0.9 is larger than the max 0.2; expected min <= max"
      },
      {"--blur-sigma", "2", "1", "the min 2.0 is larger than the max 1.0; expected min <= max"},
      {
        "--global-crops-scale",
        "0.2",
        "Infinity",
        "a range's max must be a finite number, got Infinity"
      },
      {
        "--local-crops-scale",
        "0.2",
        "1.5",
        "a crop's area range must satisfy 0 < min <= max <= 1, got (0.2, 1.5)"
      }
    };
    for (String[] c : cases) {
      Path run = tmp.resolve("run");
      TrainCommandTest.Result r = train(run, c[0], c[1], c[2]);
      assertEquals(2, r.code(), r.err());
      assertEquals(
          "jdino: error: " + c[0] + " " + c[1] + " " + c[2] + ": " + c[3], r.err().strip());
      assertFalse(Files.exists(run));
    }
  }

  @Test
  void eachRunFlagIsRefusedInItsOwnWords(@TempDir Path tmp) {
    String[][] cases = {
      {"--max-steps", "0", "expected at least 1 step (leave it out for no limit)"},
      {"--max-steps", "-1", "expected at least 1 step (leave it out for no limit)"},
      {"--log-every", "0", "expected a number of steps >= 1"},
      {"--saveckp-freq", "-1", "expected a number of epochs >= 0 (0: never)"},
      {"--threads", "0", "expected at least 1 (leave it out for all cores)"},
      {"--threads", "-1", "expected at least 1 (leave it out for all cores)"},
      {"--num-workers", "0", "expected 1 to 256 augmentation threads"},
      {"--num-workers", "100000", "expected 1 to 256 augmentation threads"}
    };
    for (String[] c : cases) {
      TrainCommandTest.Result r =
          TrainCommandTest.jdino(
              "train",
              "--data",
              "fmnist-sample",
              "--output-dir",
              tmp.resolve("run").toString(),
              c[0],
              c[1]);
      assertEquals(2, r.code(), r.err());
      assertEquals("jdino: error: " + c[0] + " " + c[1] + ": " + c[2], r.err().strip());
    }
  }

  @Test
  void moreThreadsThanCoresRunWithANote(@TempDir Path tmp) {
    int cores = Runtime.getRuntime().availableProcessors();
    TrainCommandTest.Result r = train(tmp.resolve("run"), "--threads", String.valueOf(cores + 1));
    assertEquals(0, r.code(), r.err());
    String note =
        "note: --threads "
            + (cores + 1)
            + " is more than the "
            + cores
            + (cores == 1 ? " core" : " cores")
            + " this process may use; threads beyond that share cores";
    assertEquals(1, r.out().lines().filter(note::equals).count(), r.out());
  }

  @Test
  void withoutAPresetTheFastRecipeIsSizedToTheData(@TempDir Path tmp) {
    Path run = tmp.resolve("run");
    TrainCommandTest.Result r = train(run, "--epochs", "2");
    assertEquals(0, r.code(), r.err());
    JsonNode recipe = Json.read(run.resolve("args.json")).path("recipe");
    assertEquals("fmnist-fast", recipe.path("preset").asText());
    assertTrue(recipe.path("sized").asBoolean());
    DinoConfig c = config(run);
    // 5,000 images: 1024 prototypes, teacher momentum 0.99; a warm-up of 10 % of the 2 epochs.
    assertEquals(1024, c.head().outDim());
    assertEquals(0.99, c.train().momentumTeacher());
    assertEquals(0.2, c.train().warmupEpochs(), 1e-12);
    assertEquals(28, c.vit().imgSize());
  }

  /** The arithmetic asked for is the arithmetic run, said at start and recorded in args.json. */
  @Test
  void theAttentionPrecisionIsChosenPrintedAndRecorded(@TempDir Path tmp) {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        dev.jdino.engine.TorchBridge.isAvailable(), "the libtorch bridge does not load here");
    Path run = tmp.resolve("run");
    TrainCommandTest.Result r =
        train(run, "--epochs", "1", "--precision", "bf16", "--attention-precision", "fp32");
    assertEquals(0, r.code(), r.err());
    assertTrue(
        r.out()
            .contains(
                "jdino: arithmetic bf16, fused attention in fp32 (--precision bf16;"
                    + " --attention-precision fp32)"),
        r.out());
    JsonNode compute = Json.read(run.resolve("args.json")).path("options").path("compute");
    assertEquals("BF16", compute.path("precision").asText(), compute.toString());
    assertEquals("FP32", compute.path("attentionPrecision").asText(), compute.toString());
    assertTrue(compute.path("fusedAttention").asBoolean(), compute.toString());
  }

  /** Under bf16 products the fused attention stays fp32 unless asked: its bf16 kernel is slower. */
  @Test
  void bf16ProductsKeepTheFusedAttentionInFp32ByDefault(@TempDir Path tmp) {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        dev.jdino.engine.TorchBridge.isAvailable(), "the libtorch bridge does not load here");
    Path run = tmp.resolve("run");
    TrainCommandTest.Result r = train(run, "--epochs", "1", "--precision", "bf16");
    assertEquals(0, r.code(), r.err());
    assertTrue(
        r.out()
            .contains(
                "jdino: arithmetic bf16, fused attention in fp32 (--precision bf16; fp32"
                    + " attention: libtorch's bf16 attention backward is slower than its fp32"
                    + " one, with AMX or without)"),
        r.out());
    JsonNode compute = Json.read(run.resolve("args.json")).path("options").path("compute");
    assertEquals("FP32", compute.path("attentionPrecision").asText(), compute.toString());
  }

  @Test
  void anAttentionPrecisionTheRunCannotHaveIsRefusedInOneLine(@TempDir Path tmp) {
    Path run = tmp.resolve("run");
    TrainCommandTest.Result r =
        train(run, "--attention", "explicit", "--attention-precision", "bf16");
    assertEquals(2, r.code());
    assertEquals(
        "jdino: error: --attention-precision bf16: only the fused attention runs in bf16; the"
            + " explicit path is fp32",
        r.err().strip());
    r = train(tmp.resolve("run2"), "--attention-precision", "fp16");
    assertEquals(2, r.code());
    assertEquals(
        "jdino: error: --attention-precision: 'fp16' is not a precision; expected fp32 or bf16",
        r.err().strip());
    assertFalse(Files.exists(run));
  }
}
