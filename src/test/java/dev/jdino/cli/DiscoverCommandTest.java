package dev.jdino.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jdino.io.Json;
import dev.jdino.io.Safetensors;
import dev.jdino.model.Backbone;
import dev.jdino.model.VitConfig;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jdino discover} end to end on a tiny backbone and a two-image COCO set. */
class DiscoverCommandTest {
  @TempDir Path dir;

  /** A flat backbone file, as Snapshots writes them, of a random tiny ViT. */
  static Path tinyBackbone(Path file) throws Exception {
    VitConfig cfg = new VitConfig(16, 4, 16, 1, 2, 2.0, true, 0);
    try (Backbone b = Backbone.random(cfg, 3)) {
      ObjectNode meta = Json.object();
      meta.set("vit", Json.MAPPER.valueToTree(cfg));
      Safetensors.write(file, b.parameters().named(), Map.of("jdino", Json.compact(meta)));
    }
    return file;
  }

  @Test
  void scoresCheckpointAndRandomFloor() throws Exception {
    Path ckpt = tinyBackbone(dir.resolve("tiny.safetensors"));
    Path images = Files.createDirectories(dir.resolve("set"));
    for (String n : new String[] {"a.jpg", "b.jpg", "c.jpg"}) {
      ImageIO.write(
          new BufferedImage(64, 48, BufferedImage.TYPE_3BYTE_BGR),
          "jpg",
          images.resolve(n).toFile());
    }
    // Whole-image boxes: whatever the mask's component, its box overlaps a full-frame box with
    // IoU = its own area share; c.jpg has no box and is left out.
    Files.writeString(
        images.resolve("ann.json"),
        """
        {"images": [{"id": 1, "file_name": "a.jpg", "width": 64, "height": 48},
                    {"id": 2, "file_name": "b.jpg", "width": 64, "height": 48},
                    {"id": 3, "file_name": "c.jpg", "width": 64, "height": 48}],
         "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 64, 48]},
                         {"id": 2, "image_id": 2, "category_id": 1, "bbox": [0, 0, 64, 48]}],
         "categories": [{"id": 1, "name": "thing"}]}\
        """);
    Path out = dir.resolve("discover.json");
    TrainCommandTest.Result r =
        TrainCommandTest.jdino(
            "discover",
            "--checkpoint",
            ckpt.toString(),
            "--data",
            "coco:" + images.resolve("ann.json"),
            "--image-size",
            "24",
            "--output",
            out.toString(),
            "--threads",
            "1");
    assertEquals(0, r.code(), r.err() + r.out());
    assertTrue(r.out().contains("checkpoint CorLoc"), r.out());
    assertTrue(r.out().contains("random     CorLoc"), r.out());
    JsonNode j = Json.read(out);
    assertEquals(1, j.get("images_without_boxes").asInt());
    assertEquals(2, j.get("scores").size());
    for (JsonNode s : j.get("scores")) {
      assertEquals(2, s.get("images").asInt());
      double c = s.get("corloc_head_mean").asDouble();
      assertTrue(c >= 0 && c <= 1, "CorLoc " + c);
      assertTrue(s.get("corloc_best_head").asDouble() >= c, "best head is an upper bound");
    }

    r =
        TrainCommandTest.jdino(
            "discover", "--checkpoint", ckpt.toString(), "--data", images.toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("discover needs boxes"), r.err());
  }
}
