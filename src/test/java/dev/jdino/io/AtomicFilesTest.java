package dev.jdino.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Atomic writes: failures name the file asked for, and what a killed write leaves is found. */
class AtomicFilesTest {
  @Test
  void aFolderInTheWayIsNamedNotTheTemporaryFile(@TempDir Path dir) throws Exception {
    Path target = Files.createDirectory(dir.resolve("d.safetensors"));
    FileSystemException e =
        assertThrows(FileSystemException.class, () -> AtomicFiles.writeString(target, "x"));
    assertEquals(target.toString(), e.getFile());
    assertEquals("is a folder; a file was expected", e.getReason());
    try (var s = Files.list(dir)) {
      assertEquals(List.of(target), s.toList(), "no temporary file left");
    }
  }

  /** A full disk: the stream's bare "No space left on device" becomes the target's failure. */
  @Test
  void aStreamFailureNamesTheTargetAndLeavesThePreviousFile(@TempDir Path dir) throws Exception {
    Path target = Files.writeString(dir.resolve("checkpoint.safetensors"), "the last good one");
    FileSystemException e =
        assertThrows(
            FileSystemException.class,
            () ->
                AtomicFiles.write(
                    target,
                    out -> {
                      out.write(new byte[3 << 20]);
                      throw new IOException("No space left on device");
                    }));
    assertEquals(target.toString(), e.getFile());
    assertTrue(
        e.getReason()
            .matches(
                "cannot be written: No space left on device after 3\\.0 MiB; [0-9.]+ MiB free"
                    + " there once the partial file is removed; the previous file is untouched"),
        e.getReason());
    assertEquals("No space left on device", e.getCause().getMessage());
    assertEquals("the last good one", Files.readString(target));
    try (var s = Files.list(dir)) {
      assertEquals(List.of(target), s.toList(), "no temporary file left");
    }
  }

  @Test
  void leftoversOfKilledWritesAreTheirTemporaryFilesOnly(@TempDir Path dir) throws Exception {
    Path partial = Files.writeString(dir.resolve(".checkpoint.safetensors.8812345.tmp"), "half");
    Path other = Files.writeString(dir.resolve(".notes.txt.12.tmp"), "not ours to name");
    Files.writeString(dir.resolve("checkpoint.safetensors.tmp"), "the user's");
    Files.writeString(dir.resolve(".checkpoint.safetensors.x1.tmp"), "not a write of ours");
    AtomicFiles.writeString(dir.resolve("checkpoint.safetensors"), "whole");
    assertEquals(
        List.of(partial),
        AtomicFiles.leftovers(dir, name -> name.equals("checkpoint.safetensors")));
    assertEquals(
        List.of(partial, other).stream().sorted().toList(), AtomicFiles.leftovers(dir, n -> true));
    assertTrue(AtomicFiles.leftovers(dir.resolve("missing"), n -> true).isEmpty());
  }
}
