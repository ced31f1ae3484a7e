package dev.jdino.viz;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jdino.io.BadInputException;
import dev.jdino.io.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * A run's {@code metrics.jsonl}, read for plotting: the step and epoch records in step order, one
 * per step (a resumed run may log a step twice; the later record wins, as the log's contract says).
 * Lines that are not JSON (a run killed mid-write leaves a partial last line; a file edited by hand
 * may have worse) are left out, and {@link #skippedNote} names them so a reader can say so.
 */
public final class RunMetrics {
  /** File name inside a run directory. */
  public static final String FILE = "metrics.jsonl";

  private final List<JsonNode> steps;
  private final List<JsonNode> epochs;
  private final List<JsonNode> evals;
  private final Path file;
  private final List<Integer> skippedLines;
  private final int lineCount;
  private final boolean allCutByStops;

  private RunMetrics(
      Path file,
      List<JsonNode> steps,
      List<JsonNode> epochs,
      List<JsonNode> evals,
      List<Integer> skippedLines,
      int lineCount,
      boolean allCutByStops) {
    this.file = file;
    this.steps = steps;
    this.epochs = epochs;
    this.evals = evals;
    this.skippedLines = skippedLines;
    this.lineCount = lineCount;
    this.allCutByStops = allCutByStops;
  }

  /**
   * Reads {@code path}: a run directory or a metrics file.
   *
   * @throws BadInputException if it does not exist or cannot be read
   */
  public static RunMetrics read(Path path) {
    Path file = Files.isDirectory(path) ? path.resolve(FILE) : path;
    List<String> lines;
    try {
      lines = Files.readAllLines(file);
    } catch (NoSuchFileException e) {
      throw new BadInputException(file + ": not found (is it a jdino run directory?)");
    } catch (IOException e) {
      throw new BadInputException(file + ": cannot read (" + e.getMessage() + ")");
    }
    Map<Long, JsonNode> steps = new TreeMap<>();
    Map<Long, JsonNode> epochs = new TreeMap<>();
    Map<Long, JsonNode> evals = new TreeMap<>();
    List<Integer> bad = new ArrayList<>();
    boolean allCutByStops = true;
    int pendingBad = -1; // a broken line not yet known to be a stop's: the next record decides
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.isBlank()) {
        continue;
      }
      JsonNode n;
      try {
        n = Json.parse(line);
      } catch (IOException e) {
        bad.add(i + 1);
        if (pendingBad >= 0) {
          allCutByStops = false;
        }
        pendingBad = i;
        continue;
      }
      if (pendingBad >= 0 && !n.path("type").asText().equals("resume")) {
        allCutByStops = false;
      }
      pendingBad = -1;
      if (!n.isObject() || !n.path("step").isNumber()) {
        continue;
      }
      switch (n.path("type").asText()) {
        case "step" -> steps.put(n.get("step").asLong(), n);
        case "epoch" -> epochs.put(n.get("step").asLong(), n);
        case "eval" -> evals.put(n.get("step").asLong(), n);
        default -> {}
      }
    }
    return new RunMetrics(
        file,
        new ArrayList<>(steps.values()),
        new ArrayList<>(epochs.values()),
        new ArrayList<>(evals.values()),
        List.copyOf(bad),
        lines.size(),
        allCutByStops);
  }

  /** Step records, by step. */
  public List<JsonNode> steps() {
    return steps;
  }

  /** Epoch records, by step. */
  public List<JsonNode> epochs() {
    return epochs;
  }

  /** Lines that were not JSON. */
  public int skippedLines() {
    return skippedLines.size();
  }

  /**
   * One line saying which lines were left out, if any. A line cut short where the run stopped (the
   * file's last line, or one followed by the resumed run's {@code resume} record) is what a killed
   * run leaves and is said as such; any other means the file was damaged or edited.
   */
  public Optional<String> skippedNote() {
    if (skippedLines.isEmpty()) {
      return Optional.empty();
    }
    String shown =
        skippedLines.stream().limit(5).map(String::valueOf).collect(Collectors.joining(", "));
    String lines =
        String.format(
            Locale.ROOT,
            "line%s %s%s",
            skippedLines.size() == 1 ? "" : "s",
            shown,
            skippedLines.size() > 5 ? ", ..." : "");
    if (allCutByStops) {
      return Optional.of(
          String.format(
              Locale.ROOT,
              "%s: %s cut short where the run was stopped mid-write (%s); left out",
              file,
              skippedLines.size() == 1 ? "a record was" : skippedLines.size() + " records were",
              lines));
    }
    return Optional.of(
        String.format(
            Locale.ROOT,
            "%s: %d of its %d lines %s not JSON (%s); left out",
            file,
            skippedLines.size(),
            lineCount,
            skippedLines.size() == 1 ? "is" : "are",
            lines));
  }

  /**
   * {@code knn_top1} by step, from the epoch records and the record of the untrained teacher (step
   * 0), if any (empty if none has it).
   */
  public Map<Long, Double> knnTop1ByStep() {
    Map<Long, Double> m = new TreeMap<>();
    List<JsonNode> all = new ArrayList<>(evals);
    all.addAll(epochs);
    for (JsonNode e : all) {
      if (e.path("knn_top1").isNumber()) {
        m.put(e.get("step").asLong(), e.get("knn_top1").asDouble());
      }
    }
    return m;
  }

  /** The k-NN top-1 logged at exactly {@code step}, if any. */
  public OptionalDouble knnTop1At(long step) {
    Double v = knnTop1ByStep().get(step);
    return v == null ? OptionalDouble.empty() : OptionalDouble.of(v);
  }
}
