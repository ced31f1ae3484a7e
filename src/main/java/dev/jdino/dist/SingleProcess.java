package dev.jdino.dist;

import ai.djl.ndarray.NDArray;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

/**
 * A world of one process: every sum is the value itself and every broadcast keeps it, so the
 * trainer can make the same calls whether or not it runs distributed. Loads no native code:
 * single-process training needs no MPI installed.
 *
 * <p>Arguments are checked as the MPI implementation checks them (element types, roots, buffer
 * kinds), so a call that would fail on many ranks fails on one too. Tensors may live on any device
 * here: a sum over one rank never touches their memory.
 */
public final class SingleProcess implements Collectives {
  private String host;

  @Override
  public int rank() {
    return 0;
  }

  @Override
  public int size() {
    return 1;
  }

  @Override
  public int localRank() {
    return 0;
  }

  @Override
  public int localSize() {
    return 1;
  }

  @Override
  public synchronized String processorName() {
    if (host == null) {
      try {
        host = InetAddress.getLocalHost().getHostName();
      } catch (UnknownHostException e) {
        host = "localhost";
      }
    }
    return host;
  }

  @Override
  public void allReduceSum(NDArray array) {
    ElementType.of(array.getDataType());
  }

  @Override
  public void allReduceSum(ByteBuffer direct, ElementType type) {
    MpiCollectives.checkRegion(direct, type);
  }

  @Override
  public void allReduceSum(float[] values) {}

  @Override
  public void allReduceSum(double[] values) {}

  @Override
  public void allReduceSum(long[] values) {}

  @Override
  public void broadcast(NDArray array, int root) {
    checkRoot(root, 1);
  }

  @Override
  public void broadcast(byte[] data, int root) {
    checkRoot(root, 1);
  }

  @Override
  public void barrier() {}

  @Override
  public CommStats stats() {
    return CommStats.ZERO;
  }

  @Override
  public void abort(int status) {
    Runtime.getRuntime().halt(status);
  }

  @Override
  public void close() {}

  static void checkRoot(int root, int size) {
    if (root < 0 || root >= size) {
      throw new IllegalArgumentException(
          "broadcast root must be a rank from 0 to " + (size - 1) + ", got " + root);
    }
  }
}
