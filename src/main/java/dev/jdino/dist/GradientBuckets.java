package dev.jdino.dist;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import java.nio.ByteBuffer;

/**
 * Averages the student's gradient over all ranks, as PyTorch's DistributedDataParallel does between
 * backward and the optimiser step (the official {@code main_dino.py} wraps the student in DDP and
 * clips after backward, so clipping sees the averaged gradient).
 *
 * <p>jdino keeps the whole gradient in one flat float32 buffer ({@code ParameterSet.gradient()}),
 * so the buckets are consecutive slices of it: one MPI_Allreduce per bucket, never one per
 * parameter tensor (hundreds of small calls would each pay MPI's latency). The bucket size is DDP's
 * {@code bucket_cap_mb} (25 MiB by default in {@code torch.nn.parallel.DistributedDataParallel}):
 * large enough to run at bandwidth, small enough that a reduction's buffers stay modest. The sum is
 * divided by the number of ranks afterwards, so with equal per-rank batches the result is the
 * gradient of the mean loss over the global batch.
 */
public final class GradientBuckets {
  /** DDP's default {@code bucket_cap_mb} = 25, in bytes. */
  public static final long DEFAULT_BUCKET_BYTES = 25L * 1024 * 1024;

  private final Collectives collectives;
  private final long bucketElements;

  /** Buckets of {@link #DEFAULT_BUCKET_BYTES}. */
  public GradientBuckets(Collectives collectives) {
    this(collectives, DEFAULT_BUCKET_BYTES);
  }

  /**
   * @param bucketBytes the most bytes one allreduce carries (at least one float32, 4 bytes; rounded
   *     down to whole elements)
   */
  public GradientBuckets(Collectives collectives, long bucketBytes) {
    if (collectives == null) {
      throw new IllegalArgumentException("gradient buckets need collectives");
    }
    if (bucketBytes < Float.BYTES) {
      throw new IllegalArgumentException(
          "a gradient bucket must hold at least one float32 (4 bytes), got " + bucketBytes);
    }
    this.collectives = collectives;
    this.bucketElements = Math.min(bucketBytes / Float.BYTES, Integer.MAX_VALUE);
  }

  /** The number of elements in a full bucket. */
  public long bucketElements() {
    return bucketElements;
  }

  /** How many buckets (allreduce calls) a gradient of {@code numel} elements takes. */
  public long bucketCount(long numel) {
    return (numel + bucketElements - 1) / bucketElements;
  }

  /**
   * Replaces {@code flatGradient} (contiguous float32; on the CPU under 2 GiB, the limit of one
   * Java buffer, or on a GPU with {@link NcclCollectives}) by its mean over all ranks, in place.
   * Every rank must call it with a gradient of the same length. A world of one returns at once.
   *
   * @return the number of buckets reduced (0 in a world of one)
   */
  public long average(NDArray flatGradient) {
    if (flatGradient.getDataType() != DataType.FLOAT32) {
      throw new IllegalArgumentException(
          "the flat gradient must be float32, got " + flatGradient.getDataType());
    }
    int n = collectives.size();
    if (n == 1) {
      return 0;
    }
    long numel = flatGradient.size();
    long buckets = 0;
    if (Device.cpu().equals(flatGradient.getDevice())) {
      // Slices of one zero-copy view: no tensor objects per bucket.
      ByteBuffer view = DirectView.of(flatGradient);
      for (long start = 0; start < numel; start += bucketElements) {
        long len = Math.min(bucketElements, numel - start);
        ByteBuffer bucket =
            view.slice(Math.toIntExact(start * Float.BYTES), Math.toIntExact(len * Float.BYTES));
        collectives.allReduceSum(bucket, ElementType.FLOAT32);
        buckets++;
      }
    } else {
      // A GPU gradient (NCCL): each bucket is a contiguous view of the flat tensor.
      for (long start = 0; start < numel; start += bucketElements) {
        long end = Math.min(start + bucketElements, numel);
        try (NDArray bucket = flatGradient.get(new NDIndex().addSliceDim(start, end))) {
          collectives.allReduceSum(bucket);
        }
        buckets++;
      }
    }
    // Division, not multiplication by 1/n: the mean of the float32 sum, correctly rounded.
    flatGradient.divi((float) n);
    return buckets;
  }
}
