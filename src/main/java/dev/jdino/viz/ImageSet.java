package dev.jdino.viz;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jdino.augment.Image;
import dev.jdino.data.DataSources;
import dev.jdino.data.ImageDataset;
import dev.jdino.data.ImageDecoder;
import dev.jdino.io.BadInputException;
import dev.jdino.io.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The images a visualisation draws ({@code --images}): one image file, or the first {@code limit}
 * images of anything {@code --data} accepts (a folder, recursively; an IDX file; {@code
 * fmnist-sample}, {@code fmnist}, whose default split here is the <b>test</b> split). Images are
 * decoded when asked for, so one bad file costs only itself.
 */
public final class ImageSet {
  private final ImageDataset data;
  private final Path single;
  private final int size;
  private final String name;

  private ImageSet(ImageDataset data, Path single, int size, String name) {
    this.data = data;
    this.single = single;
    this.size = size;
    this.name = name;
  }

  /**
   * Opens {@code spec}.
   *
   * @param limit at most this many images (the first ones); 0 for all
   * @throws BadInputException if the spec names nothing readable
   */
  public static ImageSet open(String spec, int limit) {
    Path path = null;
    try {
      path = Path.of(spec);
    } catch (InvalidPathException e) {
      // not a path: a data keyword, or an error that DataSources words
    }
    if (path != null && Files.isRegularFile(path) && !isIdx(path)) {
      return new ImageSet(null, path, 1, path.toString());
    }
    ImageDataset d = DataSources.open(spec, DataSources.Split.TEST);
    int n = limit > 0 ? Math.min(limit, d.size()) : d.size();
    return new ImageSet(d, null, n, d.name());
  }

  /** The first {@code limit} images of a dataset. */
  public static ImageSet of(ImageDataset data, int limit) {
    int n = limit > 0 ? Math.min(limit, data.size()) : data.size();
    return new ImageSet(data, null, n, data.name());
  }

  /**
   * The default images of a run: the test split of its data when that is Fashion-MNIST (full or
   * sample), else the first images of its own data ({@code args.json} "data").
   */
  public static ImageSet ofRun(Path runDir, int limit) {
    return open(runTestSpec(runDir), limit);
  }

  /** The {@code --images} spec {@link #ofRun} uses for a run. */
  public static String runTestSpec(Path runDir) {
    Path args = runDir.resolve("args.json");
    if (!Files.isRegularFile(args)) {
      throw new BadInputException(
          runDir + ": no args.json (is it a jdino run directory?);" + " give --images");
    }
    JsonNode data = Json.read(args).path("data");
    if (!data.isTextual() || data.asText().isBlank()) {
      throw new BadInputException(args + ": names no training data; give --images");
    }
    String spec = data.asText().strip();
    String keyword = spec.contains(":") ? spec.substring(0, spec.indexOf(':')) : spec;
    keyword = keyword.toLowerCase(Locale.ROOT);
    if (keyword.equals(DataSources.SAMPLE)
        || keyword.equals("fmnist")
        || keyword.equals("fashion-mnist")) {
      return keyword + ":test";
    }
    return spec;
  }

  private static boolean isIdx(Path p) {
    String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
    return n.contains("idx") && n.contains("ubyte");
  }

  public int size() {
    return size;
  }

  /** What the set is, for messages. */
  public String name() {
    return name;
  }

  /** Decodes image {@code i}. */
  public Image load(int i) throws IOException {
    return single != null ? ImageDecoder.decode(single) : data.load(i);
  }

  /** Where image {@code i} comes from (a path, or file#index). */
  public String describe(int i) {
    return single != null ? single.toString() : data.describe(i);
  }

  /**
   * Why image {@code i} was left out, as "source: reason": the decoder's message often starts with
   * the file's name already, and is then taken as it is.
   */
  public String failure(int i, Exception e) {
    String d = describe(i);
    String m = String.valueOf(e.getMessage());
    return m.startsWith(d) ? m : d + ": " + m;
  }

  /** True if every image has a class label. */
  public boolean hasLabels() {
    return data != null && data.hasLabels();
  }

  public int label(int i) {
    return data.label(i);
  }

  public List<String> classNames() {
    return data == null ? List.of() : data.classNames();
  }

  /**
   * A short file-system-safe name for image {@code i}: its index and the last part of where it
   * comes from ({@code 0003-shoe} for {@code photos/shoe.jpg}).
   */
  public String fileName(int i) {
    String d = describe(i);
    int slash = Math.max(d.lastIndexOf('/'), d.lastIndexOf('\\'));
    String last = d.substring(slash + 1);
    int hash = last.indexOf('#');
    if (hash >= 0) {
      last = "";
    }
    int dot = last.lastIndexOf('.');
    if (dot > 0) {
      last = last.substring(0, dot);
    }
    last = last.replaceAll("[^A-Za-z0-9_-]+", "_");
    if (last.length() > 40) {
      last = last.substring(0, 40);
    }
    return String.format(Locale.ROOT, "%04d", i) + (last.isEmpty() ? "" : "-" + last);
  }
}
