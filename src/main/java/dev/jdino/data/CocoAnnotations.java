package dev.jdino.data;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import dev.jdino.io.BadInputException;
import dev.jdino.io.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A COCO detection annotation file, read for what jdino uses: {@code images} (id, file_name, width,
 * height), {@code categories} (id, name) and {@code annotations} (image_id, category_id, bbox,
 * iscrowd). Segmentations and other keys are skipped.
 *
 * <p>The file is streamed element by element, and boxes are kept in primitive arrays, because
 * detection files are large (BDD100K's training split: 70,000 images and about 1.3 million boxes)
 * and a full JSON tree would cost gigabytes. Inconsistent files (an annotation naming an image or
 * category that is not listed, a malformed bbox) are refused with a message naming the element,
 * since quietly dropping boxes would skew every score computed from them; {@link #readImages}, for
 * uses without boxes, does not read them at all.
 */
public final class CocoAnnotations {

  /**
   * One listed image.
   *
   * @param width declared width in pixels (0 if the file omits it)
   * @param height declared height in pixels (0 if the file omits it)
   */
  public record ImageEntry(long id, String fileName, int width, int height) {}

  /** One category; {@link #categories()} lists them by id. */
  public record Category(int id, String name) {}

  /**
   * One box.
   *
   * @param image index into {@link #images()}
   * @param category index into {@link #categories()}
   * @param x left edge, pixels
   * @param y top edge
   * @param w width
   * @param h height
   */
  public record Box(
      long id, int image, int category, double x, double y, double w, double h, boolean crowd) {}

  private final Path file;
  private final List<ImageEntry> images;
  private final List<Category> categories;
  private final long[] boxIds;
  private final int[] boxImage;
  private final int[] boxCategory;
  private final float[] boxes;
  private final boolean[] crowd;
  private final int[] firstBox; // boxes of image i: sorted positions firstBox[i] .. firstBox[i+1]
  private final int[] byImage;

  private CocoAnnotations(
      Path file,
      List<ImageEntry> images,
      List<Category> categories,
      Raw raw,
      int[] boxImage,
      int[] boxCategory) {
    this.file = file;
    this.images = List.copyOf(images);
    this.categories = List.copyOf(categories);
    int n = raw.count;
    this.boxIds = Arrays.copyOf(raw.ids, n);
    this.boxImage = boxImage;
    this.boxCategory = boxCategory;
    this.boxes = Arrays.copyOf(raw.boxes, 4 * n);
    this.crowd = Arrays.copyOf(raw.crowd, n);
    this.firstBox = new int[images.size() + 1];
    for (int b = 0; b < n; b++) {
      firstBox[boxImage[b] + 1]++;
    }
    for (int i = 0; i < images.size(); i++) {
      firstBox[i + 1] += firstBox[i];
    }
    this.byImage = new int[n];
    int[] fill = firstBox.clone();
    for (int b = 0; b < n; b++) {
      byImage[fill[boxImage[b]]++] = b;
    }
  }

  /**
   * Reads a COCO detection file.
   *
   * @throws BadInputException if the file is missing, not JSON, or inconsistent, naming what
   */
  public static CocoAnnotations read(Path file) {
    return read(file, true);
  }

  /**
   * Reads only the {@code images} of a COCO file, for uses that need no box: self-supervised
   * training on the images it lists. Its categories and annotations are skipped unparsed, so a box
   * problem (an annotation of an image that was filtered out of the list, a negative size) does not
   * refuse images that never use it, and BDD100K's 1.3 million boxes cost no time or memory.
   *
   * @throws BadInputException if the file is missing, not JSON, or its images are malformed
   */
  public static CocoAnnotations readImages(Path file) {
    return read(file, false);
  }

  private static CocoAnnotations read(Path file, boolean boxes) {
    List<ImageEntry> images = new ArrayList<>();
    List<Category> categories = new ArrayList<>();
    Raw raw = new Raw();
    boolean listsImages = false;
    try (InputStream in = Files.newInputStream(file);
        JsonParser p = Json.MAPPER.getFactory().createParser(in)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw bad(file, "expected a JSON object with images, annotations and categories");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String key = p.currentName();
        JsonToken t = p.nextToken();
        switch (key) {
          case "images" -> {
            listsImages = true;
            readArray(p, file, key, t, n -> images.add(image(file, n, images.size())));
          }
          case "categories" -> {
            if (boxes) {
              readArray(p, file, key, t, n -> categories.add(category(file, n)));
            } else {
              p.skipChildren();
            }
          }
          case "annotations" -> {
            if (boxes) {
              readArray(p, file, key, t, n -> raw.add(file, n));
            } else {
              p.skipChildren();
            }
          }
          default -> p.skipChildren();
        }
      }
    } catch (NoSuchFileException e) {
      throw new BadInputException(file + ": annotation file not found");
    } catch (IOException e) {
      throw new BadInputException(
          file + ": not a readable COCO JSON file (" + firstLine(e.getMessage()) + ")", e);
    }
    if (!listsImages) {
      throw bad(file, "has no \"images\" list; expected a COCO annotation file");
    }
    categories.sort(Comparator.comparingInt(Category::id));
    Map<Long, Integer> imageIndex = new HashMap<>(images.size() * 2);
    for (int i = 0; i < images.size(); i++) {
      if (imageIndex.put(images.get(i).id(), i) != null) {
        throw bad(file, "image id " + images.get(i).id() + " is listed twice");
      }
    }
    Map<Integer, Integer> categoryIndex = new HashMap<>();
    for (int c = 0; c < categories.size(); c++) {
      if (categoryIndex.put(categories.get(c).id(), c) != null) {
        throw bad(file, "category id " + categories.get(c).id() + " is listed twice");
      }
    }
    int[] boxImage = new int[raw.count];
    int[] boxCategory = new int[raw.count];
    for (int b = 0; b < raw.count; b++) {
      Integer i = imageIndex.get(raw.imageIds[b]);
      Integer c = categoryIndex.get(raw.categoryIds[b]);
      if (i == null) {
        throw bad(
            file,
            "annotation "
                + raw.ids[b]
                + " refers to image "
                + raw.imageIds[b]
                + ", which is not in images");
      }
      if (c == null) {
        throw bad(
            file,
            "annotation "
                + raw.ids[b]
                + " has category "
                + raw.categoryIds[b]
                + ", which is not in categories");
      }
      boxImage[b] = i;
      boxCategory[b] = c;
    }
    return new CocoAnnotations(file, images, categories, raw, boxImage, boxCategory);
  }

  /** The file this was read from. */
  public Path file() {
    return file;
  }

  /** The images, in file order. */
  public List<ImageEntry> images() {
    return images;
  }

  /** The categories, by id. */
  public List<Category> categories() {
    return categories;
  }

  /** Number of boxes. */
  public int boxCount() {
    return boxIds.length;
  }

  /** Box {@code b}, in file order. */
  public Box box(int b) {
    return new Box(
        boxIds[b],
        boxImage[b],
        boxCategory[b],
        boxes[4 * b],
        boxes[4 * b + 1],
        boxes[4 * b + 2],
        boxes[4 * b + 3],
        crowd[b]);
  }

  /** The boxes of image {@code image} (an index into {@link #images()}), in file order. */
  public List<Box> boxesOf(int image) {
    List<Box> out = new ArrayList<>(firstBox[image + 1] - firstBox[image]);
    for (int k = firstBox[image]; k < firstBox[image + 1]; k++) {
      out.add(box(byImage[k]));
    }
    return out;
  }

  private interface ElementReader {
    void accept(JsonNode element);
  }

  private static void readArray(JsonParser p, Path file, String key, JsonToken t, ElementReader r)
      throws IOException {
    if (t != JsonToken.START_ARRAY) {
      throw bad(file, "\"" + key + "\" is not a list");
    }
    while (p.nextToken() == JsonToken.START_OBJECT) {
      r.accept(p.readValueAsTree());
    }
    if (p.currentToken() != JsonToken.END_ARRAY) {
      throw bad(file, "\"" + key + "\" holds something other than objects");
    }
  }

  private static ImageEntry image(Path file, JsonNode n, int position) {
    JsonNode id = n.get("id");
    JsonNode name = n.get("file_name");
    if (id == null || !id.canConvertToLong() || name == null || !name.isTextual()) {
      throw bad(
          file,
          "images["
              + position
              + "] needs an id that is a whole number within 64 bits and a file_name, got "
              + (id == null ? "no id" : "id " + id)
              + (name == null ? " and no file_name" : ""));
    }
    int[] wh = new int[2];
    String[] keys = {"width", "height"};
    for (int k = 0; k < 2; k++) {
      JsonNode v = n.path(keys[k]);
      if (!v.isMissingNode() && !v.isNull() && !(v.canConvertToInt() && v.asInt() >= 0)) {
        throw bad(
            file,
            "images["
                + position
                + "] ("
                + name.asText()
                + "): "
                + keys[k]
                + " "
                + v
                + " is not a size in pixels");
      }
      wh[k] = v.asInt(0);
    }
    return new ImageEntry(id.asLong(), name.asText(), wh[0], wh[1]);
  }

  private static Category category(Path file, JsonNode n) {
    JsonNode id = n.get("id");
    if (id == null || !id.canConvertToInt()) {
      throw bad(file, "a category has no numeric id: " + n);
    }
    return new Category(id.asInt(), n.path("name").asText("category " + id.asInt()));
  }

  /** Annotations as they stream by, before ids are resolved (images may come after them). */
  private static final class Raw {
    long[] ids = new long[1024];
    long[] imageIds = new long[1024];
    int[] categoryIds = new int[1024];
    float[] boxes = new float[4096];
    boolean[] crowd = new boolean[1024];
    int count;

    void add(Path file, JsonNode n) {
      JsonNode bbox = n.get("bbox");
      JsonNode image = n.get("image_id");
      JsonNode category = n.get("category_id");
      long id = n.path("id").asLong(count + 1L);
      if (image == null
          || !image.canConvertToLong()
          || category == null
          || !category.canConvertToInt()) {
        throw bad(file, "annotation " + id + " needs a numeric image_id and category_id");
      }
      if (bbox == null || !bbox.isArray() || bbox.size() != 4) {
        throw bad(file, "annotation " + id + ": bbox must be [x, y, width, height]");
      }
      if (count == ids.length) {
        int cap = ids.length * 2;
        ids = Arrays.copyOf(ids, cap);
        imageIds = Arrays.copyOf(imageIds, cap);
        categoryIds = Arrays.copyOf(categoryIds, cap);
        boxes = Arrays.copyOf(boxes, 4 * cap);
        crowd = Arrays.copyOf(crowd, cap);
      }
      for (int k = 0; k < 4; k++) {
        JsonNode v = bbox.get(k);
        if (!v.isNumber() || !Double.isFinite(v.asDouble()) || (k >= 2 && v.asDouble() < 0)) {
          throw bad(
              file,
              "annotation "
                  + id
                  + ": bbox "
                  + bbox
                  + " is not [x, y, width, height] with finite values and non-negative sizes");
        }
        boxes[4 * count + k] = (float) v.asDouble();
      }
      ids[count] = id;
      imageIds[count] = image.asLong();
      categoryIds[count] = category.asInt();
      crowd[count] = n.path("iscrowd").asInt(0) != 0;
      count++;
    }
  }

  private static BadInputException bad(Path file, String what) {
    return new BadInputException(file + ": " + what);
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
