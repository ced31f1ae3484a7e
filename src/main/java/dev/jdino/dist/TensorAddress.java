package dev.jdino.dist;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.util.NativeResource;

/**
 * The memory address of a tensor's first element, on any device, for NCCL (a GPU tensor has no
 * direct-buffer view: DJL copies it to the host). Read through libtorch's exported {@code
 * at::TensorBase::mutable_data_ptr<T>()} on the DJL handle ({@code src/main/native/jdino_mpi.c}).
 *
 * <p>Density is proven by addresses, as {@link DirectView} proves it by writes: flattening a tensor
 * that is dense in memory gives a view, whose last element lies (n - 1) elements after the first; a
 * strided tensor flattens to a copy, or to a view with a longer step.
 */
final class TensorAddress {
  private TensorAddress() {}

  /**
   * @throws IllegalArgumentException if the tensor is not dense in memory (or its type cannot be
   *     summed)
   */
  static long of(NDArray array) {
    ElementType type = ElementType.of(array.getDataType());
    long first = raw(array, type);
    long n = array.size();
    if (n > 1) {
      try (NDArray flat = array.reshape(-1);
          NDArray last = flat.get(new NDIndex().addIndices(n - 1))) {
        long expected = first + (n - 1) * type.bytes();
        if (raw(flat, type) != first || raw(last, type) != expected) {
          throw new IllegalArgumentException(
              "the tensor "
                  + array.getShape()
                  + " is not contiguous in memory (a transposed or"
                  + " strided view?): reduce a contiguous tensor, or copy it into one and back");
        }
      }
    }
    return first;
  }

  private static long raw(NDArray array, ElementType type) {
    if (!(array instanceof NativeResource)) {
      throw new IllegalArgumentException(
          "expected a tensor of DJL's PyTorch engine, got " + array.getClass().getName());
    }
    Object handle = ((NativeResource<?>) array).getHandle();
    return MpiNative.tensorAddress((Long) handle, type.code());
  }
}
