package dev.jdino.dist;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import dev.jdino.io.BadInputException;
import java.nio.ByteBuffer;

/**
 * {@link Collectives} whose tensor operations on GPU tensors go through NCCL, the GPU backend of
 * the official code's {@code torch.distributed} runs; everything else (CPU tensors, small
 * statistics, barriers) and the bootstrap go through MPI. NCCL is loaded at run time from {@code
 * libnccl.so.2}; nothing about it is needed to build or to train on CPUs.
 *
 * <p>Each rank drives one GPU (NCCL refuses two ranks on one device). Operations are timed, counted
 * and watched like the MPI ones, in the same {@link CommStats}.
 *
 * <p>Not yet run on a GPU: written against NCCL's and CUDA's documented C APIs, checked on CPUs
 * only where it can be (the tensor addresses, the message when NCCL is missing).
 */
public final class NcclCollectives implements Collectives {
  private final MpiCollectives mpi;
  private final int device;
  private final int version;
  private boolean closed;

  private NcclCollectives(MpiCollectives mpi, int device, int version) {
    this.mpi = mpi;
    this.device = device;
    this.version = version;
  }

  /**
   * Loads NCCL and creates its communicator over {@code mpi}'s ranks on GPU {@code device}
   * (collective: every rank calls it, each with its own GPU).
   *
   * @throws BadInputException when NCCL or the CUDA driver cannot be loaded
   */
  public static NcclCollectives start(MpiCollectives mpi, int device) {
    if (device < 0) {
      throw new IllegalArgumentException("GPU ordinal must be non-negative, got " + device);
    }
    int version;
    try {
      version = MpiNative.ncclLoad();
    } catch (CollectiveException e) {
      throw new BadInputException(
          mpi.who()
              + ": "
              + e.getMessage()
              + "; distributed GPU training needs NCCL (it comes"
              + " with CUDA installs and the nvidia-nccl packages): put libnccl.so.2 on"
              + " LD_LIBRARY_PATH",
          e);
    }
    mpi.call(
        MpiCollectives.BROADCAST,
        "ncclCommInitRank on GPU " + device,
        128,
        () -> {
          MpiNative.ncclInit(device);
          return 1;
        });
    return new NcclCollectives(mpi, device, version);
  }

  /** NCCL's version, e.g. "2.27.3". */
  public String ncclVersion() {
    // NCCL >= 2.9 encodes major * 10000 + minor * 100 + patch, older ones major * 1000 + ...
    return version >= 10000
        ? (version / 10000) + "." + (version / 100 % 100) + "." + (version % 100)
        : (version / 1000) + "." + (version / 100 % 10) + "." + (version % 100);
  }

  /** The GPU this rank's communicator runs on. */
  public int device() {
    return device;
  }

  @Override
  public int rank() {
    return mpi.rank();
  }

  @Override
  public int size() {
    return mpi.size();
  }

  @Override
  public int localRank() {
    return mpi.localRank();
  }

  @Override
  public int localSize() {
    return mpi.localSize();
  }

  @Override
  public String processorName() {
    return mpi.processorName();
  }

  private static boolean onGpu(NDArray array) {
    return !Device.cpu().equals(array.getDevice());
  }

  @Override
  public void allReduceSum(NDArray array) {
    if (!onGpu(array)) {
      mpi.allReduceSum(array);
      return;
    }
    ElementType type = ElementType.of(array.getDataType());
    long address = TensorAddress.of(array);
    long count = array.size();
    long bytes = count * type.bytes();
    mpi.call(
        MpiCollectives.ALL_REDUCE,
        "ncclAllReduce of " + MpiCollectives.human(bytes) + " " + type + " on GPU " + device,
        bytes,
        () -> {
          MpiNative.ncclAllReduceSum(address, count, type.code());
          return 1;
        });
  }

  @Override
  public void allReduceSum(ByteBuffer direct, ElementType type) {
    mpi.allReduceSum(direct, type);
  }

  @Override
  public void allReduceSum(float[] values) {
    mpi.allReduceSum(values);
  }

  @Override
  public void allReduceSum(double[] values) {
    mpi.allReduceSum(values);
  }

  @Override
  public void allReduceSum(long[] values) {
    mpi.allReduceSum(values);
  }

  @Override
  public void broadcast(NDArray array, int root) {
    if (!onGpu(array)) {
      mpi.broadcast(array, root);
      return;
    }
    SingleProcess.checkRoot(root, size());
    long bytes = array.size() * array.getDataType().getNumOfBytes();
    // Any element type is bytes to a broadcast; the address accessor needs a summable one.
    long address = TensorAddress.of(array);
    mpi.call(
        MpiCollectives.BROADCAST,
        "ncclBroadcast of " + MpiCollectives.human(bytes) + " from rank " + root,
        bytes,
        () -> {
          MpiNative.ncclBroadcast(address, bytes, root);
          return 1;
        });
  }

  @Override
  public void broadcast(byte[] data, int root) {
    mpi.broadcast(data, root);
  }

  @Override
  public void barrier() {
    mpi.barrier();
  }

  @Override
  public CommStats stats() {
    return mpi.stats();
  }

  @Override
  public void abort(int status) {
    mpi.abort(status);
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      mpi.call(
          MpiCollectives.BARRIER,
          "ncclCommDestroy",
          0,
          () -> {
            MpiNative.ncclFinalize();
            return 1;
          });
    } finally {
      mpi.close();
    }
  }
}
