package dev.jdino.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jdino.io.Json;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jdino knn --objects}: COCO boxes become labelled crops; small boxes are left out. */
class KnnObjectsTest {
  @TempDir Path dir;

  /** One image with a red and a blue square (and a tiny box), and its COCO file. */
  private Path cocoSet(String name) throws Exception {
    Path images = Files.createDirectories(dir.resolve(name));
    BufferedImage img = new BufferedImage(96, 48, BufferedImage.TYPE_3BYTE_BGR);
    Graphics2D g = img.createGraphics();
    g.setColor(Color.RED);
    g.fillRect(0, 0, 48, 48);
    g.setColor(Color.BLUE);
    g.fillRect(48, 0, 48, 48);
    g.dispose();
    ImageIO.write(img, "png", images.resolve("a.png").toFile());
    Files.writeString(
        images.resolve("ann.json"),
        """
        {"images": [{"id": 1, "file_name": "a.png", "width": 96, "height": 48}],
         "annotations": [
           {"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 48, 48], "area": 2304, "iscrowd": 0},
           {"id": 2, "image_id": 1, "category_id": 2, "bbox": [48, 0, 48, 48], "area": 2304, "iscrowd": 0},
           {"id": 3, "image_id": 1, "category_id": 2, "bbox": [60, 10, 5, 5], "area": 25, "iscrowd": 0}],
         "categories": [{"id": 1, "name": "red"}, {"id": 2, "name": "blue"}]}\
        """);
    return images.resolve("ann.json");
  }

  @Test
  void classifiesObjectCrops() throws Exception {
    Path ckpt = DiscoverCommandTest.tinyBackbone(dir.resolve("tiny.safetensors"));
    Path train = cocoSet("train");
    Path test = cocoSet("test");
    Path out = dir.resolve("knn.json");
    TrainCommandTest.Result r =
        TrainCommandTest.jdino(
            "knn",
            "--checkpoint",
            ckpt.toString(),
            "--train-data",
            "coco:" + train,
            "--test-data",
            "coco:" + test,
            "--objects",
            "--min-object-size",
            "16",
            "--k",
            "1",
            "--output",
            out.toString(),
            "--threads",
            "1");
    assertEquals(0, r.code(), r.err() + r.out());
    JsonNode j = Json.read(out);
    // the 5 px box is below --min-object-size: two crops on each side
    assertEquals(2, j.get("train_images").asInt());
    assertEquals(2, j.get("test_images").asInt());
    // identical crops: each test object's nearest neighbour is its own twin
    assertEquals(100.0, j.get("results").get(0).get("top1").asDouble(), 1e-9);
  }

  @Test
  void objectsNeedCocoData() {
    TrainCommandTest.Result r =
        TrainCommandTest.jdino(
            "knn",
            "--checkpoint",
            dir.toString(),
            "--train-data",
            "fmnist-sample",
            "--test-data",
            "fmnist-sample:test",
            "--objects");
    assertEquals(2, r.code(), r.err());
  }
}
