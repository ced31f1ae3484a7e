package dev.jdino.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jdino.io.BadInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataSourcesTest {
  @TempDir Path dir;
  private final String savedHome = System.getProperty(DataSources.HOME_PROPERTY);

  @AfterEach
  void restoreHome() {
    if (savedHome == null) {
      System.clearProperty(DataSources.HOME_PROPERTY);
    } else {
      System.setProperty(DataSources.HOME_PROPERTY, savedHome);
    }
  }

  private static final byte[] PIXELS = {1, 2, 3, 4, 5, 6, 7, 8};

  private Path idxPair(String prefix) throws Exception {
    IdxFiles.write(
        dir.resolve(prefix + "-images-idx3-ubyte.gz"),
        IdxFiles.gzip(IdxFiles.images(2, 2, 2, PIXELS)));
    IdxFiles.write(
        dir.resolve(prefix + "-labels-idx1-ubyte.gz"),
        IdxFiles.gzip(IdxFiles.labels(new byte[] {4, 1})));
    return dir.resolve(prefix + "-images-idx3-ubyte.gz");
  }

  private static String message(String spec) {
    return assertThrows(BadInputException.class, () -> DataSources.open(spec)).getMessage();
  }

  @Test
  void bundledSampleOpensBothSplits() {
    ImageDataset train = DataSources.open("fmnist-sample");
    assertEquals(5000, train.size());
    assertEquals("fmnist-sample:train", train.name());
    assertEquals(IdxDataset.FASHION_MNIST_CLASSES, train.classNames());
    ImageDataset test = DataSources.open("fmnist-sample:test");
    assertEquals(1000, test.size());
    assertEquals(1000, DataSources.open("FMNIST-SAMPLE", DataSources.Split.TEST).size());
    assertEquals(5000, DataSources.open("fmnist-sample:train", DataSources.Split.TEST).size());
  }

  @Test
  void sampleIsFoundThroughJdinoHome() throws Exception {
    Path home = dir.resolve("home");
    Files.createDirectories(home.resolve("data/fmnist-sample"));
    Path images = home.resolve("data/fmnist-sample/train-images-idx3-ubyte.gz");
    IdxFiles.write(images, IdxFiles.gzip(IdxFiles.images(2, 2, 2, PIXELS)));
    IdxFiles.write(
        home.resolve("data/fmnist-sample/train-labels-idx1-ubyte.gz"),
        IdxFiles.labels(new byte[] {0, 9}));
    System.setProperty(DataSources.HOME_PROPERTY, home.toString());
    assertEquals(home.resolve("data/fmnist-sample"), DataSources.sampleDir());
    assertEquals(2, DataSources.open("fmnist-sample").size());
    // A home without the sample falls back to the working directory's repository.
    System.setProperty(DataSources.HOME_PROPERTY, dir.resolve("elsewhere").toString());
    assertEquals(5000, DataSources.open("fmnist-sample").size());
  }

  @Test
  void fullFashionMnistWhenInstalled() {
    Assumptions.assumeTrue(DataSources.fashionMnistInstalled(), "dataset-fashion-mnist absent");
    assertEquals(60000, DataSources.open("fmnist").size());
    assertEquals(10000, DataSources.open("fashion-mnist:test").size());
    assertEquals("fmnist", DataSources.defaultTrainSpec());
  }

  @Test
  void missingFashionMnistExplainsTheInstall() {
    BadInputException e =
        assertThrows(
            BadInputException.class,
            () -> DataSources.fashionMnist(dir, DataSources.Split.TRAIN, "fmnist", "apt hint"));
    assertTrue(e.getMessage().contains("apt hint"), e.getMessage());
    assertTrue(e.getMessage().contains("not installed"), e.getMessage());
    if (!DataSources.fashionMnistInstalled()) {
      assertTrue(message("fmnist").contains("apt install dataset-fashion-mnist"));
      assertEquals("fmnist-sample", DataSources.defaultTrainSpec());
    }
  }

  @Test
  void idxSpecsAndIdxFilesByContent() throws Exception {
    Path images = idxPair("train");
    Path labels = dir.resolve("train-labels-idx1-ubyte.gz");
    ImageDataset both = DataSources.open("idx:" + images + ":" + labels);
    assertEquals(2, both.size());
    assertEquals(4, both.label(0));
    ImageDataset alone = DataSources.open("idx:" + images);
    assertTrue(!alone.hasLabels());
    // A plain path: recognised by magic, and the sibling label file is found.
    ImageDataset byPath = DataSources.open(images.toString());
    assertInstanceOf(IdxDataset.class, byPath);
    assertEquals(1, byPath.label(1));
    Path renamed = Files.copy(images, dir.resolve("pixels.bin"));
    IdxDataset noLabels = (IdxDataset) DataSources.open(renamed.toString());
    assertNull(noLabels.labelsFile());
    assertTrue(message(labels.toString()).contains("label file"));
    assertTrue(message("idx:" + dir.resolve("missing")).contains("does not exist"));
    assertTrue(message("idx:").contains("idx:<images>"));
  }

  @Test
  void foldersAndUnusableValues() throws Exception {
    Path folder = Files.createDirectories(dir.resolve("pics/cls"));
    ImageDecoderTest.grayPng(folder.resolve("one.png"));
    ImageDataset ds = DataSources.open(dir.resolve("pics").toString());
    assertInstanceOf(ImageFolderDataset.class, ds);
    assertEquals(1, ds.size());

    Path missing = dir.resolve("no/such/place");
    String m = message(missing.toString());
    assertTrue(m.startsWith("data path " + missing + " does not exist"), m);
    Path text = Files.writeString(dir.resolve("notes.txt"), "hello");
    String notIdx =
        ": not an IDX image file (magic 0x00000803, idx3-ubyte) nor a folder; expected"
            + " fmnist-sample[:test], fmnist[:test], idx:<images>[:<labels>],"
            + " coco:<annotations.json>[:<image-root>], an IDX image file or an image folder";
    assertEquals(
        "data file " + text + " starts with 0x68656c6c" + notIdx, message(text.toString()));
    Path empty = Files.createFile(dir.resolve("empty.idx"));
    assertEquals("data file " + empty + " is empty" + notIdx, message(empty.toString()));
    Path tiny = Files.write(dir.resolve("tiny.idx"), new byte[] {0, 0, 8});
    assertEquals(
        "data file " + tiny + " is too short for an IDX header (3 bytes)" + notIdx,
        message(tiny.toString()));
    // A float IDX (type 0x0D) of 3 dimensions: a valid IDX file jdino does not read.
    Path floats = Files.write(dir.resolve("floats.idx"), new byte[] {0, 0, 0x0D, 3, 0, 0, 0, 1});
    assertEquals(
        "data file "
            + floats
            + " starts with 0x00000d03 (an IDX file of 32-bit floats, 3 dimensions)"
            + notIdx,
        message(floats.toString()));
    assertTrue(message("fmnist:val").contains("unknown split 'val'"));
    assertTrue(
        message("coco:/x/instances.json")
            .contains("annotation file /x/instances.json does not exist"));
    assertTrue(message(" ").contains("--data is empty"));
    assertTrue(message(dir.resolve("empty-dir").toString()).contains("does not exist"));
    Files.createDirectories(dir.resolve("empty-dir"));
    assertTrue(message(dir.resolve("empty-dir").toString()).contains("no images"));
  }
}
