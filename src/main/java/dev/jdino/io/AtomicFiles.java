package dev.jdino.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Writes files so that a reader (or a crash) never sees a half-written one: the content goes to a
 * temporary file in the same directory, is flushed to disk, and is then renamed over the target.
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  /** Something that writes a file's whole content to a stream. */
  @FunctionalInterface
  public interface Writer {
    void write(OutputStream out) throws IOException;
  }

  /**
   * Atomically replaces {@code target} with what {@code writer} produces.
   *
   * @throws IOException naming {@code target}, not the temporary file, when the system refuses
   */
  public static void write(Path target, Writer writer) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    if (Files.isDirectory(target)) {
      throw new FileSystemException(target.toString(), null, "is a folder; a file was expected");
    }
    Path tmp;
    try {
      tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", TMP);
    } catch (FileSystemException e) {
      throw new FileSystemException(target.toString(), null, reason(e));
    }
    try {
      shareable(tmp, target);
      try {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
          writer.write(out);
        }
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
          ch.force(true);
        }
      } catch (IOException e) {
        if (e instanceof FileSystemException) {
          throw e;
        }
        // A stream's failure ("No space left on device") names no file; say which one, and how
        // far it got, so a full disk reads as such and not as a bare I/O failure.
        long written = Files.exists(tmp) ? Files.size(tmp) : 0;
        Files.deleteIfExists(tmp);
        FileSystemException named =
            new FileSystemException(
                target.toString(),
                null,
                String.format(
                    Locale.ROOT,
                    "cannot be written: %s after %.1f MiB; %.1f MiB free there once the partial"
                        + " file is removed%s",
                    e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName(),
                    written / 1048576.0,
                    Files.getFileStore(dir).getUsableSpace() / 1048576.0,
                    Files.exists(target) ? "; the previous file is untouched" : ""));
        named.initCause(e);
        throw named;
      }
      try {
        Files.move(
            tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (FileSystemException e) {
      throw e.getFile() != null && e.getFile().equals(tmp.toString())
          ? new FileSystemException(target.toString(), null, reason(e))
          : e;
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * Temporary files are created owner-only; what replaces a file keeps its permissions, and a new
   * file gets the usual rw-r--r-- (checkpoints and reports are meant to be shared).
   */
  private static void shareable(Path tmp, Path target) throws IOException {
    if (!tmp.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      return;
    }
    Set<PosixFilePermission> perms =
        Files.exists(target)
            ? Files.getPosixFilePermissions(target)
            : PosixFilePermissions.fromString("rw-r--r--");
    Files.setPosixFilePermissions(tmp, perms);
  }

  private static final String TMP = ".tmp";

  /** A temporary file of {@link #write}: "." + the target's name + "." + digits + ".tmp". */
  private static final Pattern TEMPORARY = Pattern.compile("\\.(.+)\\.\\d+\\.tmp");

  private static String reason(FileSystemException e) {
    return e.getReason() != null ? e.getReason() : e.getClass().getSimpleName();
  }

  /**
   * The temporary files that writes of {@code dir}'s files named as {@code ofTarget} accepts left
   * behind when their process was killed (the target itself was never touched).
   */
  public static List<Path> leftovers(Path dir, Predicate<String> ofTarget) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(
              f -> {
                Matcher m = TEMPORARY.matcher(f.getFileName().toString());
                return m.matches() && ofTarget.test(m.group(1)) && Files.isRegularFile(f);
              })
          .sorted()
          .toList();
    }
  }

  /** Atomically replaces {@code target} with {@code text} (UTF-8). */
  public static void writeString(Path target, String text) throws IOException {
    write(target, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
  }
}
