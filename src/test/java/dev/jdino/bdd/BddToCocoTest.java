package dev.jdino.bdd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jdino.data.CocoDataset;
import dev.jdino.data.DataSources;
import dev.jdino.io.BadInputException;
import dev.jdino.io.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** BDD100K labels in both layouts to COCO. */
class BddToCocoTest {
  @TempDir Path dir;

  @Test
  void legacyLayoutConvertsWithEveryRule() throws Exception {
    Path split = BddFixtures.legacySplit(dir.resolve("100k/train"));
    Path out = split.resolve("_annotations.coco.json");
    BddToCoco.Summary s = BddToCoco.convert("train", split, split, out);
    JsonNode coco = Json.read(out);
    CocoLayout.validate(coco);
    checkContent(coco);
    assertEquals("legacy", s.layout());
    assertEquals(4, s.frames());
    assertEquals(2, s.images());
    assertEquals(4, s.boxes());
    assertEquals(
        Map.of(BddToCoco.IMAGE_MISSING, 1, BddToCoco.LABELS_UNREADABLE, 1), s.skippedImages());
    assertEquals(
        Map.of(
            BddToCoco.NO_BOX,
            2,
            BddToCoco.OTHER_CATEGORY,
            1,
            BddToCoco.ZERO_AREA,
            1,
            BddToCoco.INVALID_BOX,
            1,
            BddToCoco.IMAGE_SKIPPED,
            1),
        s.skippedLabels());
    assertEquals(Map.of("other vehicle", 1), s.otherCategories());
    assertEquals(1, s.boxesPerCategory().get("car"));
    assertEquals(0, s.boxesPerCategory().get("bus"));
    assertEquals(BddCategories.NAMES, List.copyOf(s.boxesPerCategory().keySet()));
    JsonNode saved = Json.read(BddToCoco.summaryFile(out));
    assertEquals(4, saved.get("boxes").asInt());
    assertEquals(1, saved.get("skippedImages").get(BddToCoco.IMAGE_MISSING).asInt());
    assertTrue(s.describe().contains("skipped labels:"), s.describe());

    // The result is a training source with the default image root (its own folder) ...
    CocoDataset ds = (CocoDataset) DataSources.open("coco:" + out);
    assertEquals(2, ds.size());
    assertEquals(48, ds.load(0).height());
    // ... and an object set: boxes >= 10 px on the shorter side: car 19.5x15, person 14x38,
    // sign 10x10, motorcycle 40x30.
    assertEquals(4, DataSources.openObjects("coco:" + out, 10).size());
    assertEquals(2, DataSources.openObjects("coco:" + out, 15).size());
  }

  /** What a.jpg and b.jpg must have become. */
  static void checkContent(JsonNode coco) {
    JsonNode images = coco.get("images");
    assertEquals("a.jpg", images.get(0).get("file_name").asText());
    assertEquals(64, images.get(0).get("width").asInt());
    assertEquals(48, images.get(0).get("height").asInt());
    assertEquals(40, images.get(1).get("width").asInt());
    assertEquals(10, coco.get("categories").size());
    assertEquals("traffic sign", coco.get("categories").get(9).get("name").asText());
    JsonNode a = coco.get("annotations");
    double[][] want = {{10.5, 5, 19.5, 15}, {50, 10, 14, 38}, {20, 30, 10, 10}, {0, 0, 40, 30}};
    int[] cats = {3, 1, 10, 7};
    int[] imgs = {1, 1, 1, 2};
    for (int i = 0; i < 4; i++) {
      double[] got = new double[4];
      for (int k = 0; k < 4; k++) {
        got[k] = a.get(i).get("bbox").get(k).asDouble();
      }
      assertArrayEquals(want[i], got, 1e-12, "annotation " + i);
      assertEquals(cats[i], a.get(i).get("category_id").asInt());
      assertEquals(imgs[i], a.get(i).get("image_id").asInt());
      assertEquals(i + 1, a.get(i).get("id").asInt());
    }
  }

  @Test
  void currentLayoutListConvertsTheSame() throws Exception {
    Path images = dir.resolve("images/100k/val");
    BddFixtures.images(images);
    Path list = dir.resolve("labels/bdd100k_labels_images_val.json");
    Files.createDirectories(list.getParent());
    Files.writeString(
        list,
        "[{\"name\": \"a.jpg\", \"attributes\": {}, \"labels\": "
            + BddFixtures.A_LABELS
            + "}, {\"name\": \"b.jpg\", \"labels\": "
            + BddFixtures.B_LABELS
            + "}, {\"name\": \"c.jpg\", \"labels\": null}]");
    Path out = dir.resolve("coco/val.json");
    BddToCoco.Summary s = BddToCoco.convert("val", list, images, out);
    JsonNode coco = Json.read(out);
    CocoLayout.validate(coco);
    checkContent(coco);
    assertEquals("current", s.layout());
    assertEquals(Map.of(BddToCoco.IMAGE_MISSING, 1), s.skippedImages());
    // The COCO file lies elsewhere: the images need an explicit root.
    assertEquals(2, DataSources.open("coco:" + out + ":" + images).size());
  }

  @Test
  void labelNamesCannotReachOutsideTheImageFolder() throws Exception {
    Path images = dir.resolve("imgs");
    BddFixtures.images(images);
    Path list =
        Files.writeString(
            dir.resolve("evil.json"), "[{\"name\": \"../../etc/passwd\", \"labels\": []}]");
    BadInputException e =
        assertThrows(
            BadInputException.class,
            () -> BddToCoco.convert("x", list, images, dir.resolve("out.json")));
    assertTrue(e.getMessage().contains("points outside the image root"), e.getMessage());
    Files.writeString(list, "{\"not\": \"a list\"}");
    e =
        assertThrows(
            BadInputException.class,
            () -> BddToCoco.convert("x", list, images, dir.resolve("out.json")));
    assertTrue(e.getMessage().contains("expected a JSON list"), e.getMessage());
  }

  @Test
  void labelsThatConvertNoImageWriteNothing() throws Exception {
    Path images = dir.resolve("imgs");
    BddFixtures.images(images);
    Path out = dir.resolve("out.json");
    Path empty = Files.writeString(dir.resolve("empty.json"), "[]");
    BadInputException e =
        assertThrows(BadInputException.class, () -> BddToCoco.convert("x", empty, images, out));
    assertEquals(empty + ": lists no frames; nothing written", e.getMessage());
    Path missing =
        Files.writeString(
            dir.resolve("missing.json"),
            "[{\"name\": \"x.jpg\", \"labels\": [{\"category\": \"car\"}]}]");
    e = assertThrows(BadInputException.class, () -> BddToCoco.convert("x", missing, images, out));
    assertEquals(
        missing
            + ": its one frame has no readable image in "
            + images
            + " {image file missing=1}; nothing written",
        e.getMessage());
    Files.writeString(
        missing, "[{\"name\": \"x.jpg\", \"labels\": []}, {\"name\": \"y.jpg\", \"labels\": []}]");
    e = assertThrows(BadInputException.class, () -> BddToCoco.convert("x", missing, images, out));
    assertEquals(
        missing
            + ": none of its 2 frames has a readable image in "
            + images
            + " {image file missing=2}; nothing written",
        e.getMessage());
    assertFalse(Files.exists(out));
  }

  @Test
  void categoryNamesMapToTheTenClasses() {
    assertEquals(1, BddCategories.id("person"));
    assertEquals(1, BddCategories.id("Pedestrian"));
    assertEquals(7, BddCategories.id("motor"));
    assertEquals(8, BddCategories.id("bike"));
    assertEquals(9, BddCategories.id("traffic light"));
    assertEquals(0, BddCategories.id("lane"));
    assertEquals(0, BddCategories.id(null));
  }
}
