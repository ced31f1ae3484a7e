package dev.jdino.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jdino.augment.Image;
import org.junit.jupiter.api.Test;

/** The bundled data/fmnist-sample is what its README says. */
class SampleDataTest {

  @Test
  void sampleHasTheAdvertisedSizesAndBalancedLabels() {
    for (DataSources.Split split : DataSources.Split.values()) {
      IdxDataset ds =
          DataSources.fashionMnist(DataSources.sampleDir(), split, "fmnist-sample", null);
      int expected = split == DataSources.Split.TRAIN ? 5000 : 1000;
      assertEquals(expected, ds.size());
      assertEquals(28, ds.height());
      assertEquals(28, ds.width());
      int[] counts = new int[10];
      for (int i = 0; i < ds.size(); i++) {
        counts[ds.label(i)]++;
      }
      for (int c = 0; c < 10; c++) {
        assertTrue(counts[c] > expected / 20, split + " class " + c + ": " + counts[c]);
      }
    }
  }

  @Test
  void firstTrainingImageIsFashionMnistsAnkleBoot() {
    IdxDataset ds = (IdxDataset) DataSources.open("fmnist-sample");
    // Fashion-MNIST's first training image is an ankle boot (label 9) on a black background.
    assertEquals(9, ds.label(0));
    Image img = ds.load(0);
    assertEquals(0f, img.get(0, 0, 0));
    float sum = 0;
    for (float v : img.data()) {
      sum += v;
    }
    assertTrue(sum > 100 && sum < 3 * 784, "mean brightness " + sum / img.data().length);
  }
}
