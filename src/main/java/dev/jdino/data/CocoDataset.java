package dev.jdino.data;

import dev.jdino.io.BadInputException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The images a COCO annotation file lists, for self-supervised training: {@code --data
 * coco:<annotations.json>[:<image-root>]}. Boxes and categories are ignored here (see {@link
 * CocoObjectsDataset} for labelled object crops).
 *
 * <p><b>Image root.</b> {@code file_name} is resolved against the image root: the one given, else
 * the annotation file's folder, except when the first listed image is not found there but is found
 * in an {@code images} folder beside the annotation file (the common {@code annotations.json} +
 * {@code images/} layout). BDD100K converted by {@code jdino bdd2coco} puts {@code
 * _annotations.coco.json} inside the split's image folder, so no root is needed.
 *
 * <p><b>Safety.</b> An annotation file is data from elsewhere: a {@code file_name} that is absolute
 * or that leaves the image root after resolving {@code ..} is refused when the dataset is opened,
 * with a message naming it, so no file outside the root is ever opened on a JSON file's say-so.
 * (Symbolic links inside the root are the user's own and are followed.)
 */
public final class CocoDataset extends ImageFiles {
  private final CocoAnnotations annotations;
  private final boolean withBoxes;
  private final Path root;

  private CocoDataset(CocoAnnotations annotations, boolean withBoxes, Path root, List<Path> files) {
    super(files, null, List.of());
    this.annotations = annotations;
    this.withBoxes = withBoxes;
    this.root = root;
  }

  /**
   * Opens the images of a COCO file, reading only its {@code images} ({@link
   * CocoAnnotations#readImages}): training uses no box, so none can refuse the data.
   *
   * @param imageRoot the folder {@code file_name}s are relative to; null for the default above
   * @throws BadInputException for a missing or malformed file, a missing root, no images, or an
   *     unsafe {@code file_name}
   */
  public static CocoDataset open(Path annotationFile, Path imageRoot) {
    return open(annotationFile, imageRoot, false);
  }

  /**
   * Opens the images of a COCO file with its boxes and categories, checked for consistency (what
   * object discovery scores against).
   *
   * @throws BadInputException as {@link #open}, and for an inconsistent box or category
   */
  public static CocoDataset openWithBoxes(Path annotationFile, Path imageRoot) {
    return open(annotationFile, imageRoot, true);
  }

  private static CocoDataset open(Path annotationFile, Path imageRoot, boolean boxes) {
    CocoAnnotations a =
        boxes ? CocoAnnotations.read(annotationFile) : CocoAnnotations.readImages(annotationFile);
    if (a.images().isEmpty()) {
      throw new BadInputException(annotationFile + ": lists no images");
    }
    Path root = imageRoot(annotationFile, imageRoot, a);
    return new CocoDataset(a, boxes, root, resolveAll(a, root));
  }

  /**
   * The parsed annotation file, boxes and categories included.
   *
   * @throws IllegalStateException if this was opened for its images only ({@link #open})
   */
  public CocoAnnotations annotations() {
    if (!withBoxes) {
      throw new IllegalStateException(
          annotations.file() + " was opened for its images only; openWithBoxes reads its boxes");
    }
    return annotations;
  }

  /** The folder the images are resolved against. */
  public Path root() {
    return root;
  }

  @Override
  public String name() {
    return "coco:" + annotations.file() + " (" + size() + " images in " + root + ")";
  }

  /** The image root for {@code annotationFile}, by the rule in the class comment. */
  static Path imageRoot(Path annotationFile, Path given, CocoAnnotations a) {
    if (given != null) {
      if (!Files.isDirectory(given)) {
        throw new BadInputException("image root " + given + " is not a directory");
      }
      return given;
    }
    Path dir = annotationFile.toAbsolutePath().getParent();
    Path images = dir.resolve("images");
    if (!a.images().isEmpty() && Files.isDirectory(images)) {
      String first = a.images().get(0).fileName();
      if (!Files.exists(safeResolve(dir, first, annotationFile))
          && Files.exists(safeResolve(images, first, annotationFile))) {
        return images;
      }
    }
    return dir;
  }

  /** Every image's path, checked to stay inside {@code root}. */
  static List<Path> resolveAll(CocoAnnotations a, Path root) {
    List<Path> out = new ArrayList<>(a.images().size());
    for (CocoAnnotations.ImageEntry e : a.images()) {
      out.add(safeResolve(root, e.fileName(), a.file()));
    }
    return out;
  }

  /**
   * {@code root/fileName}, refusing a name that is absolute or escapes {@code root}.
   *
   * @throws BadInputException naming the file name and the annotation file
   */
  public static Path safeResolve(Path root, String fileName, Path annotationFile) {
    Path rel;
    try {
      rel = Path.of(fileName);
    } catch (InvalidPathException e) {
      throw new BadInputException(
          annotationFile
              + ": file_name \""
              + fileName
              + "\" is not a valid path ("
              + e.getReason()
              + ")");
    }
    if (fileName.isEmpty()
        || rel.isAbsolute()
        || fileName.startsWith("/")
        || fileName.startsWith("\\")) {
      throw new BadInputException(
          annotationFile
              + ": file_name \""
              + fileName
              + "\" is an absolute path; COCO file names must be relative to the image root "
              + root);
    }
    Path base = root.toAbsolutePath().normalize();
    Path resolved = base.resolve(rel).normalize();
    if (!resolved.startsWith(base) || resolved.equals(base)) {
      throw new BadInputException(
          annotationFile
              + ": file_name \""
              + fileName
              + "\" points outside the image root "
              + root
              + "; refusing to read it");
    }
    return resolved;
  }
}
