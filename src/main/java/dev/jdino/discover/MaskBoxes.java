package dev.jdino.discover;

import java.util.ArrayDeque;

/**
 * From an attention mask on the patch grid to one box: the largest 4-connected component of the
 * kept patches, boxed. "Largest" counts patches; among equally large components the one met first
 * in row-major order wins, so the result is deterministic. Diagonal neighbours do not connect: two
 * blobs touching at a corner are separate objects more often than one.
 */
public final class MaskBoxes {
  private MaskBoxes() {}

  /**
   * The largest 4-connected component of {@code mask} ({@code rows x cols}, row-major).
   *
   * @return its patches as a mask, or null if nothing is kept
   */
  public static boolean[] largestComponent(boolean[] mask, int rows, int cols) {
    if (mask.length != rows * cols) {
      throw new IllegalArgumentException(
          "mask of " + mask.length + " values is not " + rows + "x" + cols);
    }
    int[] label = new int[mask.length];
    int best = 0;
    int bestSize = 0;
    int next = 0;
    ArrayDeque<Integer> queue = new ArrayDeque<>();
    for (int start = 0; start < mask.length; start++) {
      if (!mask[start] || label[start] != 0) {
        continue;
      }
      next++;
      int size = 0;
      label[start] = next;
      queue.add(start);
      while (!queue.isEmpty()) {
        int p = queue.poll();
        size++;
        int r = p / cols;
        int c = p % cols;
        if (r > 0) {
          visit(p - cols, mask, label, next, queue);
        }
        if (r < rows - 1) {
          visit(p + cols, mask, label, next, queue);
        }
        if (c > 0) {
          visit(p - 1, mask, label, next, queue);
        }
        if (c < cols - 1) {
          visit(p + 1, mask, label, next, queue);
        }
      }
      if (size > bestSize) {
        bestSize = size;
        best = next;
      }
    }
    if (best == 0) {
      return null;
    }
    boolean[] out = new boolean[mask.length];
    for (int i = 0; i < mask.length; i++) {
      out[i] = label[i] == best;
    }
    return out;
  }

  /**
   * The box around the largest component, in patch units ({@code [c0, c1 + 1) x [r0, r1 + 1)}), or
   * null for an empty mask.
   */
  public static Box largestComponentBox(boolean[] mask, int rows, int cols) {
    boolean[] comp = largestComponent(mask, rows, cols);
    return comp == null ? null : bounds(comp, rows, cols);
  }

  /** The box around every set cell of {@code mask}, in grid units; null if none is set. */
  public static Box bounds(boolean[] mask, int rows, int cols) {
    int r0 = rows;
    int r1 = -1;
    int c0 = cols;
    int c1 = -1;
    for (int i = 0; i < mask.length; i++) {
      if (mask[i]) {
        int r = i / cols;
        int c = i % cols;
        r0 = Math.min(r0, r);
        r1 = Math.max(r1, r);
        c0 = Math.min(c0, c);
        c1 = Math.max(c1, c);
      }
    }
    return r1 < 0 ? null : new Box(c0, r0, c1 + 1, r1 + 1);
  }

  private static void visit(int q, boolean[] mask, int[] label, int id, ArrayDeque<Integer> queue) {
    if (mask[q] && label[q] == 0) {
      label[q] = id;
      queue.add(q);
    }
  }
}
