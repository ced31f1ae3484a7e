package dev.jdino.dist;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The bytes of a tensor as a direct buffer over the tensor's own memory, so that MPI reduces and
 * broadcasts in place with no copy in either direction.
 *
 * <p>{@code NDArray.toByteBuffer(true)} gives such a view only for a contiguous CPU tensor; for
 * anything else DJL silently returns a direct buffer over a fresh contiguous copy (DJL 0.36 {@code
 * JniUtils.getByteBuffer}), and a reduction into it would be lost without a trace. The public
 * NDArray API cannot ask whether a tensor is contiguous, so {@link #of} proves it: two views of the
 * same memory see each other's writes, two copies do not. (One byte is flipped and restored; the
 * calling thread owns the tensor while it communicates.)
 */
final class DirectView {
  private DirectView() {}

  /**
   * A native-order view of all of {@code array}'s bytes.
   *
   * @throws IllegalArgumentException if the array is not a contiguous, dense CPU tensor
   */
  static ByteBuffer of(NDArray array) {
    Device device = array.getDevice();
    if (!Device.cpu().equals(device)) {
      throw new IllegalArgumentException(
          "MPI collectives work on CPU tensors; this one is on " + device);
    }
    if (array.isSparse()) {
      throw new IllegalArgumentException("MPI collectives need a dense tensor, got a sparse one");
    }
    ByteBuffer a = array.toByteBuffer(true);
    long expected = array.size() * array.getDataType().getNumOfBytes();
    if (!a.isDirect() || a.capacity() != expected) {
      throw new IllegalArgumentException(
          "expected a direct view of "
              + expected
              + " bytes of the tensor, got "
              + (a.isDirect() ? "" : "a heap buffer of ")
              + a.capacity()
              + " bytes");
    }
    if (expected > 0) {
      ByteBuffer b = array.toByteBuffer(true);
      byte original = a.get(0);
      a.put(0, (byte) ~original);
      boolean shared = b.get(0) == (byte) ~original;
      a.put(0, original);
      if (!shared) {
        throw new IllegalArgumentException(
            "the tensor "
                + array.getShape()
                + " is not contiguous in memory (a transposed or"
                + " strided view?): reduce a contiguous tensor, or copy it into one and back");
      }
    }
    return a.order(ByteOrder.nativeOrder());
  }
}
