package dev.jdino.bdd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Checks a COCO detection file against the layout (the BDD100K label formats and COCO's detection
 * format).
 */
final class CocoLayout {
  private CocoLayout() {}

  static void validate(JsonNode coco) {
    for (String key : new String[] {"images", "annotations", "categories"}) {
      assertTrue(coco.path(key).isArray(), key + " must be a list");
    }
    Set<Integer> categories = new HashSet<>();
    for (JsonNode c : coco.get("categories")) {
      assertTrue(c.path("id").isInt() && c.path("id").asInt() >= 1, "category id from 1: " + c);
      assertTrue(c.path("name").isTextual(), "category name: " + c);
      assertTrue(categories.add(c.get("id").asInt()), "category ids unique: " + c);
    }
    Map<Integer, int[]> sizes = new HashMap<>();
    for (JsonNode i : coco.get("images")) {
      assertTrue(i.path("id").isInt(), "image id: " + i);
      assertTrue(i.path("file_name").isTextual(), "file_name: " + i);
      assertTrue(i.path("width").isInt() && i.path("width").asInt() > 0, "width: " + i);
      assertTrue(i.path("height").isInt() && i.path("height").asInt() > 0, "height: " + i);
      assertTrue(
          sizes.put(
                  i.get("id").asInt(), new int[] {i.get("width").asInt(), i.get("height").asInt()})
              == null,
          "image ids unique: " + i);
    }
    Set<Integer> ids = new HashSet<>();
    for (JsonNode a : coco.get("annotations")) {
      assertTrue(a.path("id").isInt() && ids.add(a.get("id").asInt()), "annotation id: " + a);
      int[] wh = sizes.get(a.path("image_id").asInt(-1));
      assertTrue(a.path("image_id").isInt() && wh != null, "image_id names an image: " + a);
      assertTrue(categories.contains(a.path("category_id").asInt(-1)), "category_id: " + a);
      JsonNode b = a.path("bbox");
      assertTrue(b.isArray() && b.size() == 4, "bbox [x, y, w, h]: " + a);
      for (JsonNode v : b) {
        assertTrue(v.isNumber(), "bbox numbers: " + a);
      }
      double x = b.get(0).asDouble();
      double y = b.get(1).asDouble();
      double w = b.get(2).asDouble();
      double h = b.get(3).asDouble();
      assertTrue(x >= 0 && y >= 0 && w > 0 && h > 0, "bbox inside and non-empty: " + a);
      assertTrue(x + w <= wh[0] + 1e-9 && y + h <= wh[1] + 1e-9, "bbox within the image: " + a);
      assertEquals(w * h, a.path("area").asDouble(), 1e-9, "area = w * h: " + a);
      assertTrue(a.path("iscrowd").isInt() && a.get("iscrowd").asInt() == 0, "iscrowd 0: " + a);
    }
  }
}
