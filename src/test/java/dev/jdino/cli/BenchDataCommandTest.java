package dev.jdino.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jdino.io.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
            "--compare-full-decode",
            "--json",
            dir.resolve("data.json").toString());
    assertEquals(0, r.code(), r.err() + r.out());
    try (Stream<Path> s = Files.list(frames)) {
      assertEquals(6, s.filter(p -> p.toString().endsWith(".jpg")).count());
    }
    assertTrue(r.out().contains("decode rule: shorter side >= 45 px"), r.out());
    assertTrue(r.out().contains("a 1280x720 frame decodes at 1/16"), r.out());
    assertTrue(r.out().contains("reduced-resolution decode: "), r.out());
    assertTrue(r.out().contains("full-resolution decode: "), r.out());
    JsonNode j = Json.read(dir.resolve("data.json"));
    assertEquals(45, j.path("min_source_side").asInt());
    assertEquals(6, j.path("images").asInt());
    for (String k : new String[] {"reduced_decode", "full_decode"}) {
      Matcher m =
          Pattern.compile(
                  k.replace("_decode", "") + "-resolution decode: ([0-9.]+) source images/s")
              .matcher(r.out());
      assertTrue(m.find(), r.out());
      assertEquals(Double.parseDouble(m.group(1)), j.path(k).path("images_per_s").asDouble(), 0.05);
      assertTrue(j.path(k).path("decode_ms_per_image").asDouble() > 0, j.toString());
    }
    r = TrainCommandTest.jdino("bench", "data", "--make-jpegs", "2");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("--make-jpegs needs --dir"), r.err());
    r = TrainCommandTest.jdino("bench", "data", "--data", "fmnist-sample", "--warmup", "-1");
    assertEquals(2, r.code());
    assertEquals("jdino: error: --warmup -1: expected 0 or more batches", r.err().strip());
  }
}
