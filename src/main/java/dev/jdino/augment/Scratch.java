package dev.jdino.augment;

/**
 * Per-thread temporary float buffers shared by the operations of this package.
 *
 * <p>Augmentation runs on data-loader worker threads for every crop of every sample; allocating
 * intermediate buffers (up to megabytes for large images) per resample or blur would churn the
 * young generation for no benefit. Each thread therefore keeps a couple of buffers that only grow.
 * An operation may use them only for the duration of a single call and must not call another
 * operation that uses them meanwhile.
 */
final class Scratch {
  /** Number of independent buffers per thread. */
  static final int SLOTS = 2;

  private static final ThreadLocal<Scratch> LOCAL = ThreadLocal.withInitial(Scratch::new);

  private final float[][] buffers = new float[SLOTS][0];

  private Scratch() {}

  /** This thread's buffer {@code slot}, at least {@code n} floats long; contents undefined. */
  static float[] floats(int slot, int n) {
    float[][] b = LOCAL.get().buffers;
    if (b[slot].length < n) {
      // Grow geometrically so that slowly increasing sizes do not reallocate every call.
      b[slot] = new float[Math.max(n, b[slot].length + (b[slot].length >> 1))];
    }
    return b[slot];
  }
}
