package dev.jdino.data;

import dev.jdino.augment.Image;
import dev.jdino.io.BadInputException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Every annotated object of a COCO file as a labelled image: the box cut out of its image, label =
 * its category. With it, {@code jdino knn} classifies detection objects (car, pedestrian, traffic
 * sign, ...) from frozen features, a direct test of what self-supervised features encode about the
 * things in a scene.
 *
 * <p>An object is kept when its box is at least {@code minSize} pixels on its <b>shorter</b> side
 * (smaller boxes are a few pixels of blur after resizing) and it is not a crowd region. Boxes are
 * clipped to the declared image size and widened to whole pixels; only that region of the image is
 * decoded. Class indices follow the categories sorted by id; {@link #classNames()} lists every
 * category, including any left without objects.
 */
public final class CocoObjectsDataset implements ImageDataset {
  private final CocoAnnotations annotations;
  private final List<Path> files;
  private final int[] boxes; // indices into annotations' boxes
  private final List<String> classNames;
  private final int minSize;
  private final int[] leftOut; // crowd, smaller than minSize, outside their image

  private CocoObjectsDataset(
      CocoAnnotations a, List<Path> files, int[] boxes, int minSize, int[] leftOut) {
    this.annotations = a;
    this.files = files;
    this.boxes = boxes;
    this.minSize = minSize;
    this.leftOut = leftOut;
    List<String> names = new ArrayList<>();
    for (CocoAnnotations.Category c : a.categories()) {
      names.add(c.name());
    }
    this.classNames = List.copyOf(names);
  }

  /**
   * The objects of a COCO file whose shorter box side is at least {@code minSize} pixels.
   *
   * @param imageRoot as in {@link CocoDataset#open}
   * @throws BadInputException as {@link CocoDataset#open}, or if no object is large enough
   */
  public static CocoObjectsDataset open(Path annotationFile, Path imageRoot, int minSize) {
    if (minSize < 1) {
      throw new BadInputException("--min-object-size must be >= 1 pixel, got " + minSize);
    }
    CocoAnnotations a = CocoAnnotations.read(annotationFile);
    Path root = CocoDataset.imageRoot(annotationFile, imageRoot, a);
    List<Path> files = CocoDataset.resolveAll(a, root);
    int[] keep = new int[a.boxCount()];
    int[] leftOut = new int[3];
    int n = 0;
    for (int b = 0; b < a.boxCount(); b++) {
      CocoAnnotations.Box box = a.box(b);
      double[] c = clipped(box, a.images().get(box.image()));
      if (box.crowd()) {
        leftOut[0]++;
      } else if (box.w() > 0 && box.h() > 0 && (c[2] <= 0 || c[3] <= 0)) {
        leftOut[2]++; // a box that clipping to its image empties: a labelling error, worth a count
      } else if (Math.min(c[2], c[3]) < minSize) {
        leftOut[1]++;
      } else {
        keep[n++] = b;
      }
    }
    if (n == 0) {
      throw new BadInputException(
          annotationFile
              + ": no object is at least "
              + minSize
              + " pixels on its shorter side (of "
              + a.boxCount()
              + " boxes); lower"
              + " --min-object-size");
    }
    return new CocoObjectsDataset(a, files, Arrays.copyOf(keep, n), minSize, leftOut);
  }

  /** The box clipped to the declared image size ({x, y, w, h}); unclipped if none is declared. */
  static double[] clipped(CocoAnnotations.Box b, CocoAnnotations.ImageEntry img) {
    double x0 = b.x();
    double y0 = b.y();
    double x1 = b.x() + b.w();
    double y1 = b.y() + b.h();
    if (img.width() > 0 && img.height() > 0) {
      x0 = Math.max(0, Math.min(x0, img.width()));
      x1 = Math.max(0, Math.min(x1, img.width()));
      y0 = Math.max(0, Math.min(y0, img.height()));
      y1 = Math.max(0, Math.min(y1, img.height()));
    }
    return new double[] {x0, y0, x1 - x0, y1 - y0};
  }

  /** The annotation behind object {@code index}. */
  public CocoAnnotations.Box box(int index) {
    return annotations.box(boxes[index]);
  }

  @Override
  public int size() {
    return boxes.length;
  }

  @Override
  public Image load(int index) throws IOException {
    return load(index, 0);
  }

  @Override
  public Image load(int index, int minShorterSide) throws IOException {
    CocoAnnotations.Box b = box(index);
    CocoAnnotations.ImageEntry img = annotations.images().get(b.image());
    double[] c = clipped(b, img);
    return ImageDecoder.decodeBox(
        files.get(b.image()), c[0], c[1], c[2], c[3], img.width(), img.height(), minShorterSide);
  }

  @Override
  public String describe(int index) {
    CocoAnnotations.Box b = box(index);
    return String.format(
        Locale.ROOT,
        "%s [object %d, %s]",
        files.get(b.image()),
        b.id(),
        classNames.get(b.category()));
  }

  @Override
  public String name() {
    String out =
        (leftOut[0] > 0 ? ", " + leftOut[0] + " crowd" : "")
            + (leftOut[1] > 0 ? ", " + leftOut[1] + " smaller" : "")
            + (leftOut[2] > 0 ? ", " + leftOut[2] + " outside their image" : "");
    return String.format(
        Locale.ROOT,
        "coco objects:%s (%d object%s >= %d px of %d boxes%s; %d %s)",
        annotations.file(),
        boxes.length,
        boxes.length == 1 ? "" : "s",
        minSize,
        annotations.boxCount(),
        out.isEmpty() ? "" : "; left out" + out.replaceFirst(",", ":"),
        classNames.size(),
        classNames.size() == 1 ? "class" : "classes");
  }

  @Override
  public boolean hasLabels() {
    return true;
  }

  @Override
  public int label(int index) {
    return box(index).category();
  }

  @Override
  public List<String> classNames() {
    return classNames;
  }
}
