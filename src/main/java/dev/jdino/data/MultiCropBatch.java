package dev.jdino.data;

/**
 * One batch of multi-crop views, laid out for a single tensor upload per crop size, in the official
 * multi-crop order (crop-major, then sample):
 *
 * <ul>
 *   <li>{@link #globalCrops()}: shape (2B, 3, G, G) = [global 1 of samples 0..B-1, global 2 of
 *       samples 0..B-1];
 *   <li>{@link #localCrops()}: shape (L*B, 3, l, l) = [local 1 of all samples, local 2 of all
 *       samples, ...]; empty when L = 0.
 * </ul>
 *
 * <p>Batches handed out by {@link MultiCropLoader} are recycled: a batch's arrays are valid until
 * the next call to {@link MultiCropLoader#next()} or {@link MultiCropLoader#close()}. Upload them
 * (or {@link #copy()} the batch) before asking for the next one.
 */
public final class MultiCropBatch {
  private final int batchSize;
  private final int globalCropSize;
  private final int localCropsNumber;
  private final int localCropSize;
  final float[] global;
  final float[] local;
  final int[] indices;
  int epoch;
  int index;

  /** An empty (zero-filled) batch with the given geometry. */
  public MultiCropBatch(
      int batchSize, int globalCropSize, int localCropsNumber, int localCropSize) {
    if (batchSize < 1 || globalCropSize < 1 || localCropSize < 1 || localCropsNumber < 0) {
      throw new IllegalArgumentException("invalid batch geometry");
    }
    long globalLen = 2L * batchSize * 3 * globalCropSize * globalCropSize;
    long localLen = (long) localCropsNumber * batchSize * 3 * localCropSize * localCropSize;
    if (globalLen > Integer.MAX_VALUE - 16 || localLen > Integer.MAX_VALUE - 16) {
      throw new IllegalArgumentException(
          "a batch of " + batchSize + " with " + globalCropSize + " px crops exceeds 2^31 floats");
    }
    this.batchSize = batchSize;
    this.globalCropSize = globalCropSize;
    this.localCropsNumber = localCropsNumber;
    this.localCropSize = localCropSize;
    this.global = new float[(int) globalLen];
    this.local = new float[(int) localLen];
    this.indices = new int[batchSize];
  }

  /**
   * Where crop {@code cropInGroup} (0 or 1 for globals, 0..L-1 for locals) of sample {@code sample}
   * starts in its group's buffer.
   */
  public static int cropOffset(int cropInGroup, int sample, int batchSize, int cropSize) {
    return (cropInGroup * batchSize + sample) * 3 * cropSize * cropSize;
  }

  /** The epoch this batch belongs to. */
  public int epoch() {
    return epoch;
  }

  /** This batch's index within its epoch (0-based). */
  public int index() {
    return index;
  }

  /** Number of source images B. */
  public int batchSize() {
    return batchSize;
  }

  public int globalCropSize() {
    return globalCropSize;
  }

  public int localCropsNumber() {
    return localCropsNumber;
  }

  public int localCropSize() {
    return localCropSize;
  }

  /** The global crops, shape {@link #globalShape()}; shared, not copied. */
  public float[] globalCrops() {
    return global;
  }

  /** The local crops, shape {@link #localShape()}; shared, not copied; empty when L = 0. */
  public float[] localCrops() {
    return local;
  }

  /** {2B, 3, G, G}. */
  public long[] globalShape() {
    return new long[] {2L * batchSize, 3, globalCropSize, globalCropSize};
  }

  /** {L*B, 3, l, l}. */
  public long[] localShape() {
    return new long[] {(long) localCropsNumber * batchSize, 3, localCropSize, localCropSize};
  }

  /**
   * Dataset index of each sample's source image; a replacement's index where the original image
   * failed to load. Shared, not copied.
   */
  public int[] sourceIndices() {
    return indices;
  }

  /** A deep copy that stays valid after the loader moves on. */
  public MultiCropBatch copy() {
    MultiCropBatch c =
        new MultiCropBatch(batchSize, globalCropSize, localCropsNumber, localCropSize);
    System.arraycopy(global, 0, c.global, 0, global.length);
    System.arraycopy(local, 0, c.local, 0, local.length);
    System.arraycopy(indices, 0, c.indices, 0, indices.length);
    c.epoch = epoch;
    c.index = index;
    return c;
  }
}
