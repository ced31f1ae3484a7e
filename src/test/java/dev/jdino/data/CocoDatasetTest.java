package dev.jdino.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jdino.augment.Image;
import dev.jdino.io.BadInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code coco:} data: images for training, objects as labelled crops, and refusal of escapes. */
class CocoDatasetTest {
  @TempDir Path dir;

  /** Two 64x32 quadrant JPEGs under {@code imgDir} and a COCO file listing them with boxes. */
  static Path cocoSet(Path annFile, Path imgDir, String prefix) throws Exception {
    Files.createDirectories(imgDir);
    Files.createDirectories(annFile.getParent());
    byte[] jpg = TestImages.jpeg(TestImages.quadrants(64, 32), 0.95f);
    Files.write(imgDir.resolve("a.jpg"), jpg);
    Files.write(imgDir.resolve("b.jpg"), jpg);
    Files.writeString(
        annFile,
        """
        {"info": {}, "images": [
          {"id": 7, "file_name": "%sa.jpg", "width": 64, "height": 32},
          {"id": 9, "file_name": "%sb.jpg", "width": 64, "height": 32}],
         "annotations": [
          {"id": 1, "image_id": 7, "category_id": 3, "bbox": [34, 2, 28, 12], "area": 336,
           "iscrowd": 0, "segmentation": [[1, 2, 3]]},
          {"id": 2, "image_id": 7, "category_id": 1, "bbox": [2, 18, 4, 12], "iscrowd": 0},
          {"id": 3, "image_id": 9, "category_id": 1, "bbox": [2, 2, 28, 12], "iscrowd": 0},
          {"id": 4, "image_id": 9, "category_id": 3, "bbox": [40, 20, 30, 30], "iscrowd": 1}],
         "categories": [{"id": 3, "name": "car"}, {"id": 1, "name": "pedestrian"},
                        {"id": 5, "name": "bus"}]}
        """
            .formatted(prefix, prefix));
    return annFile;
  }

  @Test
  void cocoSourceListsTheImagesUnlabelled() throws Exception {
    Path ann = cocoSet(dir.resolve("set/ann.json"), dir.resolve("set"), "");
    ImageDataset ds = DataSources.open("coco:" + ann);
    assertInstanceOf(CocoDataset.class, ds);
    assertEquals(2, ds.size());
    assertFalse(ds.hasLabels());
    assertEquals(32, ds.load(1).height());
    assertTrue(ds.describe(0).endsWith("a.jpg"), ds.describe(0));
    // training reads the images only; the boxes come with openWithBoxes
    assertThrows(IllegalStateException.class, ((CocoDataset) ds)::annotations);
    CocoAnnotations a = CocoDataset.openWithBoxes(ann, null).annotations();
    assertEquals(
        List.of("pedestrian", "car", "bus"),
        a.categories().stream().map(CocoAnnotations.Category::name).toList());
    assertEquals(2, a.boxesOf(0).size());
    assertEquals(1, a.boxesOf(0).get(0).category()); // car: id 3, second by id
  }

  /**
   * A box problem refuses what scores boxes, not training on the images: an annotation of an image
   * filtered out of the list is common, and training never reads it.
   */
  @Test
  void boxProblemsRefuseDiscoveryButNotTrainingOnTheImages() throws Exception {
    Path ann = cocoSet(dir.resolve("loose/ann.json"), dir.resolve("loose"), "");
    String dangling =
        "{\"id\": 77, \"image_id\": 999, \"category_id\": 3, \"bbox\": [1, 1, -4, 2]},";
    Files.writeString(
        ann, Files.readString(ann).replace("\"annotations\": [", "\"annotations\": [" + dangling));
    assertTrue(Files.readString(ann).contains("\"id\": 77"), Files.readString(ann));
    ImageDataset ds = DataSources.open("coco:" + ann);
    assertEquals(2, ds.size());
    assertEquals(32, ds.load(1).height());
    BadInputException e =
        assertThrows(BadInputException.class, () -> CocoDataset.openWithBoxes(ann, null));
    assertTrue(e.getMessage().startsWith(ann + ": annotation 77"), e.getMessage());
  }

  @Test
  void imageRootIsGivenOrTheFilesFolderOrImagesBesideIt() throws Exception {
    // annotations/ann.json with images/ beside it.
    Path ann = cocoSet(dir.resolve("ann.json"), dir.resolve("images"), "");
    CocoDataset ds = (CocoDataset) DataSources.open("coco:" + ann);
    assertEquals(dir.resolve("images").toAbsolutePath(), ds.root());
    // An explicit root, after the last colon.
    Path other = dir.resolve("elsewhere");
    cocoSet(dir.resolve("x/ann2.json"), other, "");
    ds = (CocoDataset) DataSources.open("coco:" + dir.resolve("x/ann2.json") + ":" + other);
    assertEquals(other, ds.root());
    assertEquals(32, ds.load(0).height());
    // file_name with a folder prefix resolved against the file's own folder.
    Path ann3 = cocoSet(dir.resolve("y/ann3.json"), dir.resolve("y/pics"), "pics/");
    assertEquals(2, DataSources.open("coco:" + ann3).size());
    String m =
        assertThrows(
                BadInputException.class,
                () -> DataSources.open("coco:" + ann + ":" + dir.resolve("nope")))
            .getMessage();
    assertTrue(m.contains("is not a directory"), m);
  }

  @Test
  void fileNamesThatEscapeTheRootAreRefused() throws Exception {
    Path ann = cocoSet(dir.resolve("set/ann.json"), dir.resolve("set"), "");
    String good = Files.readString(ann);
    Files.writeString(dir.resolve("secret.jpg"), "not for you");
    for (String evil :
        new String[] {
          "../secret.jpg",
          "sub/../../secret.jpg",
          "/etc/passwd",
          dir.resolve("secret.jpg").toString()
        }) {
      Files.writeString(ann, good.replace("\"a.jpg\"", "\"" + evil + "\""));
      BadInputException e =
          assertThrows(BadInputException.class, () -> DataSources.open("coco:" + ann), evil);
      assertTrue(e.getMessage().contains("file_name \"" + evil + "\""), e.getMessage());
      assertTrue(
          e.getMessage().contains("absolute path")
              || e.getMessage().contains("points outside the image root"),
          e.getMessage());
    }
    // A ".." that stays inside the root is fine.
    Files.writeString(ann, good.replace("\"a.jpg\"", "\"sub/../a.jpg\""));
    assertEquals(2, DataSources.open("coco:" + ann).size());
  }

  @Test
  void inconsistentFilesAreRefusedWithTheElementNamed() throws Exception {
    Path ann = cocoSet(dir.resolve("set/ann.json"), dir.resolve("set"), "");
    String good = Files.readString(ann);
    Files.writeString(
        ann,
        good.replace(
            "\"image_id\": 9, \"category_id\": 1", "\"image_id\": 99, \"category_id\": 1"));
    // boxes are checked where they are used (discover), not for training on the images
    String m =
        assertThrows(BadInputException.class, () -> CocoDataset.openWithBoxes(ann, null))
            .getMessage();
    assertTrue(m.contains("annotation 3 refers to image 99"), m);
    Files.writeString(ann, good.replace("[2, 18, 4, 12]", "[2, 18, -4, 12]"));
    m =
        assertThrows(BadInputException.class, () -> CocoDataset.openWithBoxes(ann, null))
            .getMessage();
    assertTrue(m.contains("annotation 2: bbox"), m);
    Files.writeString(ann, "[1, 2]");
    m = assertThrows(BadInputException.class, () -> DataSources.open("coco:" + ann)).getMessage();
    assertTrue(m.contains("expected a JSON object"), m);
    // no images list: said so, not "annotation 1 refers to image 7, which is not in images"
    Files.writeString(ann, good.replaceFirst("\"images\"", "\"pictures\""));
    m = assertThrows(BadInputException.class, () -> DataSources.open("coco:" + ann)).getMessage();
    assertEquals(ann + ": has no \"images\" list; expected a COCO annotation file", m);
    Files.writeString(
        ann, good.replace("\"width\": 64, \"height\": 32}],", "\"width\": -64, \"height\": 32}],"));
    m = assertThrows(BadInputException.class, () -> DataSources.open("coco:" + ann)).getMessage();
    assertEquals(ann + ": images[1] (b.jpg): width -64 is not a size in pixels", m);
    Files.writeString(ann, good.replace("\"id\": 7,", "\"id\": 1e30,"));
    m = assertThrows(BadInputException.class, () -> DataSources.open("coco:" + ann)).getMessage();
    assertTrue(m.contains("images[0] needs an id that is a whole number within 64 bits"), m);
    assertTrue(m.contains("got id 1.0E30"), m);
  }

  @Test
  void objectsBecomeLabelledCrops() throws Exception {
    Path ann = cocoSet(dir.resolve("set/ann.json"), dir.resolve("set"), "");
    ImageDataset objects = DataSources.openObjects("coco:" + ann, 10);
    // Kept: the car (28x12) and the pedestrian (28x12); the 4x12 box is too thin, the crowd
    // region is skipped.
    assertEquals(2, objects.size());
    assertTrue(objects.hasLabels());
    assertEquals(List.of("pedestrian", "car", "bus"), objects.classNames());
    assertEquals(1, objects.label(0));
    assertEquals(0, objects.label(1));
    Image car = objects.load(0);
    assertEquals(12, car.height());
    assertEquals(28, car.width());
    // The car box lies in the green top-right quadrant, the pedestrian in the red top-left.
    assertTrue(ReducedDecodeTest.near(ReducedDecodeTest.rgb(car, 6, 14), TestImages.GREEN));
    Image person = objects.load(1);
    assertTrue(ReducedDecodeTest.near(ReducedDecodeTest.rgb(person, 6, 14), TestImages.RED));
    assertTrue(objects.describe(0).contains("[object 1, car]"), objects.describe(0));
    assertTrue(
        objects
            .name()
            .endsWith("(2 objects >= 10 px of 4 boxes; left out: 1 crowd, 1 smaller; 3 classes)"),
        objects.name());
    // a box that lies wholly outside its image is counted apart
    Path outside = dir.resolve("set/outside.json");
    Files.writeString(outside, Files.readString(ann).replace("[2, 2, 28, 12]", "[80, 2, 28, 12]"));
    assertTrue(
        DataSources.openObjects("coco:" + outside, 10)
            .name()
            .contains("left out: 1 crowd, 1 smaller, 1 outside their image"));
    assertEquals(3, DataSources.openObjects("coco:" + ann, 4).size());
    String m =
        assertThrows(BadInputException.class, () -> DataSources.openObjects("coco:" + ann, 100))
            .getMessage();
    assertTrue(m.contains("no object is at least 100 pixels"), m);
    m =
        assertThrows(BadInputException.class, () -> DataSources.openObjects(dir.toString(), 10))
            .getMessage();
    assertTrue(m.contains("--objects needs COCO data"), m);
    // The same through a --data value, as evaluation commands with --objects build it.
    String spec = DataSources.objectsSpec("coco:" + ann, 10);
    assertEquals("coco-objects:10:" + ann, spec);
    ImageDataset viaSpec = DataSources.open(spec, DataSources.Split.TEST);
    assertEquals(2, viaSpec.size());
    assertEquals(objects.classNames(), viaSpec.classNames());
    m = assertThrows(BadInputException.class, () -> DataSources.objectsSpec(null, 10)).getMessage();
    assertTrue(m.contains("--objects needs COCO data"), m);
    m =
        assertThrows(BadInputException.class, () -> DataSources.open("coco-objects:x:" + ann))
            .getMessage();
    assertTrue(m.contains("expected coco-objects:<min-size>"), m);
  }
}
