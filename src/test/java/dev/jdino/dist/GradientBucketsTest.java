package dev.jdino.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.jdino.engine.Torch;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Bucket boundaries and the mean, in process: a stand-in world of n ranks whose "other ranks" make
 * call k of a step turn each element x into n x + k. After the average every element is (n x + k) /
 * n, which shows which bucket reduced it and that it was reduced exactly once.
 */
class GradientBucketsTest {
  /** Collectives of a pretend world of {@code n}: only the ByteBuffer sum is used here. */
  private static final class PretendWorld extends SingleProcessLike {
    final int n;
    final List<Integer> bucketLengths = new ArrayList<>();

    PretendWorld(int n) {
      this.n = n;
    }

    @Override
    public int size() {
      return n;
    }

    @Override
    public void allReduceSum(ByteBuffer direct, ElementType type) {
      assertEquals(ElementType.FLOAT32, type);
      FloatBuffer f = direct.slice().order(ByteOrder.nativeOrder()).asFloatBuffer();
      int k = bucketLengths.size();
      for (int i = 0; i < f.capacity(); i++) {
        f.put(i, n * f.get(i) + k);
      }
      bucketLengths.add(f.capacity());
    }
  }

  @Test
  void oneCallPerBucketAndTheMean() {
    try (NDManager m = Torch.newManager()) {
      float[] x = new float[1003];
      for (int i = 0; i < x.length; i++) {
        x[i] = i - 500;
      }
      for (int n : new int[] {2, 3}) {
        PretendWorld world = new PretendWorld(n);
        NDArray g = m.create(x);
        GradientBuckets buckets = new GradientBuckets(world, 1024 + 3); // 256 whole floats
        assertEquals(256, buckets.bucketElements());
        assertEquals(4, buckets.bucketCount(1003));
        assertEquals(4, buckets.average(g));
        assertEquals(List.of(256, 256, 256, 235), world.bucketLengths);
        float[] expected = new float[x.length];
        for (int i = 0; i < x.length; i++) {
          expected[i] = (n * x[i] + i / 256) / (float) n;
        }
        assertArrayEquals(expected, g.toFloatArray(), "world of " + n);
      }
    }
  }

  @Test
  void defaultBucketIsDdpsAndExactFitsMakeNoEmptyBucket() {
    GradientBuckets b = new GradientBuckets(new PretendWorld(2));
    assertEquals(25L * 1024 * 1024 / 4, b.bucketElements());
    assertEquals(1, b.bucketCount(25L * 1024 * 1024 / 4));
    assertEquals(2, b.bucketCount(25L * 1024 * 1024 / 4 + 1));
    assertEquals(0, b.bucketCount(0));
  }

  @Test
  void aWorldOfOneLeavesTheGradientAlone() {
    try (NDManager m = Torch.newManager()) {
      NDArray g = m.create(new float[] {1.5f, -2f, 3f});
      assertEquals(0, new GradientBuckets(new SingleProcess(), 4).average(g));
      assertArrayEquals(new float[] {1.5f, -2f, 3f}, g.toFloatArray());
    }
  }

  @Test
  void refusesWhatItCannotAverage() {
    assertThrows(IllegalArgumentException.class, () -> new GradientBuckets(new PretendWorld(2), 3));
    try (NDManager m = Torch.newManager()) {
      GradientBuckets b = new GradientBuckets(new PretendWorld(2), 64);
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class, () -> b.average(m.create(new double[] {1, 2})));
      assertEquals("the flat gradient must be float32, got float64", e.getMessage());
      NDArray strided = m.create(new float[12]).reshape(3, 4).transpose();
      e = assertThrows(IllegalArgumentException.class, () -> b.average(strided));
      assertEquals(
          "the tensor (4, 3) is not contiguous in memory (a transposed or strided view?):"
              + " reduce a contiguous tensor, or copy it into one and back",
          e.getMessage());
    }
  }

  /** SingleProcess's behaviour with a different size, so the fake above stays short. */
  private abstract static class SingleProcessLike implements Collectives {
    private final SingleProcess one = new SingleProcess();

    @Override
    public int rank() {
      return 0;
    }

    @Override
    public int localRank() {
      return 0;
    }

    @Override
    public int localSize() {
      return size();
    }

    @Override
    public String processorName() {
      return "pretend";
    }

    @Override
    public void allReduceSum(NDArray array) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void allReduceSum(float[] values) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void allReduceSum(double[] values) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void allReduceSum(long[] values) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void broadcast(NDArray array, int root) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void broadcast(byte[] data, int root) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void barrier() {}

    @Override
    public CommStats stats() {
      return one.stats();
    }

    @Override
    public void abort(int status) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void close() {}
  }
}
