package dev.jdino.dist;

import ai.djl.ndarray.NDArray;
import dev.jdino.io.BadInputException;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.IntSupplier;

/**
 * {@link Collectives} over MPI's C API through the JNI library {@code libjdino-mpi.so} ({@code
 * src/main/native/jdino_mpi.c}, built with {@code mpicc}). Reductions run in place on the tensor's
 * memory; a buffer longer than MPI's int count is sent in chunks. Every call is timed and counted
 * ({@link #stats()}) and guarded by a {@link Watchdog}.
 *
 * <p>MPI can be started once per process and must be finalised by every rank: create it with {@link
 * #start} (or {@link Distributed#fromEnvironment()}) in a try-with-resources on the training
 * thread.
 */
public final class MpiCollectives implements Collectives {
  /** System property naming the JNI library file (the launcher sets it). */
  public static final String LIBRARY_PROPERTY = "jdino.mpi.library";

  static final String LIBRARY_NAME = "libjdino-mpi.so";
  private static final String BUILD_HINT =
      "it is compiled with mpicc by `mvn package` and by the jdino launcher when MPI is"
          + " installed (e.g. apt-get install openmpi-bin libopenmpi-dev)";

  private static MpiCollectives started;

  private final int rank;
  private final int size;
  private final int localRank;
  private final int localSize;
  private final String host;
  private final String version;
  private final Thread owner;
  private final Watchdog watchdog;
  private final long[][] counters = new long[3][3];
  private long maxChunkElements = Integer.MAX_VALUE;
  private boolean closed;

  static final int ALL_REDUCE = 0;
  static final int BROADCAST = 1;
  static final int BARRIER = 2;

  private MpiCollectives(Duration timeout, Consumer<String> onTimeout) {
    owner = Thread.currentThread();
    watchdog = new Watchdog(timeout, onTimeout);
    try (Watchdog.Watch w =
        watchdog.arm("process " + ProcessHandle.current().pid() + ": MPI_Init_thread")) {
      if (!MpiNative.init()) {
        System.err.println(
            "jdino: warning: this MPI does not provide MPI_THREAD_FUNNELED; jdino makes every"
                + " MPI call from one thread, which most MPI libraries accept");
      }
    } catch (RuntimeException e) {
      watchdog.close();
      throw e;
    }
    rank = MpiNative.rank();
    size = MpiNative.size();
    localRank = MpiNative.localRank();
    localSize = MpiNative.localSize();
    host = MpiNative.processorName();
    version = MpiNative.libraryVersion();
  }

  /**
   * Loads the JNI library ({@link #libraryPath()}) and starts MPI. A collective that takes longer
   * than {@code timeout} (zero: no limit) prints one line and halts this process with {@link
   * #PEER_FAILURE_STATUS}.
   *
   * @throws BadInputException if the library is missing or cannot be loaded
   * @throws IllegalStateException if MPI was already started in this process
   */
  public static MpiCollectives start(Duration timeout) {
    return start(libraryPath(), timeout, Watchdog.haltWith(PEER_FAILURE_STATUS));
  }

  static synchronized MpiCollectives start(
      Path library, Duration timeout, Consumer<String> onTimeout) {
    if (started != null) {
      throw new IllegalStateException(
          started.closed
              ? "MPI was already finalized in this process and cannot be started again"
              : "MPI is already started in this process; use its Collectives");
    }
    load(library);
    started = new MpiCollectives(timeout, onTimeout);
    return started;
  }

  /** Loads the JNI library (without starting MPI: tests use its tensor-address functions). */
  static synchronized void load(Path library) {
    try {
      System.load(library.toAbsolutePath().toString());
    } catch (UnsatisfiedLinkError e) {
      throw new BadInputException(
          "cannot load the MPI library "
              + library
              + ": "
              + e.getMessage()
              + " (rebuild it: delete it and run jdino again; "
              + BUILD_HINT
              + ")",
          e);
    }
  }

  /**
   * The JNI library: the file named by {@code -Djdino.mpi.library}, else {@code
   * target/native/libjdino-mpi.so} under {@code -Djdino.home} or the working directory.
   *
   * @throws BadInputException naming the places looked at when it is not there
   */
  public static Path libraryPath() {
    String explicit = System.getProperty(LIBRARY_PROPERTY);
    if (explicit != null && !explicit.isBlank()) {
      Path p = Path.of(explicit);
      if (!Files.isRegularFile(p)) {
        throw new BadInputException(
            "distributed training needs the MPI library "
                + p
                + ", which is not built; "
                + BUILD_HINT);
      }
      return p;
    }
    List<Path> tried = new ArrayList<>();
    String home = System.getProperty("jdino.home");
    if (home != null && !home.isBlank()) {
      tried.add(Path.of(home, "target", "native", LIBRARY_NAME));
    }
    tried.add(Path.of("target", "native", LIBRARY_NAME).toAbsolutePath());
    for (Path p : tried) {
      if (Files.isRegularFile(p)) {
        return p;
      }
    }
    throw new BadInputException(
        "distributed training needs the MPI library "
            + LIBRARY_NAME
            + ", which is not built"
            + " (looked for "
            + tried
            + "); "
            + BUILD_HINT);
  }

  /** The MPI library's version line, e.g. "Open MPI v4.1.4, package: Debian OpenMPI, ...". */
  public String mpiVersion() {
    return version;
  }

  /**
   * Test hook: the most elements one MPI call may carry (MPI's own limit is the int range), so that
   * small buffers cross chunk boundaries.
   */
  void maxChunkElements(long n) {
    if (n < 1 || n > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("chunk must hold 1 to 2^31 - 1 elements, got " + n);
    }
    maxChunkElements = n;
  }

  @Override
  public int rank() {
    return rank;
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public int localRank() {
    return localRank;
  }

  @Override
  public int localSize() {
    return localSize;
  }

  @Override
  public String processorName() {
    return host;
  }

  @Override
  public void allReduceSum(NDArray array) {
    ElementType type = ElementType.of(array.getDataType());
    ByteBuffer view = DirectView.of(array);
    reduce(view, type);
    // The view does not hold the tensor: keep it reachable until MPI is done with its memory.
    Reference.reachabilityFence(array);
  }

  @Override
  public void allReduceSum(ByteBuffer direct, ElementType type) {
    checkRegion(direct, type);
    reduce(direct.slice(), type);
  }

  @Override
  public void allReduceSum(float[] values) {
    ByteBuffer b = ByteBuffer.allocateDirect(values.length * 4).order(ByteOrder.nativeOrder());
    b.asFloatBuffer().put(values);
    reduce(b, ElementType.FLOAT32);
    b.asFloatBuffer().get(values);
  }

  @Override
  public void allReduceSum(double[] values) {
    ByteBuffer b = ByteBuffer.allocateDirect(values.length * 8).order(ByteOrder.nativeOrder());
    b.asDoubleBuffer().put(values);
    reduce(b, ElementType.FLOAT64);
    b.asDoubleBuffer().get(values);
  }

  @Override
  public void allReduceSum(long[] values) {
    ByteBuffer b = ByteBuffer.allocateDirect(values.length * 8).order(ByteOrder.nativeOrder());
    b.asLongBuffer().put(values);
    reduce(b, ElementType.INT64);
    b.asLongBuffer().get(values);
  }

  private void reduce(ByteBuffer region, ElementType type) {
    long bytes = region.capacity();
    call(
        ALL_REDUCE,
        "MPI_Allreduce of " + human(bytes) + " " + type,
        bytes,
        () -> MpiNative.allReduceSum(region, type.code(), maxChunkElements));
  }

  @Override
  public void broadcast(NDArray array, int root) {
    SingleProcess.checkRoot(root, size);
    ByteBuffer view = DirectView.of(array);
    broadcast(view, root);
    Reference.reachabilityFence(array);
  }

  @Override
  public void broadcast(byte[] data, int root) {
    SingleProcess.checkRoot(root, size);
    ByteBuffer b = ByteBuffer.allocateDirect(data.length);
    b.put(data).clear();
    broadcast(b, root);
    b.get(data);
  }

  private void broadcast(ByteBuffer whole, int root) {
    long bytes = whole.capacity();
    // Chunks in bytes: the same element limit as the reductions, for float32 tensors.
    long chunk = maxChunkElements == Integer.MAX_VALUE ? Integer.MAX_VALUE : maxChunkElements * 4;
    call(
        BROADCAST,
        "MPI_Bcast of " + human(bytes) + " from rank " + root,
        bytes,
        () -> MpiNative.broadcast(whole, root, chunk));
  }

  @Override
  public void barrier() {
    call(
        BARRIER,
        "MPI_Barrier",
        0,
        () -> {
          MpiNative.barrier();
          return 1;
        });
  }

  /**
   * Runs one native collective on the MPI thread under the watchdog and counts it ({@code op}
   * returns the number of library calls it made). {@link NcclCollectives} shares this.
   */
  void call(int kind, String what, long bytes, IntSupplier op) {
    checkUsable();
    long t0 = System.nanoTime();
    int calls;
    try (Watchdog.Watch w = watchdog.arm(who() + ": " + what)) {
      calls = op.getAsInt();
    } catch (CollectiveException e) {
      throw new CollectiveException(who() + ": " + e.getMessage(), e);
    }
    long[] c = counters[kind];
    c[0] += calls;
    c[1] += bytes;
    c[2] += System.nanoTime() - t0;
  }

  String who() {
    return "rank " + rank + " of " + size + " (" + host + ")";
  }

  @Override
  public CommStats stats() {
    return new CommStats(op(ALL_REDUCE), op(BROADCAST), op(BARRIER));
  }

  private CommStats.Op op(int kind) {
    long[] c = counters[kind];
    return new CommStats.Op(c[0], c[1], c[2]);
  }

  @Override
  public void abort(int status) {
    // Open MPI's own MPI_ABORT notice is not always printed when the job ends fast: say it here.
    System.out.flush();
    System.err.println(
        "jdino: " + who() + ": ending every rank with status " + status + " (MPI_Abort)");
    System.err.flush();
    if (!closed && Thread.currentThread() == owner) {
      MpiNative.abort(status);
    }
    // MPI_Abort returned, MPI is already finalised, or this is not the MPI thread.
    Runtime.getRuntime().halt(status);
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    checkUsable();
    try (Watchdog.Watch w = watchdog.arm(who() + ": MPI_Finalize")) {
      MpiNative.finalizeMpi();
    } finally {
      closed = true;
      watchdog.close();
    }
  }

  private void checkUsable() {
    if (closed) {
      throw new IllegalStateException("MPI was finalized: no more collectives in this process");
    }
    Thread t = Thread.currentThread();
    if (t != owner) {
      throw new IllegalStateException(
          "MPI calls must come from the thread that started MPI (\""
              + owner.getName()
              + "\"), not \""
              + t.getName()
              + "\": MPI runs MPI_THREAD_FUNNELED");
    }
  }

  /** The bytes between position and limit must be whole elements of a direct buffer. */
  static void checkRegion(ByteBuffer direct, ElementType type) {
    if (!direct.isDirect()) {
      throw new IllegalArgumentException("collectives need a direct ByteBuffer, got a heap one");
    }
    if (direct.remaining() % type.bytes() != 0) {
      throw new IllegalArgumentException(
          direct.remaining() + " bytes are not a whole number of " + type + " elements");
    }
  }

  static String human(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    if (bytes < 1024 * 1024) {
      return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
    }
    return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024.0));
  }
}
