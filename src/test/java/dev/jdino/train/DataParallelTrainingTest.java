package dev.jdino.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jdino.dist.Collectives;
import dev.jdino.dist.Distributed;
import dev.jdino.dist.MpiRun;
import dev.jdino.io.BadInputException;
import dev.jdino.io.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data-parallel DINO between two real processes ({@code mpirun -np 2} on this machine, one thread
 * each; skipped with a message where MPI is not installed): the model of 2 ranks x B/2 is the model
 * of 1 rank x B, a dead rank ends the run without a hang and without touching the checkpoint, and a
 * stopped two-rank run resumes exactly.
 */
class DataParallelTrainingTest {
  private static final Duration LIMIT = Duration.ofSeconds(150);

  private static MpiRun.Result ranks(Map<String, String> env, String... args) throws Exception {
    return MpiRun.run(2, LIMIT, env, DataParallelProbe.class.getName(), args);
  }

  @Test
  void twoRanksOfHalfTheBatchTrainTheModelOfOneRankWithTheWholeBatch(@TempDir Path dir)
      throws Exception {
    MpiRun.requireMpi();
    Path two = dir.resolve("two");
    MpiRun.Result run = ranks(Map.of(), "train", two.toString(), "8", "2");
    assertEquals(0, run.exitCode(), run.output());
    Path one = dir.resolve("one");
    Path half = dir.resolve("half");
    try (DinoTrainer t =
        DinoTrainer.open(
            DataParallelProbe.config(16),
            DataParallelProbe.options(one, 2),
            DinoTrainerTest.sample(DataParallelProbe.IMAGES),
            "fmnist-sample",
            TrainingListener.NONE)) {
      t.train();
    }
    // A single process with half the batch sees other data: what the comparison must tell apart.
    try (DinoTrainer t =
        DinoTrainer.open(
            DataParallelProbe.config(8),
            DataParallelProbe.options(half, 2),
            DinoTrainerTest.sample(DataParallelProbe.IMAGES),
            "fmnist-sample",
            TrainingListener.NONE)) {
      t.train();
    }
    Checkpoint.Loaded a = Checkpoint.open(one.resolve(Checkpoint.FILE));
    Checkpoint.Loaded b = Checkpoint.open(two.resolve(Checkpoint.FILE));
    Checkpoint.Loaded c = Checkpoint.open(half.resolve(Checkpoint.FILE));
    assertEquals(2, a.state().globalStep());
    assertEquals(2, b.state().globalStep());
    assertEquals(a.state().optimizerSteps(), b.state().optimizerSteps());
    assertEquals("2", b.tensors().metadata().get(DataParallel.WORLD_SIZE_KEY));
    assertEquals(a.tensors().tensors().keySet(), b.tensors().tensors().keySet());
    double worst = 0;
    double halfWorst = 0;
    String worstName = "";
    for (String name : a.tensors().tensors().keySet()) {
      float[] x = a.tensors().loadFloats(name);
      float[] y = b.tensors().loadFloats(name);
      float[] z = c.tensors().loadFloats(name);
      for (int i = 0; i < x.length; i++) {
        double d = Math.abs(x[i] - y[i]);
        if (d > worst) {
          worst = d;
          worstName = name + "[" + i + "]";
        }
        halfWorst = Math.max(halfWorst, Math.abs(x[i] - z[i]));
      }
    }
    System.out.println(
        "2 x 8 against 1 x 16: largest difference "
            + worst
            + " at "
            + worstName
            + "; 1 x 8 against 1 x 16: "
            + halfWorst);
    assertTrue(worst <= 1e-5, "2 x 8 differs from 1 x 16 by " + worst + " at " + worstName);
    assertTrue(halfWorst > 1e-3, "1 x 8 should differ from 1 x 16, by " + halfWorst);
    // The centre and the optimiser moved: the equality is not that of untouched tensors.
    assertTrue(maxAbs(b.tensors().loadFloats("dino_loss.center")) > 1e-3);
    String moment =
        a.tensors().tensors().keySet().stream()
            .filter(n -> n.startsWith("optimizer.exp_avg."))
            .findFirst()
            .orElseThrow();
    assertTrue(maxAbs(b.tensors().loadFloats(moment)) > 0, moment);
    // Rank 0 wrote the run's files; the world is on record.
    JsonNode args = Json.parse(Files.readString(two.resolve("args.json")));
    assertEquals(2, args.get("world_size").asInt());
    assertEquals(16, args.get("global_batch_size").asInt());
    assertEquals(
        Json.parse(Files.readString(one.resolve("args.json"))).get("peak_lr").asDouble(),
        args.get("peak_lr").asDouble(),
        0);
    assertEquals(0, args.get("distributed").get("RANK").asInt());
    assertEquals(2, args.get("distributed").get("WORLD_SIZE").asInt());
    JsonNode start = Json.parse(Files.readAllLines(two.resolve(MetricsLog.FILE)).get(0));
    assertEquals("start", start.get("type").asText());
    assertEquals(2, start.get("distributed").get("WORLD_SIZE").asInt());
    assertEquals(8, start.get("distributed").get("batch_size_per_rank").asInt());
    assertTrue(
        Json.parse(Files.readAllLines(one.resolve(MetricsLog.FILE)).get(0))
            .get("distributed")
            .isNull());
    // The logged loss is the global batch's: the same as one process's, step by step.
    List<JsonNode> stepsTwo = steps(two);
    List<JsonNode> stepsOne = steps(one);
    assertEquals(2, stepsTwo.size());
    for (int i = 0; i < 2; i++) {
      assertEquals(
          stepsOne.get(i).get("loss").asDouble(),
          stepsTwo.get(i).get("loss").asDouble(),
          1e-5,
          "step " + i);
      assertEquals(
          stepsOne.get(i).get("teacher_entropy").asDouble(),
          stepsTwo.get(i).get("teacher_entropy").asDouble(),
          1e-4,
          "step " + i);
    }
  }

  @Test
  void aKilledRankEndsTheRunAndLeavesTheCheckpointIntact(@TempDir Path dir) throws Exception {
    MpiRun.requireMpi();
    // Epoch 0 (steps 0-3) ends with a checkpoint; rank 1 is killed in the backward of step 5.
    MpiRun.Result run = ranks(Map.of(), "train", dir.toString(), "8", "0", "5");
    assertNotEquals(0, run.exitCode(), run.output());
    assertTrue(run.output().contains("rank 1 dies in step 5"), run.output());
    // mpirun notices the dead process and ends the others; its message names the rank.
    assertTrue(run.output().contains("rank 1") && run.output().contains("signal 9"), run.output());
    assertFalse(run.output().contains("finished train"), run.output());
    assertTrue(run.seconds() < 90, "took " + run.seconds() + " s");
    assertCheckpointAtStep(dir, 4);
  }

  @Test
  void aRankThatLeftIsDetectedByTheOthersWatchdog(@TempDir Path dir) throws Exception {
    MpiRun.requireMpi();
    // A launcher that does not end the job when a process exits (some do not): rank 0 waits in
    // the gradient allreduce of step 5 for a rank that has gone, and its watchdog ends it.
    MpiRun.Result run =
        ranks(
            Map.of(
                Distributed.TIMEOUT_VARIABLE, "5", "OMPI_MCA_orte_abort_on_non_zero_status", "0"),
            "train",
            dir.toString(),
            "8",
            "0",
            "5",
            "halt");
    assertTrue(run.output().contains("rank 1 dies in step 5"), run.output());
    long gradientBytes;
    try (TrainingState s = TrainingState.fresh(DataParallelProbe.config(8), null)) {
      gradientBytes = 4L * s.network().layout().numel(); // one bucket: the whole flat gradient
    }
    assertTrue(
        run.output().contains("jdino: error: rank 0 of 2 (")
            && run.output()
                .contains(
                    String.format(
                        Locale.ROOT,
                        "MPI_Allreduce of %.1f KiB float32 did not complete within 5 s (another"
                            + " rank has probably died or stopped: see its output); exiting with"
                            + " status %d",
                        gradientBytes / 1024.0,
                        Collectives.PEER_FAILURE_STATUS)),
        run.output());
    // (mpirun itself, told to ignore exit statuses, then reports 0.)
    assertTrue(run.seconds() < 90, "took " + run.seconds() + " s");
    assertFalse(run.output().contains("finished train"), run.output());
    assertCheckpointAtStep(dir, 4);
  }

  @Test
  void aStoppedTwoRankRunResumesExactlyAsAnUninterruptedOne(@TempDir Path dir) throws Exception {
    MpiRun.requireMpi();
    Path straight = dir.resolve("straight");
    Path stopped = dir.resolve("stopped");
    MpiRun.Result a = ranks(Map.of(), "train", straight.toString(), "8", "0");
    assertEquals(0, a.exitCode(), a.output());
    // Stopped mid-epoch 0 (after 3 of its 4 steps), then resumed by a new launch.
    MpiRun.Result b = ranks(Map.of(), "train", stopped.toString(), "8", "3");
    assertEquals(0, b.exitCode(), b.output());
    Checkpoint.State mid = Checkpoint.open(stopped.resolve(Checkpoint.FILE)).state();
    assertEquals(3, mid.globalStep());
    assertEquals(3, mid.batchInEpoch());
    MpiRun.Result c = ranks(Map.of(), "train", stopped.toString(), "8", "0");
    assertEquals(0, c.exitCode(), c.output());
    Checkpoint.Loaded x = Checkpoint.open(straight.resolve(Checkpoint.FILE));
    Checkpoint.Loaded y = Checkpoint.open(stopped.resolve(Checkpoint.FILE));
    assertEquals(8, x.state().globalStep());
    assertEquals(8, y.state().globalStep());
    assertEquals(x.state().optimizerSteps(), y.state().optimizerSteps());
    for (String name : x.tensors().tensors().keySet()) {
      assertArrayEquals(x.tensors().loadFloats(name), y.tensors().loadFloats(name), name);
    }
    List<String> events =
        Files.readAllLines(stopped.resolve(MetricsLog.FILE)).stream()
            .map(DataParallelTrainingTest::json)
            .filter(
                n ->
                    !n.get("type").asText().equals("step")
                        && !n.get("type").asText().equals("epoch"))
            .map(
                n ->
                    n.get("type").asText()
                        + "@"
                        + n.get("step").asLong()
                        + " world "
                        + n.get("distributed").get("WORLD_SIZE").asInt())
            .toList();
    assertEquals(List.of("start@0 world 2", "resume@3 world 2"), events);
    // One process cannot take over a two-rank run: its global batch would halve.
    BadInputException e =
        assertThrows(
            BadInputException.class,
            () ->
                DinoTrainer.open(
                    DataParallelProbe.config(8),
                    DataParallelProbe.options(stopped, 0),
                    DinoTrainerTest.sample(DataParallelProbe.IMAGES),
                    "fmnist-sample",
                    TrainingListener.NONE));
    assertTrue(
        e.getMessage()
            .contains(
                "was trained by 2 ranks with 8 images each per step"
                    + " (global batch 16); this launch has one process"),
        e.getMessage());
  }

  @Test
  void theLossTakesItsBatchStatisticsOverAllRanks(@TempDir Path out) throws Exception {
    MpiRun.requireMpi();
    MpiRun.Result run = ranks(Map.of(), "loss", out.toString());
    assertEquals(0, run.exitCode(), run.output());
    Map<String, float[]> r0 = lines(out.resolve("rank0.txt"));
    Map<String, float[]> r1 = lines(out.resolve("rank1.txt"));
    for (String c : new String[] {"ema", "sk"}) {
      // The loss is a mean over the batch: the ranks' mean is the whole batch's.
      float whole = r0.get(c + "_whole_loss")[0];
      float mean = (r0.get(c + "_part_loss")[0] + r1.get(c + "_part_loss")[0]) / 2;
      assertEquals(whole, mean, 2e-6 * Math.abs(whole), c + " loss");
      // The centre moves by the global batch's mean on both ranks.
      for (Map<String, float[]> r : List.of(r0, r1)) {
        float[] expected = r.get(c + "_whole_center");
        float[] got = r.get(c + "_part_center");
        for (int i = 0; i < expected.length; i++) {
          assertEquals(expected[i], got[i], 1e-6, c + " centre " + i);
        }
      }
    }
    // With one rank's statistics only, the Sinkhorn-Knopp loss would differ: the check can fail.
    assertNotEquals(r0.get("sk_part_loss")[0], r1.get("sk_part_loss")[0]);
    // Sinkhorn-Knopp targets: rank r's rows are rows 2s + r of the whole batch's (crop-major).
    float[] q = r0.get("sk_whole_q");
    int k = 16;
    for (int r = 0; r < 2; r++) {
      float[] expected = DataParallelProbe.mine(q, 2, 6, k, r, 2);
      float[] got = (r == 0 ? r0 : r1).get("sk_part_q");
      assertEquals(expected.length, got.length);
      for (int i = 0; i < got.length; i++) {
        assertEquals(
            expected[i],
            got[i],
            1e-6 * Math.max(1, Math.abs(expected[i])),
            "rank " + r + " q " + i);
      }
    }
  }

  private static void assertCheckpointAtStep(Path dir, long step) throws Exception {
    Checkpoint.Loaded ckpt = Checkpoint.open(dir.resolve(Checkpoint.FILE));
    assertEquals(step, ckpt.state().globalStep());
    for (String name : ckpt.tensors().tensors().keySet()) {
      ckpt.tensors().loadFloats(name);
    }
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(
          List.of("args.json", "checkpoint.json", "checkpoint.safetensors", "metrics.jsonl"),
          files.map(p -> p.getFileName().toString()).sorted().toList(),
          "no temporary files beside the run's own");
    }
  }

  private static List<JsonNode> steps(Path run) throws Exception {
    return Files.readAllLines(run.resolve(MetricsLog.FILE)).stream()
        .map(DataParallelTrainingTest::json)
        .filter(n -> n.get("type").asText().equals("step"))
        .toList();
  }

  private static JsonNode json(String line) {
    try {
      return Json.parse(line);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static double maxAbs(float[] v) {
    double m = 0;
    for (float x : v) {
      m = Math.max(m, Math.abs(x));
    }
    return m;
  }

  private static Map<String, float[]> lines(Path file) throws Exception {
    Map<String, float[]> m = new HashMap<>();
    for (String line : Files.readAllLines(file)) {
      String[] f = line.split(" ");
      float[] v = new float[f.length - 1];
      for (int i = 1; i < f.length; i++) {
        v[i - 1] = Float.parseFloat(f[i]);
      }
      m.put(f[0], v);
    }
    return m;
  }
}
