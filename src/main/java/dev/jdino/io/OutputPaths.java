package dev.jdino.io;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Where commands may write, and what they never write over: the standard that nothing the user had
 * is lost or silently overwritten. Earlier results and outputs are kept beside new ones under their
 * modification time ({@link #keepPrevious}, {@link #keepPreviousOutput}); a folder of the user's is
 * never written into ({@link #requireOutputFolder}); a path that could never be written is refused
 * before the work ({@link #requireCreatable}). The writes themselves are {@link AtomicFiles}'.
 */
public final class OutputPaths {
  private OutputPaths() {}

  /**
   * Keeps existing result files before a command writes new results in their place: each is renamed
   * to {@code <stem>-<modification time, UTC yyyyMMdd-HHmmss>[-n]<extension>} beside it, so that
   * the plain name always holds the latest results (the report reads it) and earlier ones, say of
   * another {@code --feature} or {@code --k}, are not lost. Files that belong together (a probe's
   * weights and its description) are kept under one stamp, the first existing file's. A folder
   * among them is renamed whole, its name unsplit.
   *
   * @return the kept files' new paths; empty when none of {@code files} existed
   */
  public static List<Path> keepPrevious(List<Path> files) throws IOException {
    String stamp = null;
    List<Path> kept = new ArrayList<>();
    for (Path f : files) {
      if (Files.isRegularFile(f) || Files.isDirectory(f)) {
        stamp = stamp != null ? stamp : stamp(f);
        kept.add(rename(f, stamp));
      }
    }
    return kept;
  }

  /**
   * Fails fast, before a command's work, where {@code target} could never be written: a path that
   * runs through a file, a file where a folder is wanted or the reverse, or a nearest existing
   * folder that cannot be written in. Hours of extraction or training then never end on a typo.
   *
   * @param flag how the user gave the path, for the message (e.g. {@code "--json"})
   * @param folder whether {@code target} is to be a folder
   */
  public static void requireCreatable(Path target, String flag, boolean folder) {
    if (target == null) {
      return;
    }
    String named = flag + " " + target;
    if (Files.exists(target)) {
      if (folder && !Files.isDirectory(target)) {
        throw new BadInputException(named + " is a file; expected a folder");
      }
      if (!folder && Files.isDirectory(target)) {
        throw new BadInputException(named + " is a folder; expected a file name");
      }
      return;
    }
    Path p = target.toAbsolutePath().normalize().getParent();
    while (p != null && !Files.exists(p)) {
      p = p.getParent();
    }
    if (p == null) {
      return;
    }
    if (!Files.isDirectory(p)) {
      throw new BadInputException(named + ": " + p + " is a file, not a folder");
    }
    if (!Files.isWritable(p) || readOnly(p)) {
      throw new BadInputException(named + ": cannot write in " + p);
    }
  }

  /**
   * Refuses a JSON output path without the {@code .json} extension: an earlier file at the path is
   * kept by renaming it ({@link #keepPrevious}), which is right for earlier results and wrong for a
   * user's {@code notes.html} given by mistake.
   */
  public static void requireJson(Path target, String flag) {
    if (target != null && !target.getFileName().toString().endsWith(".json")) {
      throw new BadInputException(
          flag + " " + target + ": expected a .json file name (the results are JSON)");
    }
  }

  /** A read-only mount: writable by its permissions, root's above all, yet refusing writes. */
  private static boolean readOnly(Path p) {
    try {
      return Files.getFileStore(p).isReadOnly();
    } catch (IOException e) {
      return false; // what cannot be told is left to the write to report
    }
  }

  /**
   * Refuses an output folder that would mix a command's files with the user's: {@code dir} may be
   * missing, empty, or an earlier output of the same command (it holds {@code marker}, the
   * command's summary file); anything else is a {@link BadInputException} naming the folder.
   * Checked before the work starts, so that a refused command costs nothing.
   */
  public static void requireOutputFolder(Path dir, String marker) throws IOException {
    requireCreatable(dir, "output folder", true);
    if (!Files.exists(dir) || Files.isRegularFile(dir.resolve(marker))) {
      return;
    }
    try (Stream<Path> s = Files.list(dir)) {
      if (s.findAny().isPresent()) {
        throw new BadInputException(
            dir
                + " holds files that are not an earlier output ("
                + marker
                + "); give an empty or new folder");
      }
    }
  }

  /**
   * Keeps an earlier output folder before a command writes a new one in its place, as {@link
   * #keepPrevious} does for files: a folder holding {@code marker} is renamed to {@code
   * <name>-<marker's modification time, UTC yyyyMMdd-HHmmss>[-n]} beside it, so that the plain name
   * always holds the latest pictures (the report reads it) and earlier ones, say of another
   * checkpoint or threshold, are not lost. Call it when the new output is about to be written,
   * after {@link #requireOutputFolder}.
   *
   * @return the kept folder's new path; empty when there was no earlier output
   */
  public static Optional<Path> keepPreviousOutput(Path dir, String marker) throws IOException {
    requireOutputFolder(dir, marker);
    Path summary = dir.resolve(marker);
    if (!Files.isRegularFile(summary)) {
      return Optional.empty();
    }
    return Optional.of(rename(dir.toAbsolutePath().normalize(), stamp(summary)));
  }

  private static String stamp(Path file) throws IOException {
    return STAMP.format(Files.getLastModifiedTime(file).toInstant());
  }

  private static Path rename(Path file, String stamp) throws IOException {
    String name = file.getFileName().toString();
    int dot = Files.isDirectory(file) ? -1 : name.lastIndexOf('.');
    String stem = dot > 0 ? name.substring(0, dot) : name;
    String ext = dot > 0 ? name.substring(dot) : "";
    for (int n = 1; ; n++) {
      Path kept = file.resolveSibling(stem + "-" + stamp + (n == 1 ? "" : "-" + n) + ext);
      try {
        // without REPLACE_EXISTING: a name already taken (two runs in one second) is never replaced
        return Files.move(file, kept);
      } catch (FileAlreadyExistsException e) {
        // try the next
      }
    }
  }

  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);
}
