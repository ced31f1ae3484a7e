package dev.jdino.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jdino.augment.Image;
import dev.jdino.io.BadInputException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxDatasetTest {
  @TempDir Path dir;

  // Two 2x3 images; the second uses the extremes and a value above 127 (unsigned bytes).
  private static final byte[] PIXELS = {
    0, 1, 2, 3, 4, 5, (byte) 255, (byte) 128, 127, 0, 51, (byte) 200
  };

  private static float[] expectedSecond() {
    int[] v = {255, 128, 127, 0, 51, 200};
    float[] out = new float[18];
    for (int c = 0; c < 3; c++) {
      for (int i = 0; i < 6; i++) {
        out[c * 6 + i] = v[i] / 255f;
      }
    }
    return out;
  }

  @Test
  void readsRawFileWithExactPixels() throws Exception {
    // A raw file named .gz: compression is detected by content, not by name.
    Path images = IdxFiles.write(dir.resolve("raw.gz"), IdxFiles.images(2, 2, 3, PIXELS));
    IdxDataset ds = IdxDataset.open(images);
    assertEquals(2, ds.size());
    assertEquals(2, ds.height());
    assertEquals(3, ds.width());
    assertFalse(ds.hasLabels());
    Image img = ds.load(1);
    assertEquals(2, img.height());
    assertEquals(3, img.width());
    assertArrayEquals(expectedSecond(), img.data());
    assertEquals(images + "#1", ds.describe(1));
  }

  @Test
  void readsGzippedFilesWithLabelsAndClassNames() throws Exception {
    Path images =
        IdxFiles.write(dir.resolve("imgs"), IdxFiles.gzip(IdxFiles.images(2, 2, 3, PIXELS)));
    Path labels =
        IdxFiles.write(dir.resolve("labs"), IdxFiles.gzip(IdxFiles.labels(new byte[] {9, 3})));
    IdxDataset ds = IdxDataset.open(images, labels, IdxDataset.FASHION_MNIST_CLASSES, "tiny");
    assertArrayEquals(expectedSecond(), ds.load(1).data());
    assertEquals(0f, ds.load(0).get(2, 0, 0));
    assertEquals(5 / 255f, ds.load(0).get(1, 1, 2));
    assertTrue(ds.hasLabels());
    assertEquals(9, ds.label(0));
    assertEquals(3, ds.label(1));
    assertEquals("Ankle boot", ds.classNames().get(ds.label(0)));
    assertEquals("tiny", ds.name());
  }

  @Test
  void badMagicNamesFileAndExpectation() throws Exception {
    byte[] bytes = IdxFiles.images(2, 2, 3, PIXELS);
    bytes[3] = 0x01;
    Path images = IdxFiles.write(dir.resolve("wrong-magic"), bytes);
    BadInputException e = assertThrows(BadInputException.class, () -> IdxDataset.open(images));
    assertTrue(e.getMessage().contains(images.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("0x00000803"), e.getMessage());
    assertTrue(e.getMessage().contains("label file"), e.getMessage());
  }

  @Test
  void truncatedFileIsRejected() throws Exception {
    byte[] full = IdxFiles.images(2, 2, 3, PIXELS);
    Path raw = IdxFiles.write(dir.resolve("short"), Arrays.copyOf(full, full.length - 1));
    BadInputException e = assertThrows(BadInputException.class, () -> IdxDataset.open(raw));
    assertTrue(e.getMessage().contains(raw.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("truncated"), e.getMessage());

    byte[] gz = IdxFiles.gzip(full);
    Path cut = IdxFiles.write(dir.resolve("cut.gz"), Arrays.copyOf(gz, gz.length - 12));
    e = assertThrows(BadInputException.class, () -> IdxDataset.open(cut));
    assertTrue(e.getMessage().contains(cut.toString()), e.getMessage());

    Path header = IdxFiles.write(dir.resolve("header"), Arrays.copyOf(full, 10));
    e = assertThrows(BadInputException.class, () -> IdxDataset.open(header));
    assertTrue(e.getMessage().contains(header.toString()), e.getMessage());
  }

  @Test
  void trailingBytesAreRejected() throws Exception {
    byte[] full = IdxFiles.images(2, 2, 3, PIXELS);
    Path images = IdxFiles.write(dir.resolve("long"), Arrays.copyOf(full, full.length + 5));
    BadInputException e = assertThrows(BadInputException.class, () -> IdxDataset.open(images));
    assertTrue(e.getMessage().contains("longer than its header"), e.getMessage());
    assertTrue(e.getMessage().contains(String.valueOf(full.length)), e.getMessage());
  }

  @Test
  void labelCountMismatchNamesBothFiles() throws Exception {
    Path images = IdxFiles.write(dir.resolve("i"), IdxFiles.images(2, 2, 3, PIXELS));
    Path labels = IdxFiles.write(dir.resolve("l"), IdxFiles.labels(new byte[] {1, 2, 3}));
    BadInputException e =
        assertThrows(BadInputException.class, () -> IdxDataset.open(images, labels));
    assertTrue(e.getMessage().contains(images.toString()), e.getMessage());
    assertTrue(e.getMessage().contains(labels.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("2 images") && e.getMessage().contains("3 labels"));
  }

  @Test
  void labelsSwappedWithImagesAreRejected() throws Exception {
    Path images = IdxFiles.write(dir.resolve("i"), IdxFiles.images(2, 2, 3, PIXELS));
    Path labels = IdxFiles.write(dir.resolve("l"), IdxFiles.labels(new byte[] {1, 2}));
    BadInputException e =
        assertThrows(BadInputException.class, () -> IdxDataset.open(labels, images));
    assertTrue(e.getMessage().contains(labels.toString()), e.getMessage());
  }

  @Test
  void labelOutsideClassNamesIsRejected() throws Exception {
    Path images = IdxFiles.write(dir.resolve("i"), IdxFiles.images(2, 2, 3, PIXELS));
    Path labels = IdxFiles.write(dir.resolve("l"), IdxFiles.labels(new byte[] {1, 10}));
    BadInputException e =
        assertThrows(
            BadInputException.class,
            () -> IdxDataset.open(images, labels, IdxDataset.FASHION_MNIST_CLASSES, null));
    assertTrue(e.getMessage().contains("label 10"), e.getMessage());
    assertEquals(10, IdxDataset.open(images, labels, List.of(), null).label(1));
  }

  @Test
  void missingFileAndEmptyFileAreRejected() throws Exception {
    Path missing = dir.resolve("nope");
    BadInputException e = assertThrows(BadInputException.class, () -> IdxDataset.open(missing));
    assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    Path empty = IdxFiles.write(dir.resolve("empty"), IdxFiles.images(0, 2, 3, new byte[0]));
    e = assertThrows(BadInputException.class, () -> IdxDataset.open(empty));
    assertTrue(e.getMessage().contains("no images"), e.getMessage());
  }
}
