package dev.jdino.viz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Viridis against matplotlib's published {@code _viridis_data}. */
class ColormapTest {

  private static void assertEntry(int rgb, double r, double g, double b) {
    // 8-bit rounding of the published floats: within half a step.
    double tol = 0.5 / 255 + 1e-9;
    assertEquals(r, ((rgb >> 16) & 0xff) / 255.0, tol, "red");
    assertEquals(g, ((rgb >> 8) & 0xff) / 255.0, tol, "green");
    assertEquals(b, (rgb & 0xff) / 255.0, tol, "blue");
  }

  @Test
  void endpointsAndMidpointMatchThePublishedTable() {
    assertEntry(Colormap.entry(0), 0.267004, 0.004874, 0.329415);
    assertEntry(Colormap.entry(128), 0.127568, 0.566949, 0.550556);
    assertEntry(Colormap.entry(255), 0.993248, 0.906157, 0.143936);
    assertEquals(0x440154, Colormap.entry(0));
    assertEquals(0x21918c, Colormap.entry(128));
    assertEquals(0xfde725, Colormap.entry(255));
  }

  @Test
  void lookupFollowsMatplotlib() {
    assertEquals(Colormap.entry(0), Colormap.rgb(0));
    assertEquals(Colormap.entry(0), Colormap.rgb(-1));
    assertEquals(Colormap.entry(0), Colormap.rgb(Double.NaN));
    assertEquals(Colormap.entry(127), Colormap.rgb(0.4999));
    assertEquals(Colormap.entry(128), Colormap.rgb(0.5));
    assertEquals(Colormap.entry(255), Colormap.rgb(1));
    assertEquals(Colormap.entry(255), Colormap.rgb(7));
  }

  @Test
  void lightnessRisesMonotonically() {
    // Viridis is perceptually ordered: its luma never falls along the table.
    double prev = -1;
    for (int i = 0; i < Colormap.SIZE; i++) {
      int c = Colormap.entry(i);
      double luma = 0.2126 * (c >> 16 & 0xff) + 0.7152 * (c >> 8 & 0xff) + 0.0722 * (c & 0xff);
      assertTrue(luma >= prev - 0.5, "entry " + i);
      prev = luma;
    }
  }

  @Test
  void colorizeStretchesMinToMax() {
    int[] c = Colormap.colorize(new float[] {2f, 4f, 3f});
    assertArrayEquals(new int[] {Colormap.entry(0), Colormap.entry(255), Colormap.entry(128)}, c);
    int[] flat = Colormap.colorize(new float[] {5f, 5f});
    assertArrayEquals(new int[] {Colormap.entry(0), Colormap.entry(0)}, flat);
  }
}
