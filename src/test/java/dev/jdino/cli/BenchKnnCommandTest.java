package dev.jdino.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jdino.io.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jdino bench knn} on the bundled sample: what it reports, and its JSON. */
class BenchKnnCommandTest {
  @Test
  void reportsExtractionSearchAndAccuracyAndWritesThemAsJson(@TempDir Path tmp) throws Exception {
    Path json = tmp.resolve("knn-bench.json");
    String[] args = {
      "bench", "knn", "--data", "fmnist-sample", "--k", "5,20", "--json", json.toString()
    };
    TrainCommandTest.Result r = TrainCommandTest.jdino(args);
    assertEquals(0, r.code(), r.err() + r.out());
    String out = r.out();
    Matcher m = Pattern.compile("whole k-NN evaluation: ([0-9.]+) s").matcher(out);
    assertTrue(m.find(), out);
    JsonNode j = Json.read(json);
    assertEquals("jdino bench knn", j.path("command").asText());
    assertEquals(Double.parseDouble(m.group(1)), j.path("total_seconds").asDouble(), 0.05);
    assertEquals(
        j.path("extraction_seconds").asDouble() + j.path("search_seconds").asDouble(),
        j.path("total_seconds").asDouble(),
        1e-9);
    assertEquals(2, j.path("scores").size());
    for (JsonNode s : j.path("scores")) {
      String line =
          String.format(
              java.util.Locale.ROOT,
              "  k=%d: top-1 %.2f, top-5 %.2f",
              s.path("k").asInt(),
              s.path("top1").asDouble(),
              s.path("top5").asDouble());
      assertTrue(out.contains(line), line + " not in " + out);
    }
    // the bundled sample: 5,000 training and 1,000 test images
    assertEquals(5000, j.path("train_images").asInt());
    assertEquals(1000, j.path("test_images").asInt());
    // run again: the first file is kept beside the new one
    r = TrainCommandTest.jdino(args);
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("kept the previous results as "), r.out());
    try (var files = Files.list(tmp)) {
      assertEquals(2, files.count());
    }
  }
}
