package dev.jdino.viz;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jdino.io.BadInputException;
import dev.jdino.io.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** The text sections of {@link Report}: summary, configuration, k-NN table, segmentation score. */
final class ReportSections {
  static final String CSS =
      String.join(
          "\n",
          "body{font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;max-width:1200px;",
          "margin:24px auto;padding:0 16px;color:#202020;line-height:1.45}",
          "h1{font-size:26px;margin-bottom:4px}h2{font-size:20px;margin-top:36px;",
          "border-bottom:1px solid #ddd;padding-bottom:4px}",
          ".dim{color:#707070}.note{color:#8a5a00;background:#fff7e6;padding:6px 10px}",
          "table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:4px"
              + " 10px;",
          "text-align:right}th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}",
          "tr.headline td{font-weight:bold;background:#f0f7ff}",
          "figure{display:inline-block;margin:6px 10px 6px 0;vertical-align:top}",
          "figure img{max-width:100%;border:1px solid #eee}img.px{image-rendering:pixelated}",
          "figcaption{font-size:12px;color:#707070}.charts figure{width:48%}",
          "pre{background:#f7f7f7;padding:10px;overflow:auto;font-size:12px}",
          "footer{margin-top:40px;color:#909090;font-size:12px}");

  private ReportSections() {}

  /** The run at a glance; {@code m} is its metrics, null where it has none that can be read. */
  static void summary(Report.Html h, JsonNode args, RunMetrics m) {
    JsonNode c = args.path("config");
    JsonNode v = c.path("vit");
    List<String[]> rows = new ArrayList<>();
    rows.add(
        new String[] {
          "backbone",
          String.format(
              Locale.ROOT,
              "ViT, dim %d, depth %d, %d heads, patch %d, %d px",
              v.path("embedDim").asInt(),
              v.path("depth").asInt(),
              v.path("numHeads").asInt(),
              v.path("patchSize").asInt(),
              v.path("imgSize").asInt())
        });
    rows.add(new String[] {"head", "K = " + c.path("head").path("outDim").asInt()});
    rows.add(
        new String[] {
          "data", args.path("data").asText() + " (" + args.path("images").asInt() + " images)"
        });
    rows.add(
        new String[] {
          "schedule",
          c.path("train").path("epochs").asInt()
              + " epochs of "
              + args.path("iterations_per_epoch").asInt()
              + " steps, batch "
              + c.path("train").path("batchSize").asInt()
        });
    if (m != null) {
      if (!m.epochs().isEmpty()) {
        JsonNode last = m.epochs().get(m.epochs().size() - 1);
        rows.add(
            new String[] {
              "progress",
              String.format(
                  Locale.ROOT,
                  "%d epochs done, step %d, last epoch's mean loss %.4f",
                  last.path("epoch").asInt() + 1,
                  last.path("step").asLong(),
                  last.path("loss").asDouble())
            });
      }
    }
    h.raw("<table>");
    for (String[] r : rows) {
      h.raw("<tr><th>")
          .text(r[0])
          .raw("</th><td style=\"text-align:left\">")
          .text(r[1])
          .raw("</td></tr>");
    }
    h.raw("</table>");
  }

  static void configuration(Report.Html h, JsonNode args) {
    h.section("Configuration");
    h.raw("<details><summary>args.json (the full configuration)</summary><pre>")
        .text(Json.pretty(args))
        .raw("</pre></details>");
  }

  static void knn(Report.Html h, Path runDir) {
    h.section("k-NN evaluation");
    Path file = runDir.resolve("knn.json");
    if (!Files.isRegularFile(file)) {
      h.note("No knn.json (run jdino knn on this run).");
      return;
    }
    JsonNode j = readOrNote(h, file);
    if (j == null) {
      return;
    }
    // k -> model -> result; models in the order floors are usually read.
    Map<Integer, Map<String, JsonNode>> byK = new TreeMap<>();
    List<String> models = new ArrayList<>();
    for (JsonNode r : j.path("results")) {
      String model = r.path("model").asText();
      if (!models.contains(model)) {
        models.add(model);
      }
      byK.computeIfAbsent(r.path("k").asInt(), k -> new TreeMap<>()).put(model, r);
    }
    models.sort((a, b) -> Integer.compare(rank(a), rank(b)));
    // knn.json names its feature since 2026-12-04; older files are CLS, the only kind then
    boolean avgpool = j.path("feature").asText("cls").equals("cls+avgpool");
    h.raw(
            avgpool
                ? "<p>Weighted k-NN on the teacher's [CLS] + mean patch token features (T = "
                : "<p>Weighted k-NN on the teacher's [CLS] features (T = ")
        .text(j.path("temperature").asText("0.07"))
        .raw("), ")
        .text(
            j.path("train_images").asText("?")
                + " train / "
                + j.path("test_images").asText("?")
                + " test images of "
                + j.path("test_data").asText("the test data"))
        .raw(
            ". The floors: <b>random</b> is the same architecture untrained, <b>pixels</b> the"
                + " raw normalised pixels; pretraining is worth the gap above them.</p>");
    h.raw("<table><tr><th>k</th>");
    for (String m : models) {
      h.raw("<th>").text(m + " top-1").raw("</th><th>").text(m + " top-5").raw("</th>");
    }
    h.raw("</tr>");
    for (Map.Entry<Integer, Map<String, JsonNode>> e : byK.entrySet()) {
      h.raw(e.getKey() == 20 ? "<tr class=\"headline\">" : "<tr>")
          .raw("<td>")
          .text(Integer.toString(e.getKey()))
          .raw("</td>");
      for (String m : models) {
        JsonNode r = e.getValue().get(m);
        h.raw("<td>")
            .text(r == null ? "" : pct(r.path("top1")))
            .raw("</td><td>")
            .text(r == null ? "" : pct(r.path("top5")))
            .raw("</td>");
      }
      h.raw("</tr>");
    }
    h.raw("</table>");
    knnNotes(h, j);
  }

  /** What the console said under the k-NN table, from the file: what the scores rest on. */
  private static void knnNotes(Report.Html h, JsonNode j) {
    if (j.path("test_is_training_data").asBoolean()) {
      h.note(
          "The test data is the training data: every test image is its own nearest neighbour, so"
              + " these scores say how well the set is remembered, not how the features"
              + " generalise.");
    }
    for (JsonNode r : j.path("results")) {
      if (r.has("k_used")) {
        h.note(
            "k is capped at the "
                + j.path("train_images").asText()
                + " training images: larger k vote with all of them.");
        break;
      }
    }
    if (j.path("classes_without_training_images").size() > 0) {
      List<String> classes = new ArrayList<>();
      j.path("classes_without_training_images").forEach(c -> classes.add(c.asText()));
      h.note(
          "Test classes without a training image (their test images can only be misclassified): "
              + String.join("; ", classes)
              + ".");
    }
    if (j.path("skipped_images").asInt() > 0) {
      h.note(
          j.path("skipped_images").asInt()
              + " images could not be decoded and were left out (listed in knn.json).");
    }
  }

  /** The {@code jdino linear} result in the run's own {@code linear} folder, when it has one. */
  static void linear(Report.Html h, Path runDir) {
    Path file = runDir.resolve("linear").resolve("linear.json");
    if (!Files.isRegularFile(file)) {
      return;
    }
    h.section("Linear probe");
    JsonNode j = readOrNote(h, file);
    if (j == null) {
      return;
    }
    JsonNode p = j.path("probe");
    int blocks = p.path("n_last_blocks").asInt();
    h.raw("<p>A linear layer on the frozen teacher's features (")
        .text(
            "CLS of the last "
                + blocks
                + " block"
                + (blocks == 1 ? "" : "s")
                + (p.path("avgpool_patchtokens").asBoolean() ? " + mean patch token" : "")
                + ", "
                + j.path("feature_dim").asText("?")
                + " features), "
                + p.path("epochs").asText("?")
                + " epochs, "
                + (p.path("augment").asBoolean()
                    ? "the official protocol (augmented every epoch)"
                    : "fast mode (cached features)")
                + "; "
                + j.path("train_images").asText("?")
                + " train / "
                + j.path("test_images").asText("?")
                + " test images of "
                + j.path("test_data").asText("the test data"))
        .raw(".</p><table><tr><th>best epoch</th><th>top-1</th><th>top-5</th></tr>")
        .raw("<tr class=\"headline\"><td>")
        .text(Integer.toString(j.path("best_epoch").asInt() + 1))
        .raw("</td><td>")
        .text(pct(j.path("best_top1")))
        .raw("</td><td>")
        .text(pct(j.path("best_top5")))
        .raw("</td></tr></table>");
    if (j.path("diverged").asBoolean()) {
      h.note(
          "The probe diverged (its last epoch's training loss is far above a uniform guess's):"
              + " run jdino linear again with a lower --lr.");
    }
    if (j.path("test_is_training_data").asBoolean()) {
      h.note("The test data is the training data: the probe was scored on images it trained on.");
    }
    if (j.path("skipped_images").asInt() > 0) {
      h.note(j.path("skipped_images").asInt() + " images could not be decoded and were left out.");
    }
  }

  /** The JSON in {@code file}, or null when it cannot be read, which the page then says. */
  private static JsonNode readOrNote(Report.Html h, Path file) {
    try {
      return Json.read(file);
    } catch (BadInputException e) {
      h.note(e.getMessage());
      return null;
    }
  }

  private static String cell(JsonNode r, String key, boolean range) {
    String v = String.format(Locale.ROOT, "%.3f", r.path(key).asDouble());
    return range
        ? v
            + String.format(
                Locale.ROOT,
                " [%.2f-%.2f]",
                r.path(key + "_min").asDouble(),
                r.path(key + "_max").asDouble())
        : v;
  }

  private static int rank(String model) {
    return switch (model) {
      case "pretrained" -> 0;
      case "random" -> 1;
      case "pixels" -> 2;
      default -> 3;
    };
  }

  private static String pct(JsonNode v) {
    return v.isNumber() ? String.format(Locale.ROOT, "%.2f", v.asDouble()) : "";
  }

  /** The {@code jdino attention --score} result, when the run has one. */
  static void score(Report.Html h, Path runDir) {
    Path file = runDir.resolve(ScoreReport.RUN_FILE);
    if (!Files.isRegularFile(file)) {
      return;
    }
    h.section("Emergent segmentation");
    JsonNode j = readOrNote(h, file);
    if (j == null) {
      return;
    }
    h.raw("<p>Mean Jaccard between each image's attention mask (keeping ")
        .text(String.format(Locale.ROOT, "%.0f%%", 100 * j.path("threshold").asDouble()))
        .raw(" of the mass) and its foreground (pixels brighter than ")
        .text(j.path("foreground_threshold").asText())
        .raw("), over ")
        .text(j.path("images").asText() + " images of " + j.path("data").asText())
        .raw(".</p><table><tr><th>model</th><th>best head</th><th>head mean</th></tr>");
    for (String key : List.of("checkpoint", "random")) {
      JsonNode r = j.path(key);
      if (!r.isObject()) {
        continue;
      }
      boolean floor = key.equals("random");
      int seeds = r.path("seeds").asInt(1);
      h.raw("<tr><td>")
          .text(
              floor
                  ? "random init (floor), mean of " + seeds + " seed" + (seeds == 1 ? "" : "s")
                  : "this run")
          .raw("</td><td>")
          .text(cell(r, "best_head", floor && seeds > 1))
          .raw("</td><td>")
          .text(cell(r, "head_mean", floor && seeds > 1))
          .raw("</td></tr>");
    }
    h.raw(
        "</table><p class=\"dim\">Best head: for each image the head whose mask matches best, as"
            + " the paper scores PASCAL VOC. On Fashion-MNIST every background patch is identical,"
            + " so a random head's mask holds either mostly the object or mostly the background;"
            + " hence the floor is averaged over seeds (range in brackets).</p>");
  }
}
