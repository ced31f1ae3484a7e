package dev.jdino.data;

import dev.jdino.io.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Turns the user's {@code --data} value into an {@link ImageDataset}; the only place that knows the
 * accepted forms, so every command accepts the same ones:
 *
 * <ul>
 *   <li>{@code fmnist-sample[:train|:test]}: the bundled 5,000 / 1,000 image slice of Fashion-MNIST
 *       ({@code data/fmnist-sample}, found via the {@code jdino.home} system property, else the
 *       working directory or one of its parents);
 *   <li>{@code fmnist[:train|:test]} or {@code fashion-mnist[...]}: the full dataset from Debian's
 *       {@code dataset-fashion-mnist} package in {@value #FASHION_MNIST_DIR};
 *   <li>{@code idx:<images>[:<labels>]}: any MNIST-style IDX pair;
 *   <li>a path to an IDX image file (recognised by its magic number; a sibling label file named
 *       like {@code *-labels-idx1-ubyte*} is picked up);
 *   <li>{@code coco:<annotations.json>[:<image-root>]}: the images a COCO detection file lists
 *       ({@link CocoDataset}; labels ignored); {@link #openObjects} turns its boxes into labelled
 *       object crops instead;
 *   <li>{@code coco-objects:<min-size>:<annotations.json>[:<image-root>]}: the objects of a COCO
 *       file as labelled crops ({@link #openObjects}; what {@code --objects --min-object-size}
 *       turns a {@code coco:} value into, see {@link #objectsSpec});
 *   <li>a path to a directory: an {@link ImageFolderDataset}.
 * </ul>
 *
 * Keywords win over same-named relative paths; write {@code ./fmnist} to mean a folder.
 */
public final class DataSources {

  /** Where Debian's {@code dataset-fashion-mnist} installs the gzipped IDX files. */
  public static final String FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist";

  /** System property holding the jdino installation (repository) root; set by the launcher. */
  public static final String HOME_PROPERTY = "jdino.home";

  /** Keyword of the object-crops form of COCO data. */
  public static final String OBJECTS = "coco-objects";

  /** The bundled sample's keyword and folder name under {@code data/}. */
  public static final String SAMPLE = "fmnist-sample";

  /** Which half of a dataset with a train/test split to use. */
  public enum Split {
    TRAIN("train"),
    TEST("t10k");

    private final String filePrefix;

    Split(String filePrefix) {
      this.filePrefix = filePrefix;
    }

    String imagesFile() {
      return filePrefix + "-images-idx3-ubyte.gz";
    }

    String labelsFile() {
      return filePrefix + "-labels-idx1-ubyte.gz";
    }
  }

  private static final String FORMS =
      "expected fmnist-sample[:test], fmnist[:test], idx:<images>[:<labels>],"
          + " coco:<annotations.json>[:<image-root>], an IDX image file or an image folder";

  /**
   * A parsed {@code coco:} value.
   *
   * @param imageRoot null when not given (the default root rule of {@link CocoDataset} applies)
   */
  public record CocoSpec(Path annotations, Path imageRoot) {}

  private DataSources() {}

  /** {@link #open(String, Split)} with the training split as default. */
  public static ImageDataset open(String spec) {
    return open(spec, Split.TRAIN);
  }

  /**
   * Opens the dataset named by {@code spec} (see the class comment).
   *
   * @param defaultSplit the split used when {@code spec} names a split-able dataset without {@code
   *     :train} / {@code :test}; ignored for files and folders
   * @throws BadInputException for an unknown form, a missing path, or an unreadable dataset, with a
   *     one-line message naming the value
   */
  public static ImageDataset open(String spec, Split defaultSplit) {
    if (spec == null || spec.isBlank()) {
      throw new BadInputException("--data is empty; " + FORMS);
    }
    String s = spec.strip();
    int colon = s.indexOf(':');
    String keyword = (colon < 0 ? s : s.substring(0, colon)).toLowerCase(Locale.ROOT);
    String rest = colon < 0 ? null : s.substring(colon + 1);
    switch (keyword) {
      case SAMPLE:
        return fashionMnist(sampleDir(), split(s, rest, defaultSplit), SAMPLE, null);
      case "fmnist":
      case "fashion-mnist":
        return fashionMnist(
            Path.of(FASHION_MNIST_DIR),
            split(s, rest, defaultSplit),
            "fmnist",
            "install it with `apt install dataset-fashion-mnist`, or use --data fmnist-sample"
                + " (the bundled 5,000-image slice)");
      case "idx":
        return openIdxSpec(s, rest);
      case "coco":
        {
          CocoSpec c = cocoSpec(s, rest);
          return CocoDataset.open(c.annotations(), c.imageRoot());
        }
      case OBJECTS:
        return openObjectsSpec(s, rest);
      default:
        return openPath(s);
    }
  }

  /**
   * Opens the objects of a COCO detection file as labelled crops ({@link CocoObjectsDataset}):
   * every box at least {@code minObjectSize} pixels on its shorter side, label = category. This is
   * what {@code --objects --min-object-size N} means for evaluation commands.
   *
   * @throws BadInputException if {@code spec} is not a {@code coco:} value, or as {@link
   *     CocoObjectsDataset#open}
   */
  public static ImageDataset openObjects(String spec, int minObjectSize) {
    String s = spec == null ? "" : spec.strip();
    if (!s.toLowerCase(Locale.ROOT).startsWith("coco:")) {
      throw new BadInputException(
          "--objects needs COCO data (coco:<annotations.json>[:<image-root>]),"
              + " got --data "
              + s);
    }
    CocoSpec c = cocoSpec(s, s.substring("coco:".length()));
    return CocoObjectsDataset.open(c.annotations(), c.imageRoot(), minObjectSize);
  }

  /**
   * The {@code --data} value for the objects of a {@code coco:} value: {@code
   * coco-objects:<minObjectSize>:<annotations.json>[:<image-root>]}. Commands with {@code --objects
   * --min-object-size N} rewrite their data values with it and open them as usual.
   *
   * @throws BadInputException if {@code spec} is null or not a {@code coco:} value
   */
  public static String objectsSpec(String spec, int minObjectSize) {
    String s = spec == null ? "" : spec.strip();
    if (!s.toLowerCase(Locale.ROOT).startsWith("coco:")) {
      throw new BadInputException(
          "--objects needs COCO data (coco:<annotations.json>[:<image-root>]),"
              + " got "
              + (spec == null ? "none" : s));
    }
    return OBJECTS + ":" + minObjectSize + ":" + s.substring("coco:".length());
  }

  private static ImageDataset openObjectsSpec(String spec, String rest) {
    int colon = rest == null ? -1 : rest.indexOf(':');
    int min;
    try {
      min = Integer.parseInt(rest.substring(0, colon));
    } catch (RuntimeException e) {
      throw new BadInputException(
          "--data "
              + spec
              + ": expected "
              + OBJECTS
              + ":<min-size>:<annotations.json>[:<image-root>]");
    }
    return openObjects("coco:" + rest.substring(colon + 1), min);
  }

  /**
   * Parses {@code coco:<annotations.json>[:<image-root>]}. When the whole value after {@code coco:}
   * names an existing file it is the annotation file (paths with colons work); otherwise it is
   * split at the last colon.
   *
   * @throws BadInputException if the annotation file or the given root does not exist
   */
  public static CocoSpec cocoSpec(String spec, String rest) {
    if (rest == null || rest.isEmpty()) {
      throw new BadInputException(
          "--data " + spec + ": expected coco:<annotations.json>[:<image-root>]");
    }
    Path annotations = toPath(rest);
    Path root = null;
    int colon = rest.lastIndexOf(':');
    if (!Files.isRegularFile(annotations) && colon > 0 && colon < rest.length() - 1) {
      annotations = toPath(rest.substring(0, colon));
      root = toPath(rest.substring(colon + 1));
    }
    if (!Files.isRegularFile(annotations)) {
      throw new BadInputException(
          "--data " + spec + ": annotation file " + annotations + " does not exist");
    }
    if (root != null && !Files.isDirectory(root)) {
      throw new BadInputException(
          "--data " + spec + ": image root " + root + " is not a directory");
    }
    return new CocoSpec(annotations, root);
  }

  /**
   * The training data used when the user gives none: full Fashion-MNIST if installed, else the
   * bundled sample.
   */
  public static ImageDataset defaultTrainData() {
    return open(defaultTrainSpec(), Split.TRAIN);
  }

  /** The {@code --data} value {@link #defaultTrainData()} stands for, for logs and args.json. */
  public static String defaultTrainSpec() {
    return fashionMnistInstalled() ? "fmnist" : SAMPLE;
  }

  /** True if Debian's full Fashion-MNIST files are present. */
  public static boolean fashionMnistInstalled() {
    Path dir = Path.of(FASHION_MNIST_DIR);
    for (Split split : Split.values()) {
      if (!Files.isRegularFile(dir.resolve(split.imagesFile()))
          || !Files.isRegularFile(dir.resolve(split.labelsFile()))) {
        return false;
      }
    }
    return true;
  }

  /**
   * The bundled sample folder: {@code <jdino.home>/data/fmnist-sample} if the property is set and
   * the folder exists there, else {@code data/fmnist-sample} in the working directory or the
   * nearest parent that has it (so tests and {@code mvn exec} work from anywhere in the tree).
   *
   * @throws BadInputException listing the places looked at, if none has it
   */
  public static Path sampleDir() {
    List<Path> tried = new ArrayList<>();
    String home = System.getProperty(HOME_PROPERTY);
    if (home != null && !home.isBlank()) {
      Path candidate = Path.of(home, "data", SAMPLE);
      if (isSampleDir(candidate)) {
        return candidate;
      }
      tried.add(candidate);
    }
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve("data").resolve(SAMPLE);
      if (isSampleDir(candidate)) {
        return candidate;
      }
      if (tried.size() < 3) {
        tried.add(candidate);
      }
    }
    throw new BadInputException(
        "the bundled sample data data/"
            + SAMPLE
            + " was not found (looked in "
            + tried
            + " and their parents); run from the jdino folder or set -D"
            + HOME_PROPERTY
            + "=<jdino folder>");
  }

  /** Fashion-MNIST (full or sample) from {@code dir}; {@code missingHint} null for the sample. */
  static IdxDataset fashionMnist(Path dir, Split split, String keyword, String missingHint) {
    Path images = dir.resolve(split.imagesFile());
    Path labels = dir.resolve(split.labelsFile());
    if (missingHint != null && !(Files.isRegularFile(images) && Files.isRegularFile(labels))) {
      throw new BadInputException(
          "Fashion-MNIST is not installed (" + images + " not found); " + missingHint);
    }
    String name = keyword + ":" + (split == Split.TRAIN ? "train" : "test");
    return IdxDataset.open(images, labels, IdxDataset.FASHION_MNIST_CLASSES, name);
  }

  private static boolean isSampleDir(Path dir) {
    return Files.isRegularFile(dir.resolve(Split.TRAIN.imagesFile()));
  }

  private static Split split(String spec, String rest, Split defaultSplit) {
    if (rest == null) {
      return defaultSplit;
    }
    switch (rest.toLowerCase(Locale.ROOT)) {
      case "train":
        return Split.TRAIN;
      case "test":
      case "t10k":
        return Split.TEST;
      default:
        throw new BadInputException(
            "--data " + spec + ": unknown split '" + rest + "'; expected train or test");
    }
  }

  private static ImageDataset openIdxSpec(String spec, String rest) {
    String[] parts = rest.split(":", -1);
    if (parts.length > 2 || parts[0].isEmpty() || (parts.length == 2 && parts[1].isEmpty())) {
      throw new BadInputException("--data " + spec + ": expected idx:<images>[:<labels>]");
    }
    Path images = toPath(parts[0]);
    Path labels = parts.length == 2 ? toPath(parts[1]) : null;
    requireExists(images);
    if (labels != null) {
      requireExists(labels);
    }
    return IdxDataset.open(images, labels);
  }

  private static ImageDataset openPath(String spec) {
    Path path = toPath(spec);
    requireExists(path);
    if (Files.isDirectory(path)) {
      return ImageFolderDataset.open(path);
    }
    int magic;
    try {
      magic = IdxDataset.readMagic(path);
    } catch (IOException e) {
      throw new BadInputException("cannot read data file " + path + ": " + e, e);
    }
    if (magic == IdxDataset.LABELS_MAGIC) {
      throw new BadInputException(
          "data file "
              + path
              + " is an IDX label file; pass the image file (idx3-ubyte), or"
              + " idx:<images>:<labels>");
    }
    if (magic != IdxDataset.IMAGES_MAGIC) {
      throw new BadInputException(
          String.format(
              Locale.ROOT,
              "data file %s %s: not an IDX image file (magic 0x%08x, idx3-ubyte) nor a folder; %s",
              path,
              whatItIs(path, magic),
              IdxDataset.IMAGES_MAGIC,
              FORMS));
    }
    return IdxDataset.open(path, siblingLabels(path));
  }

  /**
   * What a file with {@code magic} is instead of IDX images: an empty file, a float IDX and a stray
   * file all used to get the same sentence, without the magic found.
   */
  static String whatItIs(Path path, int magic) {
    if (magic == -1) {
      long size;
      try {
        size = Files.size(path);
      } catch (IOException e) {
        size = -1;
      }
      return size == 0
          ? "is empty"
          : "is too short for an IDX header (" + (size < 0 ? "under 4" : size) + " bytes)";
    }
    String start = String.format(Locale.ROOT, "starts with 0x%08x", magic);
    String type = IdxDataset.elementType(magic);
    if (type != null) {
      start += " (an IDX file of " + type + ", " + (magic & 0xff) + " dimensions)";
    }
    return start;
  }

  /** {@code x-images-idx3-ubyte[.gz]} -> {@code x-labels-idx1-ubyte[.gz]} if that exists. */
  private static Path siblingLabels(Path images) {
    String name = images.getFileName().toString();
    if (!name.contains("images-idx3")) {
      return null;
    }
    Path labels = images.resolveSibling(name.replace("images-idx3", "labels-idx1"));
    return Files.isRegularFile(labels) ? labels : null;
  }

  private static Path toPath(String value) {
    try {
      return Path.of(value);
    } catch (InvalidPathException e) {
      throw new BadInputException("data path " + value + " is not a valid path: " + e.getReason());
    }
  }

  private static void requireExists(Path path) {
    if (!Files.exists(path)) {
      throw new BadInputException("data path " + path + " does not exist; " + FORMS);
    }
  }
}
