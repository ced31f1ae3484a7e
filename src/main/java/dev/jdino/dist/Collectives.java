package dev.jdino.dist;

import ai.djl.ndarray.NDArray;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The collective operations of data-parallel training among {@link #size()} processes (ranks),
 * numbered 0 to size - 1. Every rank must make the same calls in the same order with buffers of the
 * same length (the MPI rule); rank 0 is the one that writes files.
 *
 * <p>Tensor operations work in place on the tensor's own memory and need a contiguous CPU tensor
 * ({@code NDArray.toByteBuffer(true)} must be a view, not a copy: checked). Calls come from one
 * thread, the one that created the collectives (MPI is started FUNNELED). A collective that does
 * not complete within the configured timeout ends the process with {@link #PEER_FAILURE_STATUS} and
 * one line naming the rank and the operation.
 */
public interface Collectives extends AutoCloseable {
  /** Exit status of a rank whose collective timed out (a peer died or stopped). */
  int PEER_FAILURE_STATUS = 4;

  /** This process's position in the world, 0 to {@link #size()} - 1. */
  int rank();

  /** Number of processes training together. */
  int size();

  /** Position among the ranks on this machine (the ones sharing its memory and cores). */
  int localRank();

  /** Number of ranks on this machine. */
  int localSize();

  /** This machine's name as MPI reports it. */
  String processorName();

  /** Whether this is rank 0, the rank that writes checkpoints, metrics and the console. */
  default boolean isMain() {
    return rank() == 0;
  }

  /** Replaces every element of {@code array} by its sum over all ranks (float32/64, int64). */
  void allReduceSum(NDArray array);

  /**
   * Replaces the elements between {@code direct}'s position and limit (native byte order) by their
   * sums over all ranks; position and limit are left as they were.
   */
  void allReduceSum(ByteBuffer direct, ElementType type);

  /** Sums small statistics over all ranks, in place. */
  void allReduceSum(float[] values);

  /** Sums small statistics over all ranks, in place. */
  void allReduceSum(double[] values);

  /** Sums counts over all ranks, in place (exact: int64). */
  void allReduceSum(long[] values);

  /** Overwrites {@code array} on every rank with its values on rank {@code root}. */
  void broadcast(NDArray array, int root);

  /** Overwrites {@code data} (of the same length on every rank) with rank {@code root}'s. */
  void broadcast(byte[] data, int root);

  /** Returns once every rank has called it. */
  void barrier();

  /** What this rank has communicated so far. */
  CommStats stats();

  /**
   * Ends every process of the job at once with {@code status}, without shutdown hooks, for a
   * failure that leaves the ranks out of step. Does not return.
   */
  void abort(int status);

  /** Ends the communication (MPI_Finalize: every rank must call it). */
  @Override
  void close();

  /**
   * This rank's position under the names torchrun gives its environment variables ({@code RANK},
   * {@code WORLD_SIZE}, {@code LOCAL_RANK}, {@code LOCAL_WORLD_SIZE}) plus the host, for logs and
   * the run's metadata.
   */
  default Map<String, Object> fields() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("RANK", rank());
    m.put("WORLD_SIZE", size());
    m.put("LOCAL_RANK", localRank());
    m.put("LOCAL_WORLD_SIZE", localSize());
    m.put("HOST", processorName());
    return m;
  }

  /** One line for the console, e.g. "rank 1 of 4 (local 1 of 2 on node7)". */
  default String describe() {
    return String.format(
        Locale.ROOT,
        "rank %d of %d (local %d of %d on %s)",
        rank(),
        size(),
        localRank(),
        localSize(),
        processorName());
  }
}
