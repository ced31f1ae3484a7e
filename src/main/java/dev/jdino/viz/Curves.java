package dev.jdino.viz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jdino.io.AtomicFiles;
import dev.jdino.io.BadInputException;
import dev.jdino.io.Json;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * Training curves from {@code metrics.jsonl} as PNG charts (JFreeChart, headless): loss (with the
 * collapse level ln K, K = the head's out_dim, dashed: a uniform teacher gives exactly that loss),
 * learning rate, weight decay, teacher momentum, teacher entropy (also with ln K, its uniform
 * collapse value), KL(teacher || student), and k-NN top-1 when the run logged it. The x axis is the
 * step, or the epoch (fractional: step / iterations per epoch).
 */
public final class Curves {
  /** Chart size in pixels. */
  public static final int WIDTH = 640;

  public static final int HEIGHT = 360;

  /** What the x axis counts. */
  public enum XAxis {
    STEPS,
    EPOCHS
  }

  /** One written chart. */
  public record Chart(String name, String title, Path file) {}

  private record Spec(String key, String name, String title, String yLabel, boolean collapseLine) {}

  private static final List<Spec> SPECS =
      List.of(
          new Spec("loss", "loss", "DINO loss", "cross-entropy (nats)", true),
          new Spec("lr", "lr", "Learning rate", "lr", false),
          new Spec("wd", "wd", "Weight decay", "weight decay", false),
          new Spec("momentum", "momentum", "Teacher EMA momentum", "momentum", false),
          new Spec("teacher_entropy", "teacher_entropy", "Teacher entropy", "nats", true),
          new Spec("kl_teacher_student", "kl", "KL(teacher || student)", "nats", false));

  /**
   * Lists the charts drawn, the x axis and the run; it also marks a folder as a curves output, so
   * that {@code jdino curves --output-dir} draws again over its own charts only.
   */
  public static final String SUMMARY = "curves.json";

  private Curves() {}

  /**
   * Writes the charts of {@code runDir} into {@code outDir} ({@code <name>.png}).
   *
   * @throws BadInputException if the run has no metrics or no step record
   */
  public static List<Chart> write(Path runDir, Path outDir, XAxis x) throws IOException {
    return write(runDir, RunMetrics.read(runDir), outDir, x);
  }

  /**
   * {@link #write(Path, Path, XAxis)} from metrics already read, so that a caller that also reports
   * on them parses the file once.
   */
  public static List<Chart> write(Path runDir, RunMetrics m, Path outDir, XAxis x)
      throws IOException {
    if (m.steps().isEmpty() && m.epochs().isEmpty()) {
      throw new BadInputException(runDir.resolve(RunMetrics.FILE) + ": no step or epoch records");
    }
    Path args = runDir.resolve("args.json");
    JsonNode a = Files.isRegularFile(args) ? Json.read(args) : Json.object();
    int iters = a.path("iterations_per_epoch").asInt(0);
    int outDim = a.path("config").path("head").path("outDim").asInt(0);
    double collapse = outDim > 1 ? Math.log(outDim) : Double.NaN;
    Files.createDirectories(outDir);
    List<Chart> charts = new ArrayList<>();
    for (Spec s : SPECS) {
      XYSeries steps = series("per step", m.steps(), s.key(), x, iters, false);
      XYSeries epochs = series("per epoch", m.epochs(), s.key(), x, iters, true);
      if (steps.isEmpty() && epochs.isEmpty()) {
        continue;
      }
      double line = s.collapseLine() ? collapse : Double.NaN;
      String lineLabel =
          String.format(Locale.ROOT, "collapse: ln K = ln %d = %.3f", outDim, collapse);
      charts.add(save(outDir, s.name(), s.title(), s.yLabel(), x, steps, epochs, line, lineLabel));
    }
    XYSeries knn = series("k-NN top-1", m.epochs(), "knn_top1", x, iters, true);
    if (!knn.isEmpty()) {
      charts.add(
          save(
              outDir,
              "knn",
              "k-NN top-1 (teacher, during training)",
              "top-1 (%)",
              x,
              new XYSeries("per step"),
              knn,
              Double.NaN,
              null));
    }
    ObjectNode j = Json.object();
    j.put("run", runDir.toAbsolutePath().normalize().toString());
    j.put("x_axis", x.name().toLowerCase(Locale.ROOT));
    ArrayNode files = j.putArray("charts");
    charts.forEach(c -> files.add(c.file().getFileName().toString()));
    AtomicFiles.writeString(outDir.resolve(SUMMARY), Json.pretty(j) + "\n");
    return charts;
  }

  private static XYSeries series(
      String key, List<JsonNode> records, String field, XAxis x, int iters, boolean epochRecords) {
    XYSeries s = new XYSeries(key, false, true);
    for (JsonNode r : records) {
      JsonNode v = r.get(field);
      if (v == null || !v.isNumber() || !Double.isFinite(v.asDouble())) {
        continue;
      }
      s.add(xValue(r, x, iters, epochRecords), v.asDouble());
    }
    return s;
  }

  /** Epoch records carry the 0-based epoch that just ended, so they sit at epoch + 1. */
  static double xValue(JsonNode r, XAxis x, int iters, boolean epochRecord) {
    long step = r.path("step").asLong();
    if (x == XAxis.STEPS) {
      return step;
    }
    if (iters > 0) {
      return step / (double) iters;
    }
    return r.path("epoch").asDouble() + (epochRecord ? 1 : 0);
  }

  private static Chart save(
      Path outDir,
      String name,
      String title,
      String yLabel,
      XAxis x,
      XYSeries steps,
      XYSeries epochs,
      double line,
      String lineLabel)
      throws IOException {
    XYSeriesCollection data = new XYSeriesCollection();
    boolean both = !steps.isEmpty() && !epochs.isEmpty();
    if (!steps.isEmpty()) {
      data.addSeries(steps);
    }
    if (!epochs.isEmpty()) {
      data.addSeries(epochs);
    }
    JFreeChart chart =
        ChartFactory.createXYLineChart(
            title,
            x == XAxis.STEPS ? "step" : "epoch",
            yLabel,
            data,
            PlotOrientation.VERTICAL,
            both || !Double.isNaN(line),
            false,
            false);
    chart.setBackgroundPaint(Color.WHITE);
    chart.getTitle().setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
    XYPlot plot = chart.getXYPlot();
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(new Color(0xdd, 0xdd, 0xdd));
    plot.setRangeGridlinePaint(new Color(0xdd, 0xdd, 0xdd));
    XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, false);
    int k = 0;
    if (!steps.isEmpty()) {
      r.setSeriesPaint(k, new Color(Colormap.entry(70)));
      r.setSeriesStroke(k++, new BasicStroke(1.2f));
    }
    if (!epochs.isEmpty()) {
      r.setSeriesPaint(k, new Color(0xe0, 0x6c, 0x00));
      r.setSeriesStroke(k, new BasicStroke(2f));
      r.setSeriesShapesVisible(k, true);
    }
    plot.setRenderer(r);
    // Zero is meaningless for most of these (loss near ln K, momentum near 1): zoom on the data.
    ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false);
    if (!Double.isNaN(line)) {
      ValueMarker marker =
          new ValueMarker(
              line,
              new Color(0xc0, 0x20, 0x20),
              new BasicStroke(
                  1.5f,
                  BasicStroke.CAP_BUTT,
                  BasicStroke.JOIN_MITER,
                  10f,
                  new float[] {6f, 4f},
                  0f));
      marker.setLabel(lineLabel);
      marker.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
      marker.setLabelPaint(new Color(0xc0, 0x20, 0x20));
      marker.setLabelBackgroundColor(new Color(255, 255, 255, 210));
      // Below the line at the right end: the curves there have usually moved away from ln K.
      marker.setLabelAnchor(RectangleAnchor.BOTTOM_RIGHT);
      marker.setLabelTextAnchor(TextAnchor.TOP_RIGHT);
      plot.addRangeMarker(marker);
      includeInRange(plot, line);
    }
    Path file = outDir.resolve(name + ".png");
    AtomicFiles.write(file, out -> ChartUtils.writeChartAsPNG(out, chart, WIDTH, HEIGHT));
    return new Chart(name, title, file);
  }

  /** Widens the y range so the dashed line is visible even far from the data. */
  private static void includeInRange(XYPlot plot, double y) {
    var axis = plot.getRangeAxis();
    double lo = Math.min(axis.getLowerBound(), y);
    double hi = Math.max(axis.getUpperBound(), y);
    double margin = (hi - lo) * 0.05;
    axis.setRange(lo - margin, hi + margin);
  }
}
