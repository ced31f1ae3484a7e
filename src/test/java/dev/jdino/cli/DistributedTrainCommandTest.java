package dev.jdino.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jdino.dist.MpiRun;
import dev.jdino.io.Json;
import dev.jdino.train.Checkpoint;
import dev.jdino.train.DataParallel;
import dev.jdino.train.MetricsLog;
import dev.jdino.viz.TinyRun;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jdino train} and {@code jdino bench train} as two MPI ranks ({@code mpirun -np 2 jdino
 * ...}, and {@code --nproc-per-node 2}); skipped where MPI is not installed.
 */
class DistributedTrainCommandTest {
  private static final Duration LIMIT = Duration.ofSeconds(150);

  /** A tiny model on the bundled sample, 8 images per rank, two steps. */
  private static List<String> tiny(String command, Path dir) {
    List<String> a = new ArrayList<>(List.of(command.split(" ")));
    a.addAll(List.of("--preset", "fmnist-small", "--data", "fmnist-sample"));
    a.addAll(TinyRun.FLAGS);
    a.addAll(List.of("--local-crops-number", "2", "--batch-size", "8", "--num-workers", "1"));
    if (dir != null) {
      a.addAll(List.of("--epochs", "1", "--max-steps", "2", "--output-dir", dir.toString()));
    }
    return a;
  }

  private static long count(String text, String start) {
    return text.lines().filter(l -> l.startsWith(start)).count();
  }

  @Test
  void ranksStartedByMpirunTrainOneRunAndOnlyRankZeroTalks(@TempDir Path dir) throws Exception {
    MpiRun.Result r =
        MpiRun.run(
            2, LIMIT, Map.of(), Main.class.getName(), tiny("train", dir).toArray(String[]::new));
    assertEquals(0, r.exitCode(), r.output());
    String out = r.output();
    assertEquals(
        1, count(out, "jdino: data-parallel over 2 ranks, started by mpirun (Open MPI)"), out);
    assertTrue(
        out.contains("; rank 0 of 2 (local 0 of 2 on ")
            && out.contains("), 1 compute thread per rank, on CPUs"),
        out);
    assertEquals(1, count(out, "jdino train: ViT 32/2/2 heads"), out);
    assertTrue(out.contains("batch 8 per rank x 2 ranks = 16;"), out);
    assertEquals(1, count(out, "stopped: "), out);
    assertEquals(1, count(out, "checkpoint: "), out);
    JsonNode args = Json.parse(Files.readString(dir.resolve("args.json")));
    assertEquals(2, args.get("world_size").asInt());
    assertEquals(16, args.get("global_batch_size").asInt());
    JsonNode d = args.get("distributed");
    assertEquals(0, d.get("RANK").asInt());
    assertEquals(2, d.get("WORLD_SIZE").asInt());
    assertEquals(0, d.get("LOCAL_RANK").asInt());
    assertEquals(2, d.get("LOCAL_WORLD_SIZE").asInt());
    JsonNode start = Json.parse(Files.readAllLines(dir.resolve(MetricsLog.FILE)).get(0));
    assertEquals(2, start.get("distributed").get("WORLD_SIZE").asInt());
    Checkpoint.Loaded c = Checkpoint.open(dir.resolve(Checkpoint.FILE));
    assertEquals(2, c.state().globalStep());
    assertEquals("2", c.tensors().metadata().get(DataParallel.WORLD_SIZE_KEY));
  }

  @Test
  void nprocPerNodeStartsTheRanksItself(@TempDir Path dir) throws Exception {
    MpiRun.requireMpi();
    List<String> a = tiny("train", dir);
    a.addAll(List.of("--nproc-per-node", "2"));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(out), new PrintWriter(err), a.toArray(String[]::new));
    assertEquals(0, code, err.toString());
    JsonNode args = Json.parse(Files.readString(dir.resolve("args.json")));
    assertEquals(2, args.get("world_size").asInt());
    assertEquals(2, args.get("distributed").get("LOCAL_WORLD_SIZE").asInt());
    assertEquals(
        "2",
        Checkpoint.open(dir.resolve(Checkpoint.FILE))
            .tensors()
            .metadata()
            .get(DataParallel.WORLD_SIZE_KEY));
  }

  @Test
  void badInputOnTheRanksIsOneLineEachAndEndsThemAll(@TempDir Path dir) throws Exception {
    MpiRun.Result r =
        MpiRun.run(
            2,
            LIMIT,
            Map.of(),
            Main.class.getName(),
            "train",
            "--data",
            dir.resolve("nope").toString(),
            "--output-dir",
            dir.resolve("run").toString());
    assertEquals(Main.BAD_INPUT, r.exitCode(), r.output());
    List<String> errors = r.output().lines().filter(l -> l.startsWith("jdino: error: ")).toList();
    assertTrue(errors.size() >= 1 && errors.size() <= 2, r.output());
    for (String e : errors) {
      assertTrue(
          e.matches("jdino: error: rank [01] of 2 \\(local [01] of 2 on .*\\): .*nope.*"), e);
    }
    assertTrue(Files.notExists(dir.resolve("run")));
  }

  @Test
  void benchTrainReportsCommunicationPerStep() throws Exception {
    List<String> a = tiny("bench train", null);
    a.addAll(List.of("--steps", "3", "--warmup", "1"));
    MpiRun.Result r =
        MpiRun.run(2, LIMIT, Map.of(), Main.class.getName(), a.toArray(String[]::new));
    assertEquals(0, r.exitCode(), r.output());
    String out = r.output();
    assertEquals(1, count(out, "jdino bench train: preset fmnist-small"), out);
    assertTrue(out.contains("batch 8 per rank x 2 ranks = 16, "), out);
    List<String> comm = out.lines().filter(l -> l.startsWith("communication (rank 0): ")).toList();
    assertEquals(1, comm.size(), out);
    // Per step: the gradient (one bucket), the centre, the loss signals and the stop agreement.
    assertTrue(
        comm.get(0)
            .matches(
                "communication \\(rank 0\\): [0-9.]+ ms per step \\([0-9.]+% of the step\\),"
                    + " [0-9.]+ MiB allreduced per step in 4\\.0 calls; broadcasts 0, barriers 0 in"
                    + " all"),
        comm.get(0));
  }

  @Test
  void theNprocFlagIsTakenOutOfTheRanksCommandLine() {
    assertEquals(
        List.of("train", "--epochs", "2", "--data", "x"),
        DistributedRuns.withoutNprocPerNode(
            List.of(
                "train",
                "--nproc-per-node",
                "2",
                "--epochs",
                "2",
                "--nproc-per-node=4",
                "--data",
                "x")));
  }
}
