package dev.jdino.augment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

class EvalTransformTest {

  @Test
  void matchesTorchvisionResizeThenCenterCrop() {
    JsonNode cases = Fixtures.root().get("eval");
    assertEquals(4, cases.size());
    for (JsonNode c : cases) {
      int h = c.get("h").asInt();
      int w = c.get("w").asInt();
      int crop = c.get("crop").asInt();
      float[] in = Fixtures.floats(c.get("input"));
      float[] expected = Fixtures.floats(c.get("expected"));
      Image src;
      if (c.get("gray").asBoolean()) {
        src = Image.fromGray(h, w, in);
        expected = Image.fromGray(crop, crop, expected).data();
      } else {
        src = new Image(h, w, in);
      }
      Image out = EvalTransform.apply(src, c.get("resize").asInt(), crop);
      assertEquals(crop, out.height());
      assertEquals(crop, out.width());
      Fixtures.assertClose(expected, out.data(), c.get("name").asText());
    }
  }

  @Test
  void aLongStripIsCroppedWithoutItsWholeResize() {
    // 3 x 2000 px to shorter side 32: a 32 x 21333 resize, of which the 28 x 28 centre is kept;
    // the same numbers as resizing it all and cropping
    Image strip = RandomImages.colour(5, 3, 2000);
    Image out = EvalTransform.apply(strip, 32, 28);
    Image full = BicubicResampler.resize(strip, 32, 21333);
    int top = 2;
    int left = (int) Math.rint((21333 - 28) / 2.0);
    for (int c = 0; c < 3; c++) {
      for (int y = 0; y < 28; y++) {
        for (int x = 0; x < 28; x++) {
          float v = full.data()[(c * 32 + top + y) * 21333 + left + x];
          assertEquals(Math.min(1f, Math.max(0f, v)), out.data()[(c * 28 + y) * 28 + x], 0f);
        }
      }
    }
  }

  @Test
  void shorterSideGoesToTheTargetAndTheLongerOneIsTruncated() {
    assertArrayEquals(new int[] {32, 32}, EvalTransform.resizedSize(28, 28, 32));
    assertArrayEquals(new int[] {12, 18}, EvalTransform.resizedSize(10, 15, 12));
    // 8 * 13 / 9 = 11.56 -> 11
    assertArrayEquals(new int[] {11, 8}, EvalTransform.resizedSize(13, 9, 8));
    assertArrayEquals(new int[] {256, 455}, EvalTransform.resizedSize(720, 1280, 256));
  }

  @Test
  void outputIsClampedAndTheSourceUntouched() {
    Image src = Image.zeros(6, 6);
    for (int c = 0; c < 3; c++) {
      for (int y = 0; y < 6; y++) {
        for (int x = 3; x < 6; x++) {
          src.set(c, y, x, 1f);
        }
      }
    }
    float[] before = src.data().clone();
    Image out = EvalTransform.apply(src, 20, 20);
    for (float v : out.data()) {
      assertTrue(v >= 0f && v <= 1f, "value " + v);
    }
    assertArrayEquals(before, src.data());
  }

  @Test
  void rejectsCropsLargerThanTheResize() {
    assertThrows(
        IllegalArgumentException.class, () -> EvalTransform.apply(Image.zeros(28, 28), 28, 32));
  }
}
