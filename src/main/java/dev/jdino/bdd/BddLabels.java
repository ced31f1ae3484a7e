package dev.jdino.bdd;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import dev.jdino.io.BadInputException;
import dev.jdino.io.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Reads BDD100K detection labels in either layout, one frame (image) at a time:
 *
 * <ul>
 *   <li><b>legacy</b>: a folder with one JSON per image ({@code <image stem>.json}) holding {@code
 *       frames[0].objects[]}, each with {@code category} and, for boxes, {@code box2d {x1, y1, x2,
 *       y2}}; the image is {@code <stem>.jpg} (as the seed's converter assumes);
 *   <li><b>current</b>: one JSON list per split, each element {@code {name, labels[]}} with {@code
 *       category} and {@code box2d}; read as a stream, since the training list is hundreds of
 *       megabytes.
 * </ul>
 *
 * Lanes and drivable areas carry {@code poly2d} instead of {@code box2d}: they come through as
 * labels without a box, for the converter to count.
 */
public final class BddLabels {

  /** One label; {@code box} is {x1, y1, x2, y2}, or null when the label has no usable box2d. */
  public record Label(String category, double[] box, boolean hasBox2d) {}

  /** The labels of one image; {@code error} is non-null when its label file was unreadable. */
  public record Frame(String imageName, List<Label> labels, String error) {}

  private BddLabels() {}

  /** "legacy" for a folder of per-image files, "current" for a list file. */
  public static String layout(Path labels) {
    return Files.isDirectory(labels) ? "legacy" : "current";
  }

  /**
   * Streams every frame of {@code labels} (a folder: legacy; a file: current) to {@code sink}.
   *
   * @throws BadInputException if the path is missing or the list file is not a JSON list
   */
  public static void read(Path labels, Consumer<Frame> sink) {
    if (Files.isDirectory(labels)) {
      readLegacy(labels, sink);
    } else if (Files.isRegularFile(labels)) {
      readList(labels, sink);
    } else {
      throw new BadInputException("labels " + labels + " do not exist");
    }
  }

  /** The per-image label files of a legacy folder, sorted; our own outputs ({@code _x}) skipped. */
  public static List<Path> legacyFiles(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(
              p -> {
                String n = p.getFileName().toString();
                return n.endsWith(".json")
                    && !n.startsWith("_")
                    && !n.startsWith(".")
                    && Files.isRegularFile(p);
              })
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new BadInputException("cannot list label folder " + dir + ": " + e.getMessage(), e);
    }
  }

  private static void readLegacy(Path dir, Consumer<Frame> sink) {
    for (Path f : legacyFiles(dir)) {
      String stem = f.getFileName().toString();
      stem = stem.substring(0, stem.length() - ".json".length());
      JsonNode root;
      try {
        root = Json.MAPPER.readTree(f.toFile());
      } catch (IOException e) {
        sink.accept(new Frame(stem + ".jpg", List.of(), f.getFileName() + ": " + e.getMessage()));
        continue;
      }
      JsonNode objects = root.path("frames").path(0).path("objects");
      sink.accept(new Frame(stem + ".jpg", labels(objects), null));
    }
  }

  private static void readList(Path file, Consumer<Frame> sink) {
    try (InputStream in = Files.newInputStream(file);
        JsonParser p = Json.MAPPER.getFactory().createParser(in)) {
      if (p.nextToken() != JsonToken.START_ARRAY) {
        throw new BadInputException(file + ": expected a JSON list of frames ({name, labels})");
      }
      int index = 0;
      while (p.nextToken() == JsonToken.START_OBJECT) {
        JsonNode frame = p.readValueAsTree();
        String name = frame.path("name").asText("");
        if (name.isEmpty()) {
          sink.accept(new Frame("", List.of(), "element " + index + " has no name"));
        } else {
          sink.accept(new Frame(name, labels(frame.path("labels")), null));
        }
        index++;
      }
    } catch (IOException e) {
      throw new BadInputException(
          file
              + ": not a readable BDD100K label list ("
              + e.getMessage().lines().findFirst().orElse("")
              + ")",
          e);
    }
  }

  private static List<Label> labels(JsonNode array) {
    List<Label> out = new ArrayList<>();
    if (!array.isArray()) {
      return out;
    }
    for (JsonNode l : array) {
      String category = l.path("category").asText("");
      JsonNode b = l.get("box2d");
      if (b == null || b.isNull() || !b.isObject()) {
        out.add(new Label(category, null, false));
        continue;
      }
      double[] box = new double[4];
      boolean ok = true;
      String[] keys = {"x1", "y1", "x2", "y2"};
      for (int k = 0; k < 4; k++) {
        JsonNode v = b.get(keys[k]);
        ok &= v != null && v.isNumber() && Double.isFinite(v.asDouble());
        box[k] = ok ? v.asDouble() : Double.NaN;
      }
      out.add(new Label(category, ok ? box : null, true));
    }
    return out;
  }
}
