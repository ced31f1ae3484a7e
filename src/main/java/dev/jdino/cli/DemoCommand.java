package dev.jdino.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jdino.data.DataSources;
import dev.jdino.io.Json;
import dev.jdino.viz.RunMetrics;
import dev.jdino.viz.ScoreReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code jdino demo}: the whole story on the bundled data in a few minutes. It pretrains with the
 * fast recipe, sized to a time budget measured on this machine, with snapshots and an online k-NN,
 * then runs the same commands a user would: k-NN with its floors, attention maps, the segmentation
 * score, the training animation and the report, whose path it prints last.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Pretrain a small ViT on the bundled sample, evaluate it and draw what it learned.",
      "DINO's fast recipe on the bundled Fashion-MNIST sample, then k-NN with its floors,"
          + " attention maps, animation and one HTML report. The training is sized to a time"
          + " budget (2.5 minutes) measured on this machine; the whole demo took under 3 minutes"
          + " on a 2-core AMD EPYC (Zen 3), longer on slower machines."
    })
public final class DemoCommand implements Callable<Integer> {
  /**
   * The demo's training time when none is given. With the stages after it the demo took under 3
   * minutes on a 2-core AMD EPYC (Zen 3), 287 steps of the patch-7 fast recipe and k-NN 9.4 points
   * above random init; a slower machine trains fewer steps in the same time rather than longer (231
   * pinned to one core of it, still +9.6: BENCHMARKS.md, the demo's sections).
   */
  static final String TRAINING_BUDGET = "150s";

  @Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--full",
      description =
          "Use the full Fashion-MNIST (apt install dataset-fashion-mnist) and train for"
              + " 10 minutes.")
  boolean full;

  @Option(
      names = "--time-budget",
      paramLabel = "DURATION",
      description = "Training time (default 150s; 10m with --full).")
  String timeBudget;

  @Option(
      names = "--epochs",
      paramLabel = "X",
      description = "Train this many epochs instead of a time budget.")
  Double epochs;

  @Option(
      names = "--output-dir",
      paramLabel = "DIR",
      description = "Run directory (default: runs/demo-<time>).")
  Path outputDir;

  /** The headline numbers next to their floors, read back from what the stages wrote. */
  static void summarise(Path dir, PrintWriter out) {
    JsonNode knn = Json.read(dir.resolve("knn.json"));
    Map<String, Double> top1 = new HashMap<>();
    for (JsonNode r : knn.path("results")) {
      if (r.path("k").asInt() == 20) {
        top1.put(r.path("model").asText(), r.path("top1").asDouble());
      }
    }
    JsonNode score = Json.read(dir.resolve(ScoreReport.RUN_FILE));
    JsonNode trained = score.path("checkpoint");
    JsonNode random = score.path("random");
    double pre = top1.getOrDefault("pretrained", Double.NaN);
    double rnd = top1.getOrDefault("random", Double.NaN);
    double px = top1.getOrDefault("pixels", Double.NaN);
    List<Double> curve = new ArrayList<>();
    RunMetrics m = RunMetrics.read(dir);
    m.knnTop1ByStep().values().forEach(curve::add);
    out.printf(
        Locale.ROOT,
        "k-NN top-1 (k = 20):          pretrained %.1f %%, random init %.1f %%"
            + " (%+.1f), raw pixels %.1f %%%n",
        pre,
        rnd,
        pre - rnd,
        px);
    if (curve.size() > 1) {
      StringBuilder c = new StringBuilder();
      for (double v : curve) {
        c.append(c.length() == 0 ? "" : " -> ").append(String.format(Locale.ROOT, "%.1f", v));
      }
      out.println("online k-NN over the run:     " + c + " %");
    }
    out.printf(
        Locale.ROOT,
        "attention vs object (Jaccard, best head / head mean): pretrained %.3f /"
            + " %.3f, random init %.3f / %.3f%n",
        trained.path("best_head").asDouble(),
        trained.path("head_mean").asDouble(),
        random.path("best_head").asDouble(),
        random.path("head_mean").asDouble());
    boolean attentionFinds =
        trained.path("best_head").asDouble() > random.path("best_head").asDouble()
            || trained.path("head_mean").asDouble() > random.path("head_mean").asDouble();
    String note = note(pre, rnd, px, attentionFinds);
    if (note != null) {
      out.println(note);
    }
  }

  /**
   * What to tell a user about the headline (null when it beats both floors): which floor it beats,
   * and the run that goes further.
   */
  static String note(double pretrained, double random, double pixels, boolean attentionFinds) {
    if (pretrained >= random && pretrained >= pixels) {
      return null;
    }
    String why =
        pretrained < random
            ? "these minutes of DINO did not lift the k-NN features above a random backbone"
            : "k-NN is above a random backbone but below raw pixels, a strong floor on 28 px"
                + " garments";
    return "note: "
        + why
        + (attentionFinds ? ", while the attention already finds the garment" : "")
        + ". Longer runs on all 60,000 images go further (BENCHMARKS.md: 88.1 % after 50 minutes"
        + " of the fast recipe on 2 cores of an Intel Xeon with AMX, past the pixels' 84.4 %):"
        + " ./jdino train --data fmnist --time-budget 1h";
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Path dir =
        outputDir != null
            ? outputDir
            : Path.of(
                "runs",
                "demo-"
                    + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    String data = full ? "fmnist" : DataSources.SAMPLE;
    String budget = timeBudget != null ? timeBudget : full ? "10m" : TRAINING_BUDGET;
    long t0 = System.nanoTime();
    out.printf(
        Locale.ROOT,
        "jdino demo: DINO on %s for %s, into %s%n",
        full ? "the full Fashion-MNIST" : "the bundled Fashion-MNIST sample",
        epochs != null ? epochs + " epochs" : budget + " of training",
        dir);

    List<String[]> stages = new ArrayList<>();
    List<String> train =
        new ArrayList<>(
            List.of(
                "train",
                "--data",
                data,
                "--output-dir",
                dir.toString(),
                "--snapshots",
                "16",
                "--eval-data",
                data,
                "--eval-every",
                "1",
                "--eval-subset",
                "10000"));
    if (epochs != null) {
      train.addAll(List.of("--epochs", Double.toString(epochs)));
    } else {
      train.addAll(List.of("--time-budget", budget));
    }
    stages.add(train.toArray(String[]::new));
    stages.add(new String[] {"knn", "--checkpoint", dir.toString(), "--floors"});
    stages.add(new String[] {"attention", "--checkpoint", dir.toString(), "--limit", "8"});
    stages.add(
        new String[] {"attention", "--checkpoint", dir.toString(), "--score", "--limit", "1000"});
    stages.add(new String[] {"animate", "--run", dir.toString()});
    stages.add(new String[] {"report", "--run", dir.toString()});
    CommandLine jdino = Main.commandLine();
    jdino.setOut(out);
    jdino.setErr(err);
    for (String[] stage : stages) {
      out.println();
      out.println("== jdino " + String.join(" ", stage));
      out.flush();
      int code = jdino.execute(stage);
      if (code != 0) {
        err.println("jdino demo: stage '" + stage[0] + "' failed (exit " + code + ")");
        return code;
      }
    }
    out.println();
    out.printf(
        Locale.ROOT,
        "jdino demo: done in %s%n",
        ProgressDisplay.clock((System.nanoTime() - t0) / 1e9));
    summarise(dir, out);
    out.println("report: " + dir.resolve("report.html").toAbsolutePath());
    out.flush();
    return 0;
  }
}
