package dev.jdino.bdd;

import dev.jdino.io.BadInputException;
import dev.jdino.io.zip.ZipDirectory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.LongConsumer;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Extracts a zip archive without letting it write anywhere but the target folder ("zip slip").
 *
 * <p>Every entry is checked <b>before anything is written</b>, so a malicious archive leaves no
 * trace: names that are absolute ({@code /x}, {@code \x}, {@code C:x}), names with a {@code ..}
 * component (even ones that would stay inside; no honest archive needs them), names with NUL bytes,
 * symbolic links and special files (read from the central directory's Unix mode) are refused with a
 * message naming the entry. While writing, each file's folder is checked once more on disk (after
 * resolving links that were already there), and each file is written to a hidden temporary name and
 * renamed, so an interrupted extraction never leaves a truncated file under the real name.
 */
public final class SafeUnzip {

  /**
   * What was extracted.
   *
   * @param files regular files written
   * @param bytes their total size
   */
  public record Result(int files, long bytes) {}

  /** Far more than BDD100K's image archive holds (about 100,000 entries). */
  private static final long MAX_ENTRIES = 10_000_000;

  private SafeUnzip() {}

  /**
   * Extracts {@code zip} into {@code target} (created if needed), replacing existing files.
   *
   * @param progress receives the running count of bytes written; may be null
   * @throws BadInputException naming the first unsafe entry (nothing is extracted then), or if the
   *     file is not a readable zip or the disk lacks room
   */
  public static Result extract(Path zip, Path target, LongConsumer progress) throws IOException {
    List<ZipDirectory.Entry> entries;
    try (FileChannel ch = FileChannel.open(zip, StandardOpenOption.READ)) {
      entries = ZipDirectory.read(ch, MAX_ENTRIES, Integer.MAX_VALUE).entries();
    } catch (IOException e) {
      throw new BadInputException(zip + ": cannot read the archive: " + e.getMessage(), e);
    }
    long total = 0;
    for (ZipDirectory.Entry e : entries) {
      check(zip, e);
      total += Math.max(0, e.size());
    }
    Files.createDirectories(target);
    Path base = target.toRealPath();
    long free = Files.getFileStore(base).getUsableSpace();
    if (total > free) {
      throw new BadInputException(
          String.format(
              Locale.ROOT,
              "%s needs %,d bytes to extract but" + " %s has only %,d free",
              zip,
              total,
              target,
              free));
    }
    int files = 0;
    long written = 0;
    Set<Path> checkedDirs = new HashSet<>();
    try (ZipFile zf = new ZipFile(zip.toFile())) {
      Enumeration<? extends ZipEntry> it = zf.entries();
      for (ZipDirectory.Entry e : entries) {
        if (!it.hasMoreElements()) {
          throw new BadInputException(zip + ": the archive's directory is inconsistent");
        }
        ZipEntry ze = it.nextElement();
        if (!ze.getName().equals(e.name())) {
          throw new BadInputException(
              zip + ": the archive's directory is inconsistent at entry \"" + e.name() + "\"");
        }
        Path dest = base.resolve(e.name()).normalize();
        if (e.isDirectory()) {
          Files.createDirectories(dest);
          requireInside(zip, e, base, dest, checkedDirs);
          continue;
        }
        Files.createDirectories(dest.getParent());
        requireInside(zip, e, base, dest.getParent(), checkedDirs);
        Path tmp = dest.resolveSibling("." + dest.getFileName() + ".jdino-extract");
        try (InputStream in = zf.getInputStream(ze);
            OutputStream out = Files.newOutputStream(tmp)) {
          byte[] buf = new byte[1 << 16];
          int n;
          while ((n = in.read(buf)) >= 0) {
            out.write(buf, 0, n);
            written += n;
            if (progress != null) {
              progress.accept(written);
            }
          }
        } catch (IOException ex) {
          Files.deleteIfExists(tmp);
          throw ex;
        }
        try {
          Files.move(
              tmp, dest, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException ex) {
          Files.move(tmp, dest, StandardCopyOption.REPLACE_EXISTING);
        }
        files++;
      }
    } catch (ZipException e) {
      throw new BadInputException(zip + ": damaged archive: " + e.getMessage(), e);
    }
    return new Result(files, written);
  }

  /** Refuses an unsafe entry by its name and type alone (nothing written yet). */
  static void check(Path zip, ZipDirectory.Entry e) {
    String name = e.name();
    if (name.isEmpty() || name.indexOf('\0') >= 0) {
      throw refuse(zip, name, "has an empty name or a NUL byte");
    }
    if (name.startsWith("/")
        || name.startsWith("\\")
        || (name.length() >= 2 && name.charAt(1) == ':' && Character.isLetter(name.charAt(0)))) {
      throw refuse(zip, name, "is an absolute path");
    }
    for (String part : name.split("[/\\\\]")) {
      if (part.equals("..")) {
        throw refuse(zip, name, "climbs out of the target folder with ..");
      }
    }
    if (e.isSymbolicLink()) {
      throw refuse(zip, name, "is a symbolic link");
    }
    if (e.isSpecial()) {
      throw refuse(zip, name, "is not a regular file or folder");
    }
  }

  /** The folder, as it really is on disk (links resolved), must lie under the target. */
  private static void requireInside(
      Path zip, ZipDirectory.Entry e, Path base, Path dir, Set<Path> checked) throws IOException {
    if (checked.contains(dir)) {
      return;
    }
    if (!dir.toRealPath().startsWith(base)) {
      throw refuse(zip, e.name(), "would be written through a link that leaves the target folder");
    }
    checked.add(dir);
  }

  private static BadInputException refuse(Path zip, String name, String why) {
    return new BadInputException(zip + ": refusing to extract: entry \"" + name + "\" " + why);
  }
}
