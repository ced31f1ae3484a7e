package dev.jdino.bdd;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * BDD100K's 10 detection classes, COCO ids 1..10 in the reference's order, and the names the legacy
 * (2018) labels use for three of them.
 */
public final class BddCategories {
  /** The class names; the COCO id of {@code NAMES.get(i)} is {@code i + 1}. */
  public static final List<String> NAMES =
      List.of(
          "pedestrian",
          "rider",
          "car",
          "truck",
          "bus",
          "train",
          "motorcycle",
          "bicycle",
          "traffic light",
          "traffic sign");

  /** Legacy label names and their current equivalents. */
  public static final Map<String, String> LEGACY =
      Map.of("person", "pedestrian", "motor", "motorcycle", "bike", "bicycle");

  private BddCategories() {}

  /**
   * The COCO id (1..10) of a BDD category name, legacy names included, ignoring case and
   * surrounding blanks; 0 for anything else ("other vehicle", "lane", ...).
   */
  public static int id(String category) {
    if (category == null) {
      return 0;
    }
    String c = category.strip().toLowerCase(Locale.ROOT);
    c = LEGACY.getOrDefault(c, c);
    return NAMES.indexOf(c) + 1;
  }
}
