package dev.jdino.augment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class BicubicResamplerTest {

  @Test
  void matchesPillowBicubicOnEveryFixture() {
    JsonNode cases = Fixtures.root().get("resample");
    assertTrue(cases.size() >= 10);
    for (JsonNode c : cases) {
      int h = c.get("h").asInt();
      int w = c.get("w").asInt();
      int outH = c.get("outH").asInt();
      int outW = c.get("outW").asInt();
      float[] src = Fixtures.floats(c.get("input"));
      // Surround the output with sentinels to catch writes outside the destination range.
      float[] dst = new float[outH * outW + 2];
      Arrays.fill(dst, -7f);
      if (c.has("crop")) {
        JsonNode crop = c.get("crop");
        BicubicResampler.resampleCrop(
            src,
            0,
            1,
            h,
            w,
            crop.get(0).asInt(),
            crop.get(1).asInt(),
            crop.get(2).asInt(),
            crop.get(3).asInt(),
            dst,
            1,
            outH,
            outW);
      } else {
        JsonNode box = c.get("box");
        BicubicResampler.resampleBox(
            src,
            0,
            1,
            h,
            w,
            (float) box.get(0).asDouble(),
            (float) box.get(1).asDouble(),
            (float) box.get(2).asDouble(),
            (float) box.get(3).asDouble(),
            dst,
            1,
            outH,
            outW);
      }
      String name = c.get("name").asText();
      Fixtures.assertClose(Fixtures.floats(c.get("expected")), dst, 1, name);
      assertEquals(-7f, dst[0], name + ": wrote before the destination");
      assertEquals(-7f, dst[dst.length - 1], name + ": wrote past the destination");
    }
  }

  @Test
  void kernelIsPillowsCubicWithAMinusHalf() {
    assertEquals(1.0, BicubicResampler.kernel(0), 0);
    assertEquals(0.0, BicubicResampler.kernel(1), 0);
    assertEquals(0.0, BicubicResampler.kernel(-2), 0);
    // a = -0.5: k(0.5) = (1.5 * 0.5 - 2.5) * 0.25 + 1, k(1.5) = (((1.5 - 5) * 1.5 + 8) * 1.5 - 4) a
    assertEquals(0.5625, BicubicResampler.kernel(0.5), 1e-15);
    assertEquals(0.5625, BicubicResampler.kernel(-0.5), 1e-15);
    assertEquals(-0.0625, BicubicResampler.kernel(1.5), 1e-15);
  }

  @Test
  void downscaleCoefficientsWidenTheKernelAndSumToOne() {
    // Halving: scale 2, so the support is 4 input pixels each side of the centre.
    BicubicResampler.Axis ax = BicubicResampler.Axis.of(16, 0f, 16f, 8, 0);
    assertEquals(2 * 4 + 1, ax.ksize);
    // Output 3 is centred at input 7.0: taps 3..10 (xmin = (int) (7 - 4 + 0.5) = 3).
    assertEquals(3, ax.start[3]);
    assertEquals(8, ax.count[3]);
    double sum = 0;
    for (int k = 0; k < ax.count[3]; k++) {
      sum += ax.weights[3 * ax.ksize + k];
    }
    assertEquals(1.0, sum, 1e-6);
    // Symmetric around the centre, which lies between taps 6 and 7.
    assertEquals(ax.weights[3 * ax.ksize + 3], ax.weights[3 * ax.ksize + 4], 1e-7);
    // At the border the taps are clipped and the remaining weights renormalised.
    assertEquals(0, ax.start[0]);
    assertEquals(5, ax.count[0]);
  }

  @Test
  void cropModeShiftsTapsAndStopsAtTheCropEdge() {
    BicubicResampler.Axis crop = BicubicResampler.Axis.of(6, 0f, 6f, 3, 4);
    for (int i = 0; i < 3; i++) {
      assertTrue(crop.start[i] >= 4, "tap before the crop");
      assertTrue(crop.start[i] + crop.count[i] <= 10, "tap after the crop");
    }
  }

  @Test
  void constantImageStaysConstantAtAnyScale() {
    float[] src = new float[3 * 13 * 17];
    Arrays.fill(src, 0.375f);
    for (int[] size : new int[][] {{5, 4}, {13, 17}, {40, 31}, {1, 1}}) {
      float[] dst = new float[3 * size[0] * size[1]];
      BicubicResampler.resampleCrop(src, 0, 3, 13, 17, 2, 3, 9, 11, dst, 0, size[0], size[1]);
      for (float v : dst) {
        assertEquals(0.375f, v, 1e-6f);
      }
    }
  }

  @Test
  void sameSizeWholeImageIsAnExactCopy() {
    Image src = RandomImages.colour(7, 6, 9);
    Image out = BicubicResampler.resize(src, 6, 9);
    assertArrayEquals(src.data(), out.data());
  }

  @Test
  void aWindowOfTheResizeIsTheSameNumbersAsTheResizeCropped() {
    Image src = RandomImages.colour(11, 13, 17);
    // up in both axes, down in both, and mixed; windows at the corners and inside
    for (int[] c :
        new int[][] {
          {40, 31, 0, 0, 40, 31}, {40, 31, 5, 7, 12, 9}, {40, 31, 28, 22, 12, 9},
          {6, 8, 1, 2, 4, 5}, {6, 30, 0, 11, 6, 6}, {29, 5, 10, 0, 9, 5}
        }) {
      Image full = BicubicResampler.resize(src, c[0], c[1]);
      Image window = BicubicResampler.resizeWindow(src, c[0], c[1], c[2], c[3], c[4], c[5]);
      assertEquals(c[4], window.height());
      assertEquals(c[5], window.width());
      for (int ch = 0; ch < 3; ch++) {
        for (int y = 0; y < c[4]; y++) {
          for (int x = 0; x < c[5]; x++) {
            assertEquals(
                full.data()[(ch * c[0] + c[2] + y) * c[1] + c[3] + x],
                window.data()[(ch * c[4] + y) * c[5] + x],
                0f,
                "case " + Arrays.toString(c) + " at " + ch + "," + y + "," + x);
          }
        }
      }
    }
    assertThrows(
        IllegalArgumentException.class,
        () -> BicubicResampler.resizeWindow(src, 10, 10, 5, 0, 6, 10));
  }

  @Test
  void channelsAreResampledIndependently() {
    Image src = RandomImages.colour(3, 10, 12);
    Image all = BicubicResampler.resize(src, 7, 5);
    int plane = 10 * 12;
    for (int c = 0; c < 3; c++) {
      float[] one = new float[35];
      BicubicResampler.resampleCrop(src.data(), c * plane, 1, 10, 12, 0, 0, 10, 12, one, 0, 7, 5);
      assertArrayEquals(one, Arrays.copyOfRange(all.data(), c * 35, (c + 1) * 35));
    }
  }

  @Test
  void rejectsBoxesOutsideTheImageAndEmptyOutputs() {
    float[] src = new float[20];
    float[] dst = new float[20];
    assertThrows(
        IllegalArgumentException.class,
        () -> BicubicResampler.resampleBox(src, 0, 1, 4, 5, 0f, 0f, 5.5f, 4f, dst, 0, 2, 2));
    assertThrows(
        IllegalArgumentException.class,
        () -> BicubicResampler.resampleBox(src, 0, 1, 4, 5, 2f, 0f, 2f, 4f, dst, 0, 2, 2));
    assertThrows(
        IllegalArgumentException.class,
        () -> BicubicResampler.resampleCrop(src, 0, 1, 4, 5, 1, 1, 4, 2, dst, 0, 2, 2));
    assertThrows(
        IllegalArgumentException.class,
        () -> BicubicResampler.resampleCrop(src, 0, 1, 4, 5, 0, 0, 4, 5, dst, 0, 0, 2));
  }
}
