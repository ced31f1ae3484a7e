package dev.jdino.dist;

import java.nio.ByteBuffer;

/**
 * The functions of {@code src/main/native/jdino_mpi.c}. Only {@link MpiCollectives} calls them,
 * after loading the library, from the thread that called {@link #init}. Failures throw {@link
 * CollectiveException} with MPI's error string; buffers must be direct.
 */
final class MpiNative {
  private MpiNative() {}

  /** The MPI library's own version line (callable before {@link #init}). */
  static native String libraryVersion();

  /**
   * MPI_Init_thread(FUNNELED), MPI_ERRORS_RETURN, and the node-local communicator.
   *
   * @return whether the thread level provided is at least MPI_THREAD_FUNNELED
   */
  static native boolean init();

  static native int rank();

  static native int size();

  static native int localRank();

  static native int localSize();

  static native String processorName();

  static native void barrier();

  /** In-place sum of the whole buffer; returns the number of MPI_Allreduce calls made. */
  static native int allReduceSum(ByteBuffer direct, int elementType, long maxChunkElements);

  /** Broadcast of the whole buffer from {@code root}; returns the number of MPI_Bcast calls. */
  static native int broadcast(ByteBuffer direct, int root, long maxChunkBytes);

  static native void abort(int status);

  static native void finalizeMpi();

  /** The address of a tensor's first element (CPU or GPU), from its DJL handle. */
  static native long tensorAddress(long handle, int elementType);

  /** The address a direct buffer views. */
  static native long bufferAddress(ByteBuffer direct);

  /** Loads libnccl.so.2 and libcuda.so.1; returns NCCL's version code. */
  static native int ncclLoad();

  /** Unique id on rank 0, MPI_Bcast, ncclCommInitRank on GPU {@code device} (collective). */
  static native void ncclInit(int device);

  static native void ncclAllReduceSum(long address, long count, int elementType);

  static native void ncclBroadcast(long address, long bytes, int root);

  static native void ncclFinalize();
}
