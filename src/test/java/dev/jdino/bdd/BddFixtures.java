package dev.jdino.bdd;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** A miniature BDD100K split with every kind of label the converter must handle. */
public final class BddFixtures {
  private BddFixtures() {}

  public static final String A_LABELS =
      """
      [{"category": "car", "id": 0, "attributes": {"occluded": false},
        "box2d": {"x1": 10.5, "y1": 5, "x2": 30, "y2": 20}},
       {"category": "person", "box2d": {"x1": 50, "y1": 10, "x2": 70, "y2": 60}},
       {"category": "lane", "poly2d": [[1, 2, "L"], [3, 4, "L"]]},
       {"category": "drivable area", "poly2d": [[1, 2, "L"]]},
       {"category": "bike", "box2d": {"x1": 70, "y1": 5, "x2": 90, "y2": 9}},
       {"category": "other vehicle", "box2d": {"x1": 1, "y1": 1, "x2": 5, "y2": 5}},
       {"category": " Traffic Sign ", "box2d": {"x1": 30, "y1": 40, "x2": 20, "y2": 30}},
       {"category": "truck", "box2d": {"x1": 1, "y1": null, "x2": 5, "y2": 5}}]\
      """;

  public static final String B_LABELS =
      """
      [{"category": "motor", "box2d": {"x1": 0, "y1": 0, "x2": 40, "y2": 30}}]\
      """;

  /** Images a.jpg (64x48), b.jpg (40x30) in {@code images}; c.jpg is missing. */
  public static void images(Path images) throws Exception {
    Files.createDirectories(images);
    ImageIO.write(
        new BufferedImage(64, 48, BufferedImage.TYPE_3BYTE_BGR),
        "jpg",
        images.resolve("a.jpg").toFile());
    ImageIO.write(
        new BufferedImage(40, 30, BufferedImage.TYPE_3BYTE_BGR),
        "jpg",
        images.resolve("b.jpg").toFile());
  }

  /** The seed mirror's layout: per-image JSONs next to the images. */
  public static Path legacySplit(Path split) throws Exception {
    images(split);
    Files.writeString(split.resolve("a.json"), frame("a", A_LABELS));
    Files.writeString(split.resolve("b.json"), frame("b", B_LABELS));
    Files.writeString(split.resolve("c.json"), frame("c", B_LABELS));
    Files.writeString(split.resolve("d.json"), "{ not json");
    return split;
  }

  static String frame(String name, String objects) {
    return "{\"name\": \""
        + name
        + "\", \"frames\": [{\"timestamp\": 10000, \"objects\": "
        + objects
        + "}], \"attributes\": {\"weather\": \"clear\"}}";
  }
}
