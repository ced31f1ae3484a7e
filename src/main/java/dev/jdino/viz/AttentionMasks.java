package dev.jdino.viz;

import java.util.Arrays;

/**
 * The official "keep a share of the attention mass" mask (the paper's section 4.2.1; the official
 * {@code visualize_attention.py}): sort one head's attention over the patches, normalise it to sum
 * 1, and keep the smallest set of top patches whose attention sums to at least {@code threshold}.
 * The official code drops the ascending prefix whose cumulative share is at most {@code 1 -
 * threshold}; this does exactly that, with ties broken by patch index (lower index counts as
 * smaller) so the result is deterministic.
 */
public final class AttentionMasks {
  private AttentionMasks() {}

  /**
   * @param attention one head's CLS-to-patch attention, one value per patch (non-negative)
   * @param threshold share of the mass to keep, in (0, 1]
   * @return true for kept patches
   */
  public static boolean[] keepMass(float[] attention, double threshold) {
    if (!(threshold > 0 && threshold <= 1)) {
      throw new IllegalArgumentException("threshold must lie in (0, 1], got " + threshold);
    }
    int n = attention.length;
    Integer[] order = new Integer[n];
    double total = 0;
    for (int i = 0; i < n; i++) {
      order[i] = i;
      if (!(attention[i] >= 0)) {
        throw new IllegalArgumentException("attention must be non-negative, got " + attention[i]);
      }
      total += attention[i];
    }
    boolean[] keep = new boolean[n];
    if (total == 0) {
      Arrays.fill(keep, true);
      return keep;
    }
    Arrays.sort(
        order,
        (a, b) ->
            attention[a] != attention[b]
                ? Float.compare(attention[a], attention[b])
                : Integer.compare(a, b));
    double cumulative = 0;
    for (int r = 0; r < n; r++) {
      int i = order[r];
      cumulative += attention[i] / total;
      keep[i] = cumulative > 1 - threshold;
    }
    return keep;
  }

  /** Share of the mass inside {@code mask}. */
  public static double massInside(float[] attention, boolean[] mask) {
    double in = 0;
    double total = 0;
    for (int i = 0; i < attention.length; i++) {
      total += attention[i];
      if (mask[i]) {
        in += attention[i];
      }
    }
    return total == 0 ? 0 : in / total;
  }
}
