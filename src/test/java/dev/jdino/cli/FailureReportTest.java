package dev.jdino.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the command line reports a failure: one line and a status, or a stack trace for a bug. */
class FailureReportTest {
  private static String reported(Throwable e, int status) {
    StringWriter w = new StringWriter();
    assertEquals(status, Main.report(e, new PrintWriter(w), "rank 1 of 2: "));
    String text = w.toString();
    assertEquals(1, text.lines().count(), text);
    assertTrue(text.startsWith("jdino: error: rank 1 of 2: "), text);
    return text.strip().substring("jdino: error: rank 1 of 2: ".length());
  }

  @Test
  void theSystemRefusingAWriteIsOneLineNamingThePathAndWhy() {
    assertEquals(
        "/data/run/.checkpoint.safetensors.1.tmp: No space left on device",
        reported(
            new FileSystemException(
                "/data/run/.checkpoint.safetensors.1.tmp", null, "No space left on device"),
            Main.IO_FAILURE));
    assertEquals(
        "/tmp/afile: exists, where a folder or a new file was needed",
        reported(new FileAlreadyExistsException("/tmp/afile"), Main.IO_FAILURE));
    assertEquals(
        "/srv/images: permission denied",
        reported(new AccessDeniedException("/srv/images"), Main.IO_FAILURE));
    assertEquals(
        "/a -> /b: no such file or folder",
        reported(new NoSuchFileException("/a", "/b", null), Main.IO_FAILURE));
    // wrapped, as a stream or a worker thread passes it on
    assertEquals(
        "I/O failure: Input/output error",
        reported(
            new ExecutionException(new UncheckedIOException(new IOException("Input/output error"))),
            Main.IO_FAILURE));
    assertEquals("I/O failure: IOException", reported(new IOException(), Main.IO_FAILURE));
  }

  private static String parseError(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    assertEquals(Main.BAD_INPUT, Main.run(new PrintWriter(out), new PrintWriter(err), args));
    assertEquals(1, err.toString().lines().count(), err.toString());
    return err.toString().strip();
  }

  @Test
  void aMistypedOptionGetsTheClosestNamesOnly() {
    assertEquals(
        "jdino: error: Unknown options: '--out', '/tmp/x'; did you mean --output-dir or --out-dim?"
            + " (see 'jdino train --help')",
        parseError("train", "--out", "/tmp/x"));
    assertTrue(
        parseError("train", "--batchsize=3")
            .contains("'--batchsize=3'; did you mean --batch-size?"));
    assertTrue(
        parseError("knn", "--checkpoint", "x", "--flors").contains("did you mean --floors?"));
    assertTrue(parseError("trian").contains("'trian'; did you mean train? (see"));
    // nothing near: no guess (picocli's own ranking offers --bottleneck-dim)
    assertEquals(
        "jdino: error: Unknown option: '--bogus' (see 'jdino train --help')",
        parseError("train", "--bogus"));
  }

  @Test
  void editDistanceCountsSingleCharacterEdits() {
    assertEquals(0, Main.editDistance("--epochs", "--epochs"));
    assertEquals(1, Main.editDistance("--epoch", "--epochs"));
    assertEquals(2, Main.editDistance("trian", "train"));
    assertEquals(3, Main.editDistance("kitten", "sitting"));
    assertEquals(5, Main.editDistance("", "abcde"));
  }

  @Test
  void aBugIsNotSwallowed() {
    StringWriter w = new StringWriter();
    assertNull(Main.report(new IllegalStateException("bug"), new PrintWriter(w), ""));
    // only an I/O failure itself, or one passed on unchanged, is the environment's
    assertNull(
        Main.report(new IllegalStateException(new IOException("x")), new PrintWriter(w), ""));
    assertEquals("", w.toString());
  }

  @Test
  void aJsonPathThroughAFileIsRefusedBeforeTheBenchmarkRuns(@TempDir Path tmp) throws Exception {
    Path file = Files.writeString(tmp.resolve("afile"), "mine");
    TrainCommandTest.Result r =
        TrainCommandTest.jdino(
            "bench",
            "data",
            "--data",
            "fmnist-sample",
            "--batches",
            "1",
            "--warmup",
            "0",
            "--json",
            file.resolve("x.json").toString());
    assertEquals(Main.BAD_INPUT, r.code(), r.err());
    assertTrue(
        r.err()
            .contains(
                "jdino: error: --json " + file.resolve("x.json") + ": " + file + " is a file"),
        r.err());
    assertFalse(r.out().contains("source images/s"), "refused before measuring: " + r.out());
    assertEquals("mine", Files.readString(file));
    // the same for a training run's folder and a picture folder
    r =
        TrainCommandTest.jdino(
            "train", "--data", "fmnist-sample", "--output-dir", file.resolve("run").toString());
    assertEquals(Main.BAD_INPUT, r.code(), r.err());
    assertTrue(
        r.err().contains("--output-dir " + file.resolve("run") + ": " + file + " is a file"),
        r.err());
    assertEquals("mine", Files.readString(file));
  }
}
