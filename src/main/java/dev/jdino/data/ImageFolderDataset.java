package dev.jdino.data;

import dev.jdino.io.BadInputException;
import java.io.IOException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Every image file under a folder, found recursively, in a fixed order.
 *
 * <p>Files with extension jpg, jpeg, png, bmp or gif (any case) count as images; names starting
 * with a dot are skipped (macOS {@code ._x.jpg} resource forks would otherwise fail to decode by
 * the thousand). The order compares relative paths component by component, so it is the same on
 * every machine and file system. Symbolic links are followed, as torchvision's ImageFolder does;
 * the JDK's walker detects directory loops, which are skipped like unreadable directories. An image
 * name that cannot be read (a broken link, a file-level link loop, no permission) stays in the list
 * and fails when loaded, so the loader skips it and names it in the epoch's summary.
 *
 * <p>Labels follow torchvision's ImageFolder (the ImageNet layout): when every image lies below a
 * first-level subfolder, the class of an image is its first-level folder, and class indices follow
 * the sorted folder names. First-level folders without any image get no class (torchvision would
 * refuse them). A single image directly in the root makes the whole dataset unlabelled.
 *
 * <p>Only the paths are held in memory; {@link #load} decodes on each call via {@link
 * ImageDecoder}, so a corrupt file surfaces as an {@link IOException} when it is used.
 */
public final class ImageFolderDataset extends ImageFiles {

  /** Lower-case extensions recognised as images. */
  public static final Set<String> EXTENSIONS = Set.of("jpg", "jpeg", "png", "bmp", "gif");

  private final Path root;
  private final int skippedDirectories;

  private ImageFolderDataset(
      Path root, List<Path> files, int[] labels, List<String> classNames, int skipped) {
    super(files, labels, classNames);
    this.root = root;
    this.skippedDirectories = skipped;
  }

  /**
   * Lists the images under {@code root}.
   *
   * @throws BadInputException if {@code root} does not exist, is not a directory, or holds no image
   */
  public static ImageFolderDataset open(Path root) {
    Objects.requireNonNull(root, "root");
    if (!Files.exists(root)) {
      throw new BadInputException("data path " + root + " does not exist");
    }
    if (!Files.isDirectory(root)) {
      throw new BadInputException("data path " + root + " is not a directory");
    }
    List<Path> relative = new ArrayList<>();
    int[] skipped = new int[1];
    try {
      Files.walkFileTree(
          root,
          EnumSet.of(FileVisitOption.FOLLOW_LINKS),
          Integer.MAX_VALUE,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
              boolean hidden = !dir.equals(root) && isHidden(dir);
              return hidden ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
              // Broken links arrive with link attributes. Listed all the same: an image name that
              // cannot be read fails at load time and shows in the epoch's summary, where the
              // user looks for skipped files, instead of vanishing silently.
              boolean usable = attrs.isRegularFile() || attrs.isSymbolicLink();
              if (usable && !isHidden(file) && hasImageExtension(file)) {
                relative.add(root.relativize(file));
              }
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
              // A file-level link loop ("a.jpg -> b.jpg -> a.jpg") is listed like a broken link;
              // unreadable directories and directory loops are skipped, the walk goes on.
              if (!(e instanceof FileSystemLoopException)
                  && !isHidden(file)
                  && hasImageExtension(file)
                  && !Files.isDirectory(file)) {
                relative.add(root.relativize(file));
              } else {
                skipped[0]++;
              }
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      throw new BadInputException("cannot list data folder " + root + ": " + e, e);
    }
    if (relative.isEmpty()) {
      throw new BadInputException(
          "data folder "
              + root
              + " contains no images (looked for *."
              + String.join(", *.", new TreeSet<>(EXTENSIONS))
              + " recursively)");
    }
    relative.sort(BY_COMPONENTS);
    List<Path> files = new ArrayList<>(relative.size());
    for (Path p : relative) {
      files.add(root.resolve(p));
    }
    boolean labelled = relative.stream().allMatch(p -> p.getNameCount() >= 2);
    if (!labelled) {
      return new ImageFolderDataset(root, List.copyOf(files), null, List.of(), skipped[0]);
    }
    TreeMap<String, Integer> classIndex = new TreeMap<>();
    for (Path p : relative) {
      classIndex.put(p.getName(0).toString(), 0);
    }
    int next = 0;
    for (var e : classIndex.entrySet()) {
      e.setValue(next++);
    }
    int[] labels = new int[relative.size()];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = classIndex.get(relative.get(i).getName(0).toString());
    }
    return new ImageFolderDataset(
        root, List.copyOf(files), labels, List.copyOf(classIndex.keySet()), skipped[0]);
  }

  @Override
  public String name() {
    return root
        + " ("
        + size()
        + (size() == 1 ? " image" : " images")
        + (hasLabels()
            ? ", " + classNames().size() + (classNames().size() == 1 ? " class" : " classes")
            : "")
        + ")";
  }

  /**
   * Why a folder with class subfolders has no labels, or empty: the images lying directly in it,
   * beside the subfolders, which make the whole folder unlabelled (ImageFolder's rule).
   */
  public String whyUnlabelled() {
    if (hasLabels()) {
      return "";
    }
    List<Path> loose = new ArrayList<>();
    int below = 0;
    for (int i = 0; i < size(); i++) {
      Path rel = root.relativize(path(i));
      if (rel.getNameCount() == 1) {
        loose.add(rel);
      } else {
        below++;
      }
    }
    if (below == 0) {
      return "";
    }
    return String.format(
        Locale.ROOT,
        "%,d of its images %s directly in it, beside the class subfolders (%s%s), which makes"
            + " the whole folder unlabelled",
        loose.size(),
        loose.size() == 1 ? "lies" : "lie",
        loose.get(0),
        loose.size() > 1 ? ", ..." : "");
  }

  /** The folder this dataset was listed from. */
  public Path root() {
    return root;
  }

  /**
   * How many directories (or symlink loops) could not be entered while listing; worth a warning,
   * since their images are silently missing.
   */
  public int skippedDirectories() {
    return skippedDirectories;
  }

  static boolean hasImageExtension(Path file) {
    String name = file.getFileName().toString();
    int dot = name.lastIndexOf('.');
    return dot > 0 && EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
  }

  private static boolean isHidden(Path p) {
    Path name = p.getFileName();
    return name != null && name.toString().startsWith(".");
  }

  /** Name by name, so "a/z.png" sorts before "a.b/c.png" as a directory walk would list them. */
  private static final Comparator<Path> BY_COMPONENTS =
      (a, b) -> {
        int n = Math.min(a.getNameCount(), b.getNameCount());
        for (int i = 0; i < n; i++) {
          int c = a.getName(i).toString().compareTo(b.getName(i).toString());
          if (c != 0) {
            return c;
          }
        }
        return Integer.compare(a.getNameCount(), b.getNameCount());
      };
}
