package dev.jdino.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jdino.bdd.BddFixtures;
import dev.jdino.bdd.LocalServer;
import dev.jdino.bdd.Zips;
import dev.jdino.io.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code jdino bdd download} against a loopback server, then {@code jdino bdd2coco}. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BddCommandTest {
  @TempDir Path dir;

  static TrainCommandTest.Result jdino(String... args) {
    return TrainCommandTest.jdino(args);
  }

  @Test
  void downloadExtractsAndSkipsWhatIsDone() throws Exception {
    Map<String, byte[]> e = new LinkedHashMap<>();
    e.put("100k/train/a.json", Zips.text("{}"));
    e.put("100k/val/b.json", Zips.text("{}"));
    byte[] zip = Zips.of(e);
    Path save = dir.resolve("bdd");
    try (LocalServer s = new LocalServer("bdd100k_labels.zip", zip)) {
      s.cutFirst = 1; // the first transfer is cut: the command resumes it
      String url = s.uri("bdd100k_labels.zip", false).toString();
      TrainCommandTest.Result r =
          jdino(
              "bdd",
              "download",
              "--save-dir",
              save.toString(),
              "--components",
              "labels",
              "--labels-url",
              url,
              "--retry-delay",
              "0");
      assertEquals(0, r.code(), r.err() + r.out());
      assertTrue(r.out().contains("(resumed)"), r.out());
      assertTrue(r.out().contains("extracted 2 files"), r.out());
      assertTrue(Files.isRegularFile(save.resolve("100k/train/a.json")));
      assertFalse(Files.exists(save.resolve("bdd100k_labels.zip")), "archive removed");
      assertTrue(r.out().contains("next: jdino bdd2coco --root " + save.resolve("100k")));
      int requests = s.ranges.size();
      r =
          jdino(
              "bdd",
              "download",
              "--save-dir",
              save.toString(),
              "--components",
              "labels",
              "--labels-url",
              url);
      assertEquals(0, r.code(), r.err());
      assertTrue(r.out().contains("already downloaded and extracted"), r.out());
      assertEquals(requests, s.ranges.size());
    }
  }

  @Test
  void maliciousArchiveAndBadChecksumFailCleanly() throws Exception {
    byte[] evil = Zips.of(Map.of("../../escaped.txt", Zips.text("gotcha")));
    Path save = dir.resolve("bdd");
    try (LocalServer s = new LocalServer("evil.zip", evil)) {
      String url = s.uri("evil.zip", false).toString();
      TrainCommandTest.Result r =
          jdino(
              "bdd",
              "download",
              "--save-dir",
              save.toString(),
              "--components",
              "images",
              "--images-url",
              url);
      assertEquals(2, r.code(), r.out());
      assertTrue(r.err().contains("entry \"../../escaped.txt\" climbs out"), r.err());
      assertFalse(Files.exists(dir.resolve("escaped.txt")));
      Files.delete(save.resolve("evil.zip"));
      r =
          jdino(
              "bdd",
              "download",
              "--save-dir",
              save.toString(),
              "--components",
              "images",
              "--images-url",
              url,
              "--images-sha256",
              "00ff");
      assertEquals(2, r.code(), r.out());
      assertTrue(r.err().contains("SHA-256 mismatch"), r.err());
    }
    TrainCommandTest.Result r = jdino("bdd", "download", "--components", "maps");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("expected images and/or labels"), r.err());
  }

  @Test
  void bdd2cocoConvertsEverySplitUnderTheRoot() throws Exception {
    Path root = dir.resolve("100k");
    BddFixtures.legacySplit(root.resolve("train"));
    BddFixtures.legacySplit(root.resolve("valid"));
    BddFixtures.images(root.resolve("test"));
    TrainCommandTest.Result r = jdino("bdd2coco", "--root", root.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("test: no label files"), r.out());
    assertTrue(r.out().contains("train (legacy labels): 2 images, 4 boxes"), r.out());
    for (String split : new String[] {"train", "valid"}) {
      JsonNode coco = Json.read(root.resolve(split).resolve(Bdd2CocoCommand.OUTPUT_NAME));
      assertEquals(4, coco.get("annotations").size());
      assertTrue(
          Files.isRegularFile(root.resolve(split).resolve("_annotations.coco.summary.json")));
    }
    // Converting again ignores its own outputs in the label folder.
    r = jdino("bdd2coco", "--root", root.toString());
    assertTrue(r.out().contains("train (legacy labels): 2 images, 4 boxes"), r.out());

    Path list = dir.resolve("train.json");
    Files.writeString(list, "[{\"name\": \"a.jpg\", \"labels\": " + BddFixtures.B_LABELS + "}]");
    Path out = dir.resolve("coco/train.json");
    r =
        jdino(
            "bdd2coco",
            "--labels",
            list.toString(),
            "--images",
            root.resolve("train").toString(),
            "--output",
            out.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("train (current labels): 1 image, 1 box"), r.out());
    r = jdino("bdd2coco", "--labels", list.toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("--labels and --images go together"), r.err());
  }

  @Test
  void bdd2cocoNeverReplacesAnnotationsItDidNotWrite() throws Exception {
    Path root = dir.resolve("100k");
    BddFixtures.legacySplit(root.resolve("train"));
    BddFixtures.legacySplit(root.resolve("val"));
    // another tool's COCO file under the same name (Roboflow's), in the second split
    Path theirs = root.resolve("val").resolve(Bdd2CocoCommand.OUTPUT_NAME);
    Files.writeString(theirs, "{\"images\": [], \"annotations\": [], \"by\": \"roboflow\"}");
    TrainCommandTest.Result r = jdino("bdd2coco", "--root", root.toString());
    assertEquals(2, r.code(), r.out());
    assertTrue(r.err().contains(theirs + " exists and was not written by jdino bdd2coco"), r.err());
    assertTrue(r.err().contains("--force"), r.err());
    assertTrue(Files.readString(theirs).contains("roboflow"));
    // checked before any split is written: the first split is not converted either
    assertFalse(Files.exists(root.resolve("train").resolve(Bdd2CocoCommand.OUTPUT_NAME)));
    r = jdino("bdd2coco", "--root", root.toString(), "--force");
    assertEquals(0, r.code(), r.err());
    assertEquals(4, Json.read(theirs).get("annotations").size());
    // its own output, with the summary beside it, is converted again without --force
    r = jdino("bdd2coco", "--root", root.toString());
    assertEquals(0, r.code(), r.err());
  }
}
