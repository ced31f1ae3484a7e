package dev.jdino.viz;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jdino.io.AtomicFiles;
import dev.jdino.io.BadInputException;
import dev.jdino.io.Json;
import dev.jdino.model.Backbone;
import dev.jdino.train.Checkpoint;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * {@code jdino report}: one self-contained HTML page per run: configuration, training curves, the
 * k-NN table with its floors, the attention segmentation score, attention grids, the patch PCA and
 * the training animation. Every picture is inlined as a base64 data URI and the page loads nothing
 * else, so it can be mailed or opened offline.
 *
 * <p>Parts that the run directory does not have yet are made on the way (unless told not to):
 * curves into {@code curves/}, attention grids of a few test images into {@code attention/}, the
 * PCA into {@code pca/}, the animation into {@code animation.gif} (only when the run has snapshots
 * or checkpoints).
 */
public final class Report {
  /** Default file name inside the run directory. */
  public static final String FILE = "report.html";

  /** How every report's title starts: what marks a file as one. */
  private static final String TITLE = "jdino report: ";

  /**
   * What to put in.
   *
   * @param output the HTML file (null: {@code <run>/report.html})
   * @param attentionDir a {@code jdino attention} output to show (null: {@code <run>/attention})
   * @param animation a GIF to show (null: {@code <run>/animation.gif})
   * @param makeMissing make the parts that do not exist yet
   * @param images how many test images for attention grids and PCA made here
   * @param x the curves' x axis
   */
  public record Options(
      Path output,
      Path attentionDir,
      Path animation,
      boolean makeMissing,
      int images,
      Curves.XAxis x) {
    public static Options defaults() {
      return new Options(null, null, null, true, 4, Curves.XAxis.STEPS);
    }
  }

  /** The written page and what it holds. */
  public record Result(Path html, long bytes, List<String> sections, List<String> notes) {}

  private Report() {}

  /** {@link #write(Path, Options, PrintWriter)} with the defaults, messages discarded. */
  public static Result write(Path runDir) throws IOException {
    return write(runDir, Options.defaults(), new PrintWriter(Writer.nullWriter()));
  }

  /** Writes the report of {@code runDir}. */
  public static Result write(Path runDir, Options o, PrintWriter log) throws IOException {
    if (!Files.isRegularFile(runDir.resolve("args.json"))) {
      throw new BadInputException(runDir + ": not a jdino run directory (no args.json)");
    }
    Path out = o.output() != null ? o.output() : runDir.resolve(FILE);
    requireReportOrNothing(out);
    JsonNode args = Json.read(runDir.resolve("args.json"));
    Html h = new Html();
    List<String> notes = new ArrayList<>();
    String run = runDir.toAbsolutePath().normalize().getFileName().toString();
    h.raw("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + TITLE)
        .text(run)
        .raw("</title><style>")
        .raw(ReportSections.CSS)
        .raw("</style></head><body>");
    h.raw("<h1>DINO run <code>")
        .text(run)
        .raw("</code></h1><p class=\"dim\">")
        .text(
            runDir.toAbsolutePath().normalize().toString()
                + " · report written "
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm")))
        .raw("</p>");
    // metrics.jsonl is parsed once for the summary, the curves and the note on skipped lines: a
    // long run's file has a record per step.
    RunMetrics metrics = null;
    BadInputException noMetrics = null;
    try {
      metrics = RunMetrics.read(runDir);
    } catch (BadInputException e) {
      noMetrics = e;
    }
    ReportSections.summary(h, args, metrics);
    ReportSections.configuration(h, args);

    h.section("Training curves");
    try {
      if (metrics == null) {
        throw noMetrics;
      }
      List<Curves.Chart> charts = Curves.write(runDir, metrics, runDir.resolve("curves"), o.x());
      h.raw("<div class=\"charts\">");
      for (Curves.Chart c : charts) {
        h.chart(c.file(), c.title());
      }
      h.raw("</div>");
      Optional<String> skipped = metrics.skippedNote();
      if (skipped.isPresent()) {
        h.note(skipped.get());
        notes.add(skipped.get());
        log.println("report: " + skipped.get());
      }
    } catch (BadInputException e) {
      h.note("No curves: " + e.getMessage());
      notes.add(e.getMessage());
    }

    ReportSections.knn(h, runDir);
    ReportSections.linear(h, runDir);
    ReportSections.score(h, runDir);

    Path attention = o.attentionDir() != null ? o.attentionDir() : runDir.resolve("attention");
    Path pca = runDir.resolve("pca");
    boolean haveBackbone = Files.isRegularFile(runDir.resolve(Checkpoint.FILE));
    if (o.makeMissing()
        && haveBackbone
        && (grids(attention).isEmpty() || !Files.isRegularFile(pca.resolve("grid.png")))) {
      try (Backbone b = Backbone.load(runDir)) {
        ImageSet images = ImageSet.ofRun(runDir, o.images());
        if (grids(attention).isEmpty()) {
          log.println(
              "report: drawing attention of " + images.size() + " images into " + attention);
          AttentionRenderer.render(
              b, images, attention, AttentionRenderer.Options.defaults(b), log);
        }
        if (!Files.isRegularFile(pca.resolve("grid.png"))) {
          log.println("report: patch PCA into " + pca);
          PatchPca.run(
              b,
              ImageSet.ofRun(runDir, Math.max(o.images(), 8)),
              pca,
              PatchPca.Options.defaults(b),
              log);
        }
      } catch (BadInputException e) {
        notes.add(e.getMessage());
        log.println("report: " + e.getMessage());
      }
    }
    h.section("Attention maps");
    h.raw(
        "<p>Last-block [CLS] attention over the patches, one heatmap per head and their mean"
            + " (viridis, min-max per map); the second row keeps the smallest set of patches"
            + " holding the threshold share of each head's attention mass.</p>");
    List<Path> gridFiles = grids(attention);
    if (gridFiles.isEmpty()) {
      h.note("No attention grids (run jdino attention, or give the run a checkpoint).");
    }
    for (Path g : gridFiles) {
      h.image(g, attention.relativize(g.getParent()).toString());
    }

    h.section("Patch features (PCA)");
    if (Files.isRegularFile(pca.resolve("grid.png"))) {
      h.raw(
          "<p>First three principal components of the last block's patch tokens, computed over"
              + " all patches of the set, as RGB; background (first component below its threshold)"
              + " black.</p>");
      h.image(pca.resolve("grid.png"), "patch PCA");
    } else {
      h.note("No PCA (run jdino pca --output-dir " + pca + ").");
    }

    h.section("Attention during training");
    Path gif = o.animation() != null ? o.animation() : runDir.resolve("animation.gif");
    if (!Files.isRegularFile(gif) && o.makeMissing() && o.animation() == null) {
      try {
        log.println("report: animating into " + gif);
        Animator.animate(runDir, gif, Animator.Options.defaults(), log);
      } catch (BadInputException e) {
        notes.add(e.getMessage());
        log.println("report: " + e.getMessage());
      }
    }
    if (Files.isRegularFile(gif)) {
      h.raw(
          "<p>One frame per saved teacher; the white outline keeps 60% of the attention"
              + " mass.</p>");
      h.image(gif, "training animation");
    } else {
      h.note("No animation (train with --snapshot-every, then run jdino animate).");
    }
    h.raw(
        "<footer>Made by jdino. Self-contained: every picture is embedded in this file.</footer>"
            + "</body></html>\n");
    AtomicFiles.writeString(out, h.toString());
    return new Result(out, Files.size(out), h.sections(), notes);
  }

  /**
   * The report is a view of the run, rewritten whenever asked for; but a file at {@code out} that
   * is not a jdino report is the user's, and is never replaced.
   */
  private static void requireReportOrNothing(Path out) throws IOException {
    if (!Files.exists(out)) {
      return;
    }
    byte[] head = new byte[256];
    int n = 0;
    if (Files.isRegularFile(out)) {
      try (InputStream in = Files.newInputStream(out)) {
        n = in.readNBytes(head, 0, head.length);
      }
    }
    if (!new String(head, 0, n, StandardCharsets.UTF_8).contains(TITLE)) {
      throw new BadInputException(out + " exists and is not a jdino report; give a new --out");
    }
  }

  /** The {@code grid.png} files of an attention output, in name order. */
  static List<Path> grids(Path attentionDir) throws IOException {
    if (!Files.isDirectory(attentionDir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(attentionDir)) {
      return s.map(d -> d.resolve("grid.png")).filter(Files::isRegularFile).sorted().toList();
    }
  }

  /** A tiny HTML builder that escapes text and inlines pictures. */
  static final class Html {
    private final StringBuilder b = new StringBuilder();
    private final List<String> sections = new ArrayList<>();

    Html raw(String s) {
      b.append(s);
      return this;
    }

    Html text(String s) {
      b.append(escape(s));
      return this;
    }

    Html section(String title) {
      sections.add(title);
      return raw("<h2>").text(title).raw("</h2>");
    }

    Html note(String s) {
      return raw("<p class=\"note\">").text(s).raw("</p>");
    }

    /** A picture of pixels (attention, PCA, animation): enlarged without smoothing. */
    Html image(Path file, String caption) throws IOException {
      return image(file, caption, "px", true);
    }

    /** A chart: its title is in the picture, so no caption. */
    Html chart(Path file, String title) throws IOException {
      return image(file, title, "chart", false);
    }

    private Html image(Path file, String caption, String cssClass, boolean captioned)
        throws IOException {
      String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
      String mime = name.endsWith(".gif") ? "image/gif" : "image/png";
      String data = Base64.getEncoder().encodeToString(Files.readAllBytes(file));
      raw("<figure><img class=\"" + cssClass + "\" alt=\"")
          .text(caption)
          .raw("\" src=\"data:" + mime + ";base64,")
          .raw(data)
          .raw("\">");
      if (captioned) {
        raw("<figcaption>").text(caption).raw("</figcaption>");
      }
      return raw("</figure>");
    }

    List<String> sections() {
      return sections;
    }

    static String escape(String s) {
      return s.replace("&", "&amp;")
          .replace("<", "&lt;")
          .replace(">", "&gt;")
          .replace("\"", "&quot;");
    }

    @Override
    public String toString() {
      return b.toString();
    }
  }
}
