package dev.jdino.bdd;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jdino.data.CocoDataset;
import dev.jdino.data.ImageDecoder;
import dev.jdino.io.AtomicFiles;
import dev.jdino.io.BadInputException;
import dev.jdino.io.Json;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Converts one split of BDD100K detection labels ({@link BddLabels}, either layout) to a COCO
 * detection file.
 *
 * <p>Rules, each counted in the {@link Summary}:
 *
 * <ul>
 *   <li>Categories: the 10 of {@link BddCategories}, ids 1..10; legacy names mapped. Labels of
 *       other categories ("other vehicle", "trailer", ...) are skipped.
 *   <li>Labels without {@code box2d} (lanes, drivable areas) are skipped.
 *   <li>Width and height come from each image file's header (never assumed). An image that is
 *       missing or unreadable is skipped with its labels: a COCO entry with a guessed size would
 *       make every later check on it (clipping, IoU) silently wrong.
 *   <li>Boxes: {@code [x1, y1, x2 - x1, y2 - y1]}, corners ordered, clipped to the image; a box
 *       with no area left is skipped. (The 2018 {@code bdd2coco.py} and the seed use {@code x2 -
 *       x1}; Scalabel's newer converter adds 1 pixel. Continuous coordinates are used here.)
 *   <li>Ids: images 1..N in label order (file names sorted for the legacy layout), annotations
 *       1..M; {@code iscrowd} 0, {@code area = w * h}.
 * </ul>
 */
public final class BddToCoco {

  /**
   * Per-split counts, printed and saved next to the output.
   *
   * @param frames frames (images) found in the labels
   * @param images images written to the COCO file
   * @param boxesPerCategory boxes written, by category name in id order
   * @param skippedImages images left out, by reason
   * @param skippedLabels labels left out, by reason
   * @param otherCategories labels with a box but outside the 10 classes, by category name
   */
  public record Summary(
      String split,
      String layout,
      Path labels,
      Path imagesDir,
      Path output,
      int frames,
      int images,
      int boxes,
      Map<String, Integer> boxesPerCategory,
      Map<String, Integer> skippedImages,
      Map<String, Integer> skippedLabels,
      Map<String, Integer> otherCategories) {

    /** The summary as JSON (what {@link #summaryFile} holds). */
    public ObjectNode toJson() {
      ObjectNode j = Json.MAPPER.valueToTree(this);
      // Plain paths, not the file: URIs Jackson would write.
      j.put("labels", labels.toString());
      j.put("imagesDir", imagesDir.toString());
      j.put("output", output.toString());
      return j;
    }

    /** A few lines for the terminal. */
    public String describe() {
      StringBuilder sb = new StringBuilder();
      sb.append(
          String.format(
              Locale.ROOT,
              "%s (%s labels): %,d image%s, %,d box%s -> %s%n",
              split,
              layout,
              images,
              images == 1 ? "" : "s",
              boxes,
              boxes == 1 ? "" : "es",
              output));
      sb.append("  boxes per category: ").append(join(boxesPerCategory)).append('\n');
      if (!skippedImages.isEmpty()) {
        sb.append("  skipped images: ").append(join(skippedImages)).append('\n');
      }
      if (!skippedLabels.isEmpty()) {
        sb.append("  skipped labels: ").append(join(skippedLabels)).append('\n');
      }
      if (!otherCategories.isEmpty()) {
        sb.append("  other categories: ").append(join(otherCategories)).append('\n');
      }
      return sb.toString();
    }

    private static String join(Map<String, Integer> m) {
      StringBuilder sb = new StringBuilder();
      m.forEach(
          (k, v) ->
              sb.append(sb.length() == 0 ? "" : ", ")
                  .append(k)
                  .append(' ')
                  .append(String.format(Locale.ROOT, "%,d", v)));
      return sb.toString();
    }
  }

  /** Reasons, as they appear in the summary. */
  static final String NO_BOX = "no box2d (lane, drivable area, ...)";

  static final String OTHER_CATEGORY = "category outside the 10 classes";
  static final String INVALID_BOX = "box2d with missing or non-finite coordinates";
  static final String ZERO_AREA = "zero area after clipping";
  static final String IMAGE_MISSING = "image file missing";
  static final String IMAGE_UNREADABLE = "image file unreadable";
  static final String LABELS_UNREADABLE = "label file unreadable";
  static final String IMAGE_SKIPPED = "labels of skipped images";

  private record Ann(int image, int category, double x, double y, double w, double h) {}

  private record Img(int id, String fileName, int width, int height) {}

  private BddToCoco() {}

  /** {@code _annotations.coco.json} -> {@code _annotations.coco.summary.json}. */
  public static Path summaryFile(Path output) {
    String n = output.getFileName().toString();
    String stem = n.endsWith(".json") ? n.substring(0, n.length() - 5) : n;
    return output.resolveSibling(stem + ".summary.json");
  }

  /**
   * Converts {@code labels} (a legacy folder or a list file) whose images are in {@code imagesDir}
   * into {@code output}, and writes the summary beside it. Both files are replaced atomically.
   */
  public static Summary convert(String split, Path labels, Path imagesDir, Path output)
      throws IOException {
    List<Img> images = new ArrayList<>();
    List<Ann> anns = new ArrayList<>();
    int[] perCategory = new int[BddCategories.NAMES.size()];
    Map<String, Integer> skippedImages = new TreeMap<>();
    Map<String, Integer> skippedLabels = new TreeMap<>();
    Map<String, Integer> other = new TreeMap<>();
    int[] frames = {0};
    BddLabels.read(
        labels,
        frame -> {
          frames[0]++;
          if (frame.error() != null) {
            skippedImages.merge(LABELS_UNREADABLE, 1, Integer::sum);
            return;
          }
          Path file = CocoDataset.safeResolve(imagesDir, frame.imageName(), labels);
          ImageDecoder.Info info;
          try {
            info = ImageDecoder.probe(file);
          } catch (IOException e) {
            boolean missing = e.getCause() instanceof NoSuchFileException;
            skippedImages.merge(missing ? IMAGE_MISSING : IMAGE_UNREADABLE, 1, Integer::sum);
            if (!frame.labels().isEmpty()) {
              skippedLabels.merge(IMAGE_SKIPPED, frame.labels().size(), Integer::sum);
            }
            return;
          }
          int id = images.size() + 1;
          images.add(new Img(id, frame.imageName(), info.width(), info.height()));
          for (BddLabels.Label l : frame.labels()) {
            if (!l.hasBox2d()) {
              skippedLabels.merge(NO_BOX, 1, Integer::sum);
              continue;
            }
            int category = BddCategories.id(l.category());
            if (category == 0) {
              skippedLabels.merge(OTHER_CATEGORY, 1, Integer::sum);
              other.merge(l.category().strip(), 1, Integer::sum);
              continue;
            }
            if (l.box() == null) {
              skippedLabels.merge(INVALID_BOX, 1, Integer::sum);
              continue;
            }
            double[] b = clip(l.box(), info.width(), info.height());
            if (!(b[2] > 0 && b[3] > 0)) {
              skippedLabels.merge(ZERO_AREA, 1, Integer::sum);
              continue;
            }
            anns.add(new Ann(id, category, b[0], b[1], b[2], b[3]));
            perCategory[category - 1]++;
          }
        });
    if (images.isEmpty()) {
      // An empty COCO file converts nothing, and discover or train would only then refuse it.
      throw new BadInputException(
          labels
              + (frames[0] == 0
                  ? ": lists no frames"
                  : (frames[0] == 1
                          ? ": its one frame has no readable image in "
                          : ": none of its " + frames[0] + " frames has a readable image in ")
                      + imagesDir
                      + " "
                      + skippedImages)
              + "; nothing written");
    }
    AtomicFiles.write(
        output,
        out -> {
          try (JsonGenerator g = Json.MAPPER.getFactory().createGenerator(out)) {
            write(g, split, images, anns);
          }
        });
    Map<String, Integer> boxes = new LinkedHashMap<>();
    for (int c = 0; c < perCategory.length; c++) {
      boxes.put(BddCategories.NAMES.get(c), perCategory[c]);
    }
    Summary s =
        new Summary(
            split,
            BddLabels.layout(labels),
            labels,
            imagesDir,
            output,
            frames[0],
            images.size(),
            anns.size(),
            boxes,
            skippedImages,
            skippedLabels,
            other);
    AtomicFiles.writeString(summaryFile(output), Json.pretty(s.toJson()) + "\n");
    return s;
  }

  /** {x1, y1, x2, y2} -> COCO {x, y, w, h}, corners ordered and clipped to w x h. */
  static double[] clip(double[] box, int width, int height) {
    double x1 = Math.max(0, Math.min(Math.min(box[0], box[2]), width));
    double x2 = Math.max(0, Math.min(Math.max(box[0], box[2]), width));
    double y1 = Math.max(0, Math.min(Math.min(box[1], box[3]), height));
    double y2 = Math.max(0, Math.min(Math.max(box[1], box[3]), height));
    return new double[] {x1, y1, x2 - x1, y2 - y1};
  }

  private static void write(JsonGenerator g, String split, List<Img> images, List<Ann> anns)
      throws IOException {
    g.writeStartObject();
    g.writeObjectFieldStart("info");
    g.writeStringField(
        "description", "BDD100K " + split + " detection labels, converted by jdino" + " bdd2coco");
    g.writeEndObject();
    g.writeArrayFieldStart("licenses");
    g.writeEndArray();
    g.writeArrayFieldStart("categories");
    for (int c = 0; c < BddCategories.NAMES.size(); c++) {
      g.writeStartObject();
      g.writeNumberField("id", c + 1);
      g.writeStringField("name", BddCategories.NAMES.get(c));
      g.writeStringField("supercategory", "none");
      g.writeEndObject();
    }
    g.writeEndArray();
    g.writeArrayFieldStart("images");
    for (Img i : images) {
      g.writeRaw('\n');
      g.writeStartObject();
      g.writeNumberField("id", i.id());
      g.writeStringField("file_name", i.fileName());
      g.writeNumberField("width", i.width());
      g.writeNumberField("height", i.height());
      g.writeEndObject();
    }
    g.writeEndArray();
    g.writeArrayFieldStart("annotations");
    long id = 1;
    for (Ann a : anns) {
      g.writeRaw('\n');
      g.writeStartObject();
      g.writeNumberField("id", id++);
      g.writeNumberField("image_id", a.image());
      g.writeNumberField("category_id", a.category());
      g.writeArrayFieldStart("bbox");
      g.writeNumber(a.x());
      g.writeNumber(a.y());
      g.writeNumber(a.w());
      g.writeNumber(a.h());
      g.writeEndArray();
      g.writeNumberField("area", a.w() * a.h());
      g.writeNumberField("iscrowd", 0);
      g.writeEndObject();
    }
    g.writeEndArray();
    g.writeEndObject();
  }
}
