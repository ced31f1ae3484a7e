package dev.jdino.viz;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class PicturesTest {
  @Test
  void autoScaleEnlargesTheShorterSideUnlessTheLongerOneWouldPassTheCap() {
    assertEquals(4, Pictures.autoScale(28, 28, 112)); // Fashion-MNIST: 112 px panels
    assertEquals(5, Pictures.autoScale(27, 30, 112)); // ceil(112 / 27) rounds up
    assertEquals(1, Pictures.autoScale(224, 224, 112)); // large enough already
    assertEquals(2, Pictures.autoScale(28, 500, 112)); // 4x would make 2,000 px; 2x is 1,000
    assertEquals(1, Pictures.autoScale(28, 5600, 112)); // a strip: as it is, never below 1x
    assertEquals(1, Pictures.autoScale(5600, 28, 112));
    assertEquals(36, Pictures.autoScale(3, 3, 108)); // 108 px, well inside the cap
  }
}
