package dev.jdino.discover;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.jdino.viz.AttentionMap;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Boxes from masks and IoU, on hand-made masks with numbers worked out by hand. */
class MaskBoxesTest {

  static boolean[] mask(String... rows) {
    int cols = rows[0].length();
    boolean[] m = new boolean[rows.length * cols];
    for (int r = 0; r < rows.length; r++) {
      for (int c = 0; c < cols; c++) {
        m[r * cols + c] = rows[r].charAt(c) == '#';
      }
    }
    return m;
  }

  @Test
  void largestFourConnectedComponentIsBoxed() {
    boolean[] m = mask("##...", "#..##", "...##", "#...#");
    // Components: 3 cells top-left, 5 cells right, 1 cell bottom-left.
    boolean[] biggest = MaskBoxes.largestComponent(m, 4, 5);
    assertArrayEquals(mask(".....", "...##", "...##", "....#"), biggest);
    assertEquals(new Box(3, 1, 5, 4), MaskBoxes.largestComponentBox(m, 4, 5));
    assertEquals(new Box(0, 0, 5, 4), MaskBoxes.bounds(m, 4, 5));
  }

  @Test
  void diagonalCellsAreSeparateAndTiesGoToTheFirst() {
    assertEquals(new Box(0, 0, 1, 1), MaskBoxes.largestComponentBox(mask("#.", ".#"), 2, 2));
    assertEquals(
        new Box(2, 0, 3, 2), MaskBoxes.largestComponentBox(mask("#.#", "..#", "#.."), 3, 3));
    assertNull(MaskBoxes.largestComponentBox(mask("..", ".."), 2, 2));
    assertEquals(
        new Box(0, 0, 3, 3), MaskBoxes.largestComponentBox(mask("###", "#.#", "###"), 3, 3));
  }

  @Test
  void iouOnExactCases() {
    assertEquals(1.0 / 7.0, new Box(0, 0, 2, 2).iou(new Box(1, 1, 3, 3)), 1e-15);
    assertEquals(0.5, new Box(0, 0, 10, 10).iou(new Box(0, 0, 10, 5)), 1e-15);
    assertEquals(0.0, new Box(0, 0, 1, 1).iou(new Box(1, 0, 2, 1))); // touching edges
    assertEquals(0.0, new Box(0, 0, 1, 1).iou(new Box(5, 5, 6, 6)));
    assertEquals(1.0, new Box(2, 3, 7, 9).iou(new Box(2, 3, 7, 9)));
    // 25 / (100 + 100 - 25): a quarter overlap of two 10 x 10 boxes.
    assertEquals(25.0 / 175.0, new Box(0, 0, 10, 10).iou(new Box(5, 5, 15, 15)), 1e-15);
    Box coco = Box.ofCoco(10, 20, 30, 40);
    assertEquals(new Box(10, 20, 40, 60), coco);
    assertEquals(1200, coco.area());
    assertArrayEquals(new double[] {10, 20, 30, 40}, coco.toCoco());
    assertEquals(new Box(96, 24, 160, 96), new Box(3, 1, 5, 4).scale(32, 24));
  }

  @Test
  void attentionToScoredBox() {
    // 4 x 5 patches; attention 10 on the five right-hand cells, 0.1 elsewhere (total 51.5).
    // Keeping 60% of the mass drops the ascending prefix up to 40%: the 15 small cells (2.9%)
    // and the first big cell by index, (1, 3); the kept four still span rows 1-3, cols 3-4.
    float[] att = new float[20];
    Arrays.fill(att, 0.1f);
    for (int i : new int[] {8, 9, 13, 14, 19}) {
      att[i] = 10f;
    }
    AttentionMap map = new AttentionMap(4, 5, 16, new float[][] {att});
    Box truth = new Box(48, 16, 80, 64);
    assertEquals(
        1.0, CorLoc.bestIou(att, map, 16, new double[] {1, 1}, List.of(truth), 0.6), 1e-12);
    // Scaled by 0.5 the box is (24, 8)-(40, 32): a quarter of a truth box twice its size.
    assertEquals(
        0.25,
        CorLoc.bestIou(att, map, 16, new double[] {0.5, 0.5}, List.of(new Box(24, 8, 56, 56)), 0.6),
        1e-12);
    assertEquals(
        0.0,
        CorLoc.bestIou(att, map, 16, new double[] {1, 1}, List.of(new Box(0, 0, 16, 16)), 0.6));
  }
}
