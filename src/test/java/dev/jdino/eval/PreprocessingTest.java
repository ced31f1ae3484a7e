package dev.jdino.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jdino.augment.EvalTransform;
import dev.jdino.augment.Image;
import dev.jdino.augment.Normalization;
import dev.jdino.io.Json;
import dev.jdino.model.Backbone;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PreprocessingTest {

  @Test
  void resizeKeepsTheOfficial256Over224Ratio() {
    assertEquals(32, Preprocessing.defaultResize(28));
    assertEquals(256, Preprocessing.defaultResize(224));
    assertEquals(110, Preprocessing.defaultResize(96));
    assertEquals(18, Preprocessing.defaultResize(16));
  }

  @Test
  void normalisationComesFromTheRunElseImageNet(@TempDir Path tmp) throws Exception {
    Path file = EvalFixtures.backbone(tmp.resolve("b.safetensors"), EvalFixtures.TINY, 1);
    try (Backbone b = Backbone.load(file, "teacher")) {
      Preprocessing p = Preprocessing.forBackbone(b, null, null, null, null);
      assertEquals(new Preprocessing(32, 28, EvalFixtures.MEAN, EvalFixtures.STD), p);
      Preprocessing q = Preprocessing.forBackbone(b, 40, 24, null, new float[] {1, 2, 3});
      assertEquals(new Preprocessing(40, 24, EvalFixtures.MEAN, new float[] {1, 2, 3}), q);
    }
    Normalization none = Normalization.recordedIn(Json.object());
    assertArrayEquals(new float[] {0.485f, 0.456f, 0.406f}, none.mean());
    assertArrayEquals(new float[] {0.229f, 0.224f, 0.225f}, none.std());
  }

  @Test
  void applyIsTheEvalTransformThenNormalize() {
    float[] px = new float[3 * 5 * 7];
    for (int i = 0; i < px.length; i++) {
      px[i] = (i % 11) / 10f;
    }
    Image src = new Image(5, 7, px);
    Preprocessing p =
        new Preprocessing(6, 4, new float[] {0.5f, 0.4f, 0.3f}, new float[] {0.2f, 0.25f, 0.5f});
    float[] out = new float[2 + p.sampleLength()];
    p.apply(src, out, 2);
    Image e = EvalTransform.apply(src, 6, 4);
    for (int c = 0; c < 3; c++) {
      for (int i = 0; i < 16; i++) {
        assertEquals((e.data()[c * 16 + i] - p.mean()[c]) / p.std()[c], out[2 + c * 16 + i]);
      }
    }
    assertFalse(p.channelsAlike());
    assertTrue(new Preprocessing(6, 4, EvalFixtures.MEAN, EvalFixtures.STD).channelsAlike());
  }

  @Test
  void invalidSettingsAreRefused() {
    assertThrows(
        IllegalArgumentException.class,
        () -> new Preprocessing(20, 28, EvalFixtures.MEAN, EvalFixtures.STD));
    assertThrows(
        IllegalArgumentException.class,
        () -> new Preprocessing(32, 28, new float[2], EvalFixtures.STD));
    assertThrows(
        IllegalArgumentException.class,
        () -> new Preprocessing(32, 28, EvalFixtures.MEAN, new float[3]));
  }

  @Test
  void applyChecksItsDestinationBeforeWriting() {
    Preprocessing p = new Preprocessing(6, 4, EvalFixtures.MEAN, EvalFixtures.STD);
    Image src = new Image(5, 7, new float[3 * 5 * 7]);
    for (int[] lenOff : new int[][] {{10, 0}, {48, 1}, {48, -1}}) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class, () -> p.apply(src, new float[lenOff[0]], lenOff[1]));
      assertTrue(e.getMessage().contains("48-float image"), e.getMessage());
      assertTrue(e.getMessage().contains("offset " + lenOff[1]), e.getMessage());
    }
    assertThrows(IllegalArgumentException.class, () -> p.apply(null, new float[48], 0));
    assertThrows(IllegalArgumentException.class, () -> p.apply(src, null, 0));
  }
}
