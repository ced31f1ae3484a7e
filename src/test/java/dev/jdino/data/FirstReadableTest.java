package dev.jdino.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jdino.io.BadInputException;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The start-up check that a dataset can be read at all ({@link ImageDataset#firstReadable}). */
class FirstReadableTest {
  private static Set<Integer> range(int from, int to) {
    Set<Integer> s = new HashSet<>();
    for (int i = from; i < to; i++) {
      s.add(i);
    }
    return s;
  }

  @Test
  void goodImagesAfterManyCorruptOnesAreFound() {
    // the first 40 of 45 fail; 16 files in order (the old probe) found none
    FakeData.Dataset ds = new FakeData.Dataset(45, range(0, 40), 0);
    assertEquals(40f, ds.firstReadable(1).data()[0]);
    assertEquals(41, ds.loads.get());
  }

  @Test
  void aLargeDatasetIsProbedSpreadOverItsLength() {
    // 64 tries over 1,000 images: indices 0, 15, 31, ... (i * 1000 / 64); all below 984 fail
    FakeData.Dataset ds = new FakeData.Dataset(1000, range(0, 984), 0);
    assertEquals((float) (63 * 1000 / 64), ds.firstReadable(1).data()[0]);
    BadInputException e =
        assertThrows(
            BadInputException.class,
            () -> new FakeData.Dataset(1000, range(0, 1000), 0).firstReadable(1));
    assertEquals(
        "fake(1000): none of the 64 images tried (spread over its 1,000) could be read; the"
            + " first: fake#0: broken on purpose",
        e.getMessage());
  }

  @Test
  void nothingReadableInASmallDatasetNamesAllOfIt() {
    BadInputException e =
        assertThrows(
            BadInputException.class,
            () -> new FakeData.Dataset(45, range(0, 45), 0).firstReadable(1));
    assertEquals(
        "fake(45): none of the 45 images could be read; the first: fake#0: broken on purpose",
        e.getMessage());
  }
}
