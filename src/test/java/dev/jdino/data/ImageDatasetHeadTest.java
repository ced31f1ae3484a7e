package dev.jdino.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jdino.eval.EvalFixtures;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ImageDatasetHeadTest {
  @Test
  void headIsTheFirstImagesWithTheirLabelsAndNoMore() throws Exception {
    ImageDataset all = EvalFixtures.synthetic(10, Set.of());
    ImageDataset head = all.head(4);
    assertEquals(4, head.size());
    assertEquals("synthetic(10)[:4]", head.name());
    for (int i = 0; i < 4; i++) {
      assertEquals(i / 1000f, head.load(i).data()[0]);
      assertEquals(i % 3, head.label(i));
      assertEquals("synthetic#" + i, head.describe(i));
    }
    assertThrows(IndexOutOfBoundsException.class, () -> head.load(4));
    assertThrows(IndexOutOfBoundsException.class, () -> head.label(4));
    assertEquals(0, all.head(0).size());
    assertThrows(IllegalArgumentException.class, () -> all.head(11));
  }
}
