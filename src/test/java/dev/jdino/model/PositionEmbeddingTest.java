package dev.jdino.model;

import static dev.jdino.testing.Fixtures.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jdino.io.Safetensors;
import dev.jdino.testing.Fixtures;
import org.junit.jupiter.api.Test;

class PositionEmbeddingTest {

  /** out[c] = M_h . grid[c] . M_w^T, in doubles. */
  private static float[] resize(float[] grid, int ch, int n, double[][] mh, double[][] mw) {
    int oh = mh.length;
    int ow = mw.length;
    float[] out = new float[ch * oh * ow];
    for (int c = 0; c < ch; c++) {
      for (int i = 0; i < oh; i++) {
        for (int j = 0; j < ow; j++) {
          double v = 0;
          for (int a = 0; a < n; a++) {
            for (int b = 0; b < n; b++) {
              v += mh[i][a] * grid[(c * n + a) * n + b] * mw[j][b];
            }
          }
          out[(c * oh + i) * ow + j] = (float) v;
        }
      }
    }
    return out;
  }

  @Test
  void scaleFactorSemanticsMatchPyTorchBicubic() {
    Safetensors fx = Fixtures.open("model/pos_interp.safetensors");
    float[] grid = fx.loadFloats("grid");
    float[] got =
        resize(
            grid,
            3,
            4,
            PositionEmbedding.bicubicMatrix(4, 6, 6.1 / 4),
            PositionEmbedding.bicubicMatrix(4, 5, 5.1 / 4));
    assertClose(fx.loadFloats("scaled"), got, 1e-5, 1e-5, "scale-factor bicubic");
    // Resizing "to the size" is a different function: the test must be able to tell them apart.
    float[] sized =
        resize(
            grid,
            3,
            4,
            PositionEmbedding.bicubicMatrix(4, 6, 6.0 / 4),
            PositionEmbedding.bicubicMatrix(4, 5, 5.0 / 4));
    assertClose(fx.loadFloats("sized"), sized, 1e-5, 1e-5, "size bicubic");
    assertTrue(Fixtures.maxAbsDiff(got, sized) > 0.05, "the two semantics must differ");
  }

  @Test
  void rowsSumToOneAndHandComputedWeights() {
    double[][] m = PositionEmbedding.bicubicMatrix(4, 6, 6.1 / 4);
    for (double[] row : m) {
      double s = 0;
      for (double v : row) {
        s += v;
      }
      assertEquals(1.0, s, 1e-12);
    }
    // Output 0 reads source (0.5 / 1.525) - 0.5 = -0.172131...; floor -1, t = 0.827869.
    double t = 0.5 / 1.525 - 0.5 + 1;
    double a = -0.75;
    double w0 = ((a * (t + 1) - 5 * a) * (t + 1) + 8 * a) * (t + 1) - 4 * a; // tap -2 -> clamped 0
    double w1 = ((a + 2) * t - (a + 3)) * t * t + 1; // tap -1 -> clamped 0
    double w2 = ((a + 2) * (1 - t) - (a + 3)) * (1 - t) * (1 - t) + 1; // tap 0
    double w3 = ((a * (2 - t) - 5 * a) * (2 - t) + 8 * a) * (2 - t) - 4 * a; // tap 1
    assertEquals(w0 + w1 + w2, m[0][0], 1e-12);
    assertEquals(w3, m[0][1], 1e-12);
    assertEquals(0.0, m[0][2], 0.0);
  }

  @Test
  void resizeSquareIsTheForwardPathsInterpolationWithTheClsEntryKept() {
    // A (1 + 4x4, 3) embedding resized to 6x6 must equal what the forward pass computes for a
    // 6x6-patch input (the official interpolate_pos_encoding), here in the same layout.
    int d = 3;
    float[] pos = new float[(1 + 16) * d];
    for (int i = 0; i < pos.length; i++) {
      pos[i] = (float) Math.sin(0.37 * i + 0.1);
    }
    float[] got = PositionEmbedding.resizeSquare(pos, 4, 6, d);
    assertEquals((1 + 36) * d, got.length);
    for (int c = 0; c < d; c++) {
      assertEquals(pos[c], got[c], 0, "the [CLS] entry is kept");
    }
    // The grid, channel-major, resized with the forward's matrices (scale (6 + 0.1) / 4).
    float[] grid = new float[d * 16];
    for (int t = 0; t < 16; t++) {
      for (int c = 0; c < d; c++) {
        grid[c * 16 + t] = pos[(1 + t) * d + c];
      }
    }
    double[][] m = PositionEmbedding.bicubicMatrix(4, 6, 6.1 / 4);
    float[] want = resize(grid, d, 4, m, m);
    for (int t = 0; t < 36; t++) {
      for (int c = 0; c < d; c++) {
        assertEquals(want[c * 36 + t], got[(1 + t) * d + c], 1e-6, "token " + t + " channel " + c);
      }
    }
  }
}
