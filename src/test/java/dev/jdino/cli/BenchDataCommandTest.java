package dev.jdino.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jdino bench data} on a handful of synthetic frames (a smoke test, not a benchmark). */
class BenchDataCommandTest {
  @TempDir Path dir;

  @Test
  void makesFramesAndMeasuresThePipeline() throws Exception {
    Path frames = dir.resolve("frames");
    TrainCommandTest.Result r =
        TrainCommandTest.jdino(
            "bench",
            "data",
            "--make-jpegs",
            "6",
            "--dir",
            frames.toString(),
            "--jpeg-size",
            "320x180",
            "--batch-size",
            "3",
            "--batches",
            "2",
            "--warmup",
            "1",
            "--num-workers",
            "2",
            "--compare-full-decode");
    assertEquals(0, r.code(), r.err() + r.out());
    try (Stream<Path> s = Files.list(frames)) {
      assertEquals(6, s.filter(p -> p.toString().endsWith(".jpg")).count());
    }
    assertTrue(r.out().contains("decode rule: shorter side >= 45 px"), r.out());
    assertTrue(r.out().contains("a 1280x720 frame decodes at 1/16"), r.out());
    assertTrue(r.out().contains("reduced-resolution decode: "), r.out());
    assertTrue(r.out().contains("full-resolution decode: "), r.out());
    r = TrainCommandTest.jdino("bench", "data", "--make-jpegs", "2");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("--make-jpegs needs --dir"), r.err());
  }
}
