package dev.jdino.io.pth;

import java.util.Arrays;

/**
 * A tensor as {@code torch._utils._rebuild_tensor_v2} describes it: a view of {@code shape} with
 * {@code stride} (in elements) starting {@code offset} elements into a storage. The constructor
 * checks every number against the storage, so a tensor that exists is one whose every element lies
 * inside its storage and whose size fits a Java array.
 */
public record PyTensor(Storage storage, long offset, long[] shape, long[] stride) {
  /** More dimensions than any model tensor has; a guard against absurd metadata. */
  public static final int MAX_DIMS = 64;

  /** The largest tensor jdino reads into one Java array, in bytes. */
  public static final long MAX_BYTES = Integer.MAX_VALUE - 8;

  public PyTensor {
    if (storage == null) {
      throw new IllegalArgumentException("tensor without a storage");
    }
    if (shape == null || stride == null) {
      throw new IllegalArgumentException("tensor of storage " + storage.key() + " without sizes");
    }
    shape = shape.clone();
    stride = stride.clone();
    String where = "a tensor of storage " + storage.key();
    if (shape.length != stride.length) {
      throw new IllegalArgumentException(
          where + " has " + shape.length + " sizes but " + stride.length + " strides");
    }
    if (shape.length > MAX_DIMS) {
      throw new IllegalArgumentException(where + " has " + shape.length + " dimensions");
    }
    if (offset < 0) {
      throw new IllegalArgumentException(where + " has a negative storage offset " + offset);
    }
    long numel = 1;
    long last = offset;
    try {
      for (int i = 0; i < shape.length; i++) {
        if (shape[i] < 0) {
          throw new IllegalArgumentException(where + " has a negative size " + shape[i]);
        }
        if (stride[i] < 0) {
          throw new IllegalArgumentException(
              where + " has a negative stride " + stride[i] + " (PyTorch has none)");
        }
        numel = Math.multiplyExact(numel, shape[i]);
      }
      if (numel > 0) {
        for (int i = 0; i < shape.length; i++) {
          last = Math.addExact(last, Math.multiplyExact(shape[i] - 1, stride[i]));
        }
      }
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException(
          where
              + " has sizes "
              + Arrays.toString(shape)
              + " and strides "
              + Arrays.toString(stride)
              + " that overflow");
    }
    if (numel > 0 && last >= storage.numel()) {
      throw new IllegalArgumentException(
          where
              + " (offset "
              + offset
              + ", sizes "
              + Arrays.toString(shape)
              + ", strides "
              + Arrays.toString(stride)
              + ") reaches element "
              + last
              + " of a storage of "
              + storage.numel());
    }
    // Overlapping strides (stride 0 from expand()) could make a small storage describe a huge
    // tensor; a state dict never needs that, and refusing it bounds every allocation by the file.
    if (numel > storage.numel()) {
      throw new IllegalArgumentException(
          where
              + " has "
              + numel
              + " elements but its storage holds only "
              + storage.numel()
              + " (overlapping strides are not supported)");
    }
    if (numel * storage.dtype().byteWidth() > MAX_BYTES) {
      throw new IllegalArgumentException(
          where + " of " + numel + " elements is larger than the 2 GiB jdino reads per tensor");
    }
  }

  public DType dtype() {
    return storage.dtype();
  }

  public long numel() {
    return numel(shape);
  }

  /**
   * The number of elements of a tensor of sizes {@code shape} (1 for a scalar), for every
   * description of a tensor's shape (this one, {@link PthWriter.Tensor}, {@code WeightFile}'s).
   */
  public static long numel(long[] shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  @Override
  public long[] stride() {
    return stride.clone();
  }

  /** Row-major (C) order with no gaps: the storage slice can be read as is. */
  public boolean isContiguous() {
    long expected = 1;
    for (int i = shape.length - 1; i >= 0; i--) {
      if (shape[i] != 1 && stride[i] != expected) {
        return numel() == 0;
      }
      expected *= shape[i];
    }
    return true;
  }

  /** One past the last storage element this view touches (its offset when empty). */
  long storageEnd() {
    if (numel() == 0) {
      return offset;
    }
    long last = offset;
    for (int i = 0; i < shape.length; i++) {
      last += (shape[i] - 1) * stride[i];
    }
    return last + 1;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PyTensor t
        && storage.equals(t.storage)
        && offset == t.offset
        && Arrays.equals(shape, t.shape)
        && Arrays.equals(stride, t.stride);
  }

  @Override
  public int hashCode() {
    return storage.hashCode() * 31 + Arrays.hashCode(shape) * 7 + Long.hashCode(offset);
  }

  @Override
  public String toString() {
    return dtype().torchName() + Arrays.toString(shape);
  }
}
