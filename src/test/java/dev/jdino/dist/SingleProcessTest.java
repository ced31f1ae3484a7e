package dev.jdino.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import dev.jdino.engine.Torch;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** The world of one, and the zero-copy tensor view every MPI call relies on. */
class SingleProcessTest {
  @Test
  void sumsAndBroadcastsKeepTheValues() {
    try (SingleProcess one = new SingleProcess();
        NDManager m = Torch.newManager()) {
      assertEquals(0, one.rank());
      assertEquals(1, one.size());
      assertTrue(one.isMain());
      NDArray a = m.create(new float[] {1, 2, 3});
      one.allReduceSum(a);
      one.broadcast(a, 0);
      assertArrayEquals(new float[] {1, 2, 3}, a.toFloatArray());
      double[] d = {0.1, 0.2};
      one.allReduceSum(d);
      assertArrayEquals(new double[] {0.1, 0.2}, d);
      one.barrier();
      assertSame(CommStats.ZERO, one.stats());
      assertEquals("rank 0 of 1 (local 0 of 1 on " + one.processorName() + ")", one.describe());
    }
  }

  @Test
  void refusesWhatMpiWouldRefuse() {
    try (SingleProcess one = new SingleProcess();
        NDManager m = Torch.newManager()) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class, () -> one.allReduceSum(m.create(new int[] {1})));
      assertEquals(
          "can only sum float32, float64 or int64 tensors across ranks, got int32", e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> one.broadcast(new byte[3], 1));
      assertEquals("broadcast root must be a rank from 0 to 0, got 1", e.getMessage());
      e =
          assertThrows(
              IllegalArgumentException.class,
              () -> one.allReduceSum(ByteBuffer.allocate(8), ElementType.FLOAT32));
      assertEquals("collectives need a direct ByteBuffer, got a heap one", e.getMessage());
      e =
          assertThrows(
              IllegalArgumentException.class,
              () -> one.allReduceSum(ByteBuffer.allocateDirect(6), ElementType.FLOAT32));
      assertEquals("6 bytes are not a whole number of float32 elements", e.getMessage());
    }
  }

  @Test
  void directViewIsTheTensorsOwnMemory() {
    try (NDManager m = Torch.newManager()) {
      NDArray whole = m.create(new float[] {0, 1, 2, 3, 4, 5});
      NDArray slice = whole.get(new NDIndex("2:5"));
      ByteBuffer view = DirectView.of(slice);
      assertEquals(ByteOrder.nativeOrder(), view.order());
      assertEquals(12, view.capacity());
      // the proof of aliasing flips one byte and restores it
      assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5}, whole.toFloatArray());
      view.putFloat(4, 30f);
      assertArrayEquals(new float[] {0, 1, 2, 30, 4, 5}, whole.toFloatArray());
      NDArray empty = m.create(new float[0]);
      assertEquals(0, DirectView.of(empty).capacity());
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class, () -> DirectView.of(whole.reshape(2, 3).transpose()));
      assertTrue(e.getMessage().contains("not contiguous"), e.getMessage());
    }
  }
}
