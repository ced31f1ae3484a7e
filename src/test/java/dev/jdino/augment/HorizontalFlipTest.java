package dev.jdino.augment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

class HorizontalFlipTest {

  @Test
  void mirrorsEveryRowOfEveryChannel() {
    // 3 channels of 2x3, values encode (c, y, x) as 100c + 10y + x.
    float[] px = new float[18];
    for (int c = 0; c < 3; c++) {
      for (int y = 0; y < 2; y++) {
        for (int x = 0; x < 3; x++) {
          px[(c * 2 + y) * 3 + x] = 100 * c + 10 * y + x;
        }
      }
    }
    HorizontalFlip.apply(new Image(2, 3, px));
    assertArrayEquals(
        new float[] {
          2, 1, 0, 12, 11, 10,
          102, 101, 100, 112, 111, 110,
          202, 201, 200, 212, 211, 210
        },
        px);
  }

  @Test
  void evenWidthAndOffsetAreRespected() {
    float[] px = {9, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 9};
    HorizontalFlip.apply(px, 1, 2, 2);
    assertArrayEquals(new float[] {9, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 9}, px);
  }

  @Test
  void flippingTwiceRestoresTheImage() {
    Image img = RandomImages.colour(1, 5, 7);
    float[] before = img.data().clone();
    HorizontalFlip.apply(HorizontalFlip.apply(img));
    assertArrayEquals(before, img.data());
  }
}
