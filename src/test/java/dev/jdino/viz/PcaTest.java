package dev.jdino.viz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jdino.augment.Image;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** PCA and the Jacobi eigen-solver against hand-computed cases. */
class PcaTest {

  @Test
  void twoByTwo() {
    Pca.Eigen e = Pca.eigen(new double[][] {{2, 1}, {1, 2}});
    assertArrayEquals(new double[] {3, 1}, e.values(), 1e-12);
    double s = Math.sqrt(0.5);
    assertEquals(s, Math.abs(e.vectors()[0][0]), 1e-12);
    assertEquals(e.vectors()[0][0], e.vectors()[0][1], 1e-12);
    assertEquals(s, Math.abs(e.vectors()[1][0]), 1e-12);
    assertEquals(-e.vectors()[1][0], e.vectors()[1][1], 1e-12);
  }

  /**
   * Six points at +-3 a, +-2 b, +-1 c around m, with a, b, c the standard axes turned 45 degrees
   * about z: covariance 3 aa' + 4/3 bb' + 1/3 cc' (population), so the components are a, b, c.
   */
  @Test
  void pointsOnKnownAxes() {
    double s = Math.sqrt(0.5);
    double[][] axes = {{s, s, 0}, {-s, s, 0}, {0, 0, 1}};
    double[] lengths = {3, 2, 1};
    double[] m = {1, 2, 3};
    float[] data = new float[6 * 3];
    int r = 0;
    for (int k = 0; k < 3; k++) {
      for (int sign = -1; sign <= 1; sign += 2) {
        for (int j = 0; j < 3; j++) {
          data[r * 3 + j] = (float) (m[j] + sign * lengths[k] * axes[k][j]);
        }
        r++;
      }
    }
    Pca.Result p = Pca.fit(data, 6, 3, 3);
    assertArrayEquals(m, p.mean(), 1e-6);
    assertArrayEquals(new double[] {3, 4.0 / 3, 1.0 / 3}, p.eigenvalues(), 1e-5);
    assertEquals(3 + 4.0 / 3 + 1.0 / 3, p.totalVariance(), 1e-5);
    assertArrayEquals(
        new double[] {3 / (14.0 / 3), (4.0 / 3) / (14.0 / 3), (1.0 / 3) / (14.0 / 3)},
        p.explained(),
        1e-6);
    for (int k = 0; k < 3; k++) {
      double dot = 0;
      for (int j = 0; j < 3; j++) {
        dot += p.components()[k][j] * axes[k][j];
      }
      assertEquals(1, Math.abs(dot), 1e-6, "component " + k);
    }
    // The first point, m - 3a, projects to -3 or +3 on component 1 and 0 on the others.
    double[] proj = p.project(data, 0);
    assertEquals(3, Math.abs(proj[0]), 1e-5);
    assertEquals(0, proj[1], 1e-5);
    assertEquals(0, proj[2], 1e-5);
  }

  @Test
  void largerSymmetricMatrixIsDiagonalised() {
    int n = 40;
    Random rnd = new Random(3);
    double[][] a = new double[n][n];
    for (int i = 0; i < n; i++) {
      for (int j = i; j < n; j++) {
        a[i][j] = a[j][i] = rnd.nextGaussian();
      }
    }
    Pca.Eigen e = Pca.eigen(a);
    for (int k = 0; k < n; k++) {
      if (k > 0) {
        assertEquals(true, e.values()[k] <= e.values()[k - 1]);
      }
      for (int i = 0; i < n; i++) {
        double av = 0;
        for (int j = 0; j < n; j++) {
          av += a[i][j] * e.vectors()[k][j];
        }
        assertEquals(e.values()[k] * e.vectors()[k][i], av, 1e-9);
      }
      for (int l = 0; l < n; l++) {
        double dot = 0;
        for (int i = 0; i < n; i++) {
          dot += e.vectors()[k][i] * e.vectors()[l][i];
        }
        assertEquals(k == l ? 1 : 0, dot, 1e-10);
      }
    }
  }

  @Test
  void firstComponentIsOrientedSoTheBorderIsBackground() {
    // One 12x12 image, patch 4: a 3x3 grid; the centre patch and its right neighbour stand out
    // (border mean of component 1: (7 - 6) / 8 > 0).
    ModelInput in = new ModelInput(Image.zeros(12, 12), new float[3 * 144], 4);
    double[][] proj = new double[9][];
    for (int i = 0; i < 9; i++) {
      proj[i] = new double[] {1, 0.5, -0.5};
    }
    proj[4] = new double[] {-8, 1, 2};
    proj[5] = new double[] {-6, 3, 0};
    Pca.Result pca =
        new Pca.Result(
            new double[2], new double[][] {{1, 0}, {0, -2}, {3, 0}}, new double[] {2, 1, 0.5}, 4);
    PatchPca.orient(proj, List.of(in), pca);
    // Border mean was positive: component 1 flips; component 2's largest coefficient (-2) was
    // negative: it flips too; component 3's (3) was positive: kept.
    assertArrayEquals(new double[] {8, -1, 2}, proj[4], 0);
    assertArrayEquals(new double[] {-1, 0}, pca.components()[0], 0);
    assertArrayEquals(new double[] {0, 2}, pca.components()[1], 0);
    boolean[] fg = new boolean[9];
    for (int i = 0; i < 9; i++) {
      fg[i] = proj[i][0] > 0;
    }
    int[] rgb = PatchPca.colours(proj, fg, true);
    assertEquals(0, rgb[0]);
    // Foreground patches 4 and 5: component 1 is 8 and 6 -> 255 and 0; 2 is -1, -3 -> 255, 0.
    assertEquals(0xffffff, rgb[4]);
    assertEquals(0x000000, rgb[5]);
  }
}
