package dev.jdino.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import dev.jdino.engine.Torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The tensor addresses NCCL would be given, checked on CPU tensors against the address of DJL's
 * zero-copy view of the same memory; and what loading NCCL says on this machine. (Only loads the
 * JNI library: MPI itself is not started.)
 */
class TensorAddressTest {
  @BeforeAll
  static void loadLibrary() {
    MpiCollectives.load(MpiRun.requireMpi());
  }

  @Test
  void addressIsTheTensorsFirstElement() {
    try (NDManager m = Torch.newManager()) {
      NDArray f = m.create(new float[10]);
      long base = MpiNative.bufferAddress(DirectView.of(f));
      assertTrue(base != 0);
      assertEquals(base, TensorAddress.of(f));
      assertEquals(base + 3 * 4, TensorAddress.of(f.get(new NDIndex("3:7"))));
      assertEquals(base, TensorAddress.of(f.reshape(2, 5)));
      NDArray d = m.create(new double[] {1, 2, 3});
      assertEquals(MpiNative.bufferAddress(DirectView.of(d)), TensorAddress.of(d));
      NDArray l = m.create(new long[] {1, 2, 3, 4});
      assertEquals(
          MpiNative.bufferAddress(DirectView.of(l)) + 8,
          TensorAddress.of(l.get(new NDIndex("1:"))));
    }
  }

  @Test
  void stridedTensorsAreRefused() {
    try (NDManager m = Torch.newManager()) {
      NDArray f = m.create(new float[12]);
      NDArray[] strided = {f.reshape(3, 4).transpose(), f.get(new NDIndex("::2"))};
      for (NDArray s : strided) {
        IllegalArgumentException e =
            assertThrows(IllegalArgumentException.class, () -> TensorAddress.of(s));
        assertTrue(e.getMessage().contains("not contiguous"), e.getMessage());
      }
      assertThrows(
          IllegalArgumentException.class, () -> TensorAddress.of(m.create(new int[] {1, 2})));
    }
  }

  @Test
  void ncclLoadsOrSaysWhatIsMissing() {
    try {
      int version = MpiNative.ncclLoad();
      assertTrue(version > 2000, "NCCL version code " + version);
    } catch (CollectiveException e) {
      assertTrue(
          e.getMessage().startsWith("NCCL not found (libnccl.so.2: ")
              || e.getMessage().equals("the CUDA driver library libcuda.so.1 is not loadable"),
          e.getMessage());
    }
  }
}
