package dev.jdino.dist;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import dev.jdino.engine.Torch;
import dev.jdino.io.AtomicFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.StringJoiner;

/**
 * One rank of the MPI tests (started by {@link MpiRun} under {@code mpirun -np 2}). Each scenario
 * computes with known inputs and writes what it got to {@code <out>/rank<r>.txt}, one {@code key
 * values...} line per check; the JUnit test compares with the values worked out by hand. Nothing is
 * checked here, so a wrong result shows as a failed assertion, never as a silent pass.
 */
public final class MpiProbe {
  private MpiProbe() {}

  public static void main(String[] args) throws Exception {
    System.setProperty("ai.djl.offline", "true");
    String scenario = args[0];
    Path out = Path.of(args[1]);
    try (Collectives c = Distributed.fromEnvironment()) {
      switch (scenario) {
        case "collectives":
          collectives(c, out);
          break;
        case "buckets":
          buckets(c, out);
          break;
        case "kill":
          kill(c, out);
          break;
        case "stall":
          stall(c);
          break;
        case "exit":
          exit(c);
          break;
        case "threads":
          try (PrintWriter w = report(c, out)) {
            w.println(
                "threads "
                    + Distributed.ranksSharingCores(c)
                    + " "
                    + Distributed.threadsPerRank(c)
                    + " "
                    + Runtime.getRuntime().availableProcessors()
                    + " "
                    + Distributed.affinity());
          }
          break;
        case "abort":
          if (c.rank() == 1) {
            c.abort(9);
          }
          c.barrier();
          break;
        default:
          throw new IllegalArgumentException("unknown scenario " + scenario);
      }
      System.out.println("rank " + c.rank() + " finished " + scenario);
    }
  }

  private static PrintWriter report(Collectives c, Path out) throws IOException {
    return new PrintWriter(
        Files.newBufferedWriter(out.resolve("rank" + c.rank() + ".txt"), StandardCharsets.UTF_8));
  }

  /** Sums and broadcasts of every kind, with values whose sums are exact in their type. */
  private static void collectives(Collectives c, Path out) throws IOException {
    MpiCollectives mpi = (MpiCollectives) c;
    int r = c.rank();
    try (PrintWriter w = report(c, out);
        NDManager m = Torch.newManager()) {
      w.println("world " + c.rank() + " " + c.size() + " " + c.localRank() + " " + c.localSize());
      w.println("fields " + c.fields());

      // float32 through the ByteBuffer API, 7 elements per MPI call: 100 elements between
      // position 5 and limit 105 of a 110-element buffer take 15 calls; the 10 outside stay.
      mpi.maxChunkElements(7);
      ByteBuffer b = ByteBuffer.allocateDirect(110 * 4).order(ByteOrder.nativeOrder());
      for (int i = 0; i < 110; i++) {
        b.putFloat(i * 4, i >= 5 && i < 105 ? (r + 1) * (i - 5) + r : -7f);
      }
      b.position(5 * 4).limit(105 * 4);
      long before = c.stats().allReduce().calls();
      c.allReduceSum(b, ElementType.FLOAT32);
      w.println("f32calls " + (c.stats().allReduce().calls() - before));
      w.println("f32position " + b.position() + " " + b.limit());
      b.clear(); // absolute reads below go up to the capacity
      StringJoiner f32 = new StringJoiner(" ", "f32 ", "");
      for (int i = 0; i < 110; i++) {
        f32.add(Float.toString(b.getFloat(i * 4)));
      }
      w.println(f32);
      mpi.maxChunkElements(Integer.MAX_VALUE);

      // float64 and int64 arrays; the int64 sums are odd numbers above 2^54, which a sum in
      // double precision would round.
      double[] d = {0.125 * (r + 1), -0.5 * r, 1e300 * r};
      c.allReduceSum(d);
      w.println("f64 " + Arrays.toString(d));
      long[] l = new long[5];
      for (int i = 0; i < l.length; i++) {
        l[i] = (1L << 53) + 2L * i + r;
      }
      c.allReduceSum(l);
      w.println("i64 " + Arrays.toString(l));
      float[] f = {r + 1, 0.5f, -r};
      c.allReduceSum(f);
      w.println("floats " + Arrays.toString(f));

      // Tensors, in place: a whole float32 tensor, a contiguous slice of a larger one (only
      // the slice changes), an int64 tensor.
      float[] t = new float[12];
      for (int i = 0; i < t.length; i++) {
        t[i] = i * (r + 1);
      }
      NDArray whole = m.create(t);
      c.allReduceSum(whole);
      w.println("tensor " + Arrays.toString(whole.toFloatArray()));
      NDArray big = m.create(t);
      NDArray slice = big.get(new NDIndex("4:8"));
      c.allReduceSum(slice);
      w.println("slice " + Arrays.toString(big.toFloatArray()));
      NDArray ints = m.create(new long[] {r, 10L * r, (1L << 60) + r});
      c.allReduceSum(ints);
      w.println("ints " + Arrays.toString(ints.toLongArray()));
      w.println("dtype " + ints.getDataType());

      // Broadcasts: bytes from rank 1, a tensor from rank 0 in 3-element (12-byte) chunks.
      byte[] msg = r == 1 ? "from rank 1".getBytes(StandardCharsets.UTF_8) : new byte[11];
      c.broadcast(msg, 1);
      w.println("bytes " + new String(msg, StandardCharsets.UTF_8));
      float[] src = new float[10];
      for (int i = 0; i < src.length; i++) {
        src[i] = r == 0 ? i * 0.5f : -1f;
      }
      NDArray weights = m.create(src);
      mpi.maxChunkElements(3);
      long bcBefore = c.stats().broadcast().calls();
      c.broadcast(weights, 0);
      w.println("bcastcalls " + (c.stats().broadcast().calls() - bcBefore));
      mpi.maxChunkElements(Integer.MAX_VALUE);
      w.println("bcast " + Arrays.toString(weights.toFloatArray()));
      NDArray doubles = m.create(new double[] {r == 0 ? Math.PI : 0, r == 0 ? -1e-300 : 5});
      c.broadcast(doubles, 0);
      w.println(
          "bcast64 " + Arrays.toString(doubles.toDoubleArray()) + " " + doubles.getDataType());

      // A non-contiguous tensor is refused on every rank (before any communication).
      NDArray transposed = m.create(t).reshape(3, 4).transpose();
      try {
        c.allReduceSum(transposed);
        w.println("transposed accepted");
      } catch (IllegalArgumentException e) {
        w.println("transposed refused " + e.getMessage());
      }

      // An error MPI detects is returned, not fatal: a root outside the world, passed straight
      // to the native call (the Java side refuses it before MPI sees it).
      try {
        MpiNative.broadcast(ByteBuffer.allocateDirect(4), 2, Integer.MAX_VALUE);
        w.println("badroot accepted");
      } catch (CollectiveException e) {
        w.println("badroot " + e.getMessage());
      }

      c.barrier();
      CommStats s = c.stats();
      w.println(
          "stats "
              + s.allReduce().calls()
              + " "
              + s.allReduce().bytes()
              + " "
              + s.broadcast().calls()
              + " "
              + s.broadcast().bytes()
              + " "
              + s.barrier().calls());
      w.println("time " + (s.total().nanos() > 0));

      // NCCL on a machine without it: one clear message naming the rank, MPI still usable.
      try {
        Distributed.withGpu(c, 0).close();
        w.println("nccl started");
      } catch (RuntimeException e) {
        w.println("nccl " + e.getClass().getSimpleName() + " " + e.getMessage());
      }
    }
  }

  /** Bucketed averaging: rank 0 holds i, rank 1 holds i + 1; the mean is i + 0.5 exactly. */
  private static void buckets(Collectives c, Path out) throws IOException {
    int r = c.rank();
    try (PrintWriter w = report(c, out);
        NDManager m = Torch.newManager()) {
      float[] g = new float[1003];
      for (int i = 0; i < g.length; i++) {
        g[i] = i + r;
      }
      NDArray small = m.create(g);
      long before = c.stats().allReduce().calls();
      long buckets = new GradientBuckets(c, 1024).average(small);
      w.println(
          "small "
              + buckets
              + " "
              + (c.stats().allReduce().calls() - before)
              + " "
              + (c.stats().allReduce().bytes()));
      w.println("smallvalues " + joined(small.toFloatArray()));
      NDArray large = m.create(g);
      before = c.stats().allReduce().calls();
      buckets = new GradientBuckets(c).average(large);
      w.println("large " + buckets + " " + (c.stats().allReduce().calls() - before));
      w.println("largevalues " + joined(large.toFloatArray()));
    }
  }

  private static String joined(float[] v) {
    StringJoiner j = new StringJoiner(" ");
    for (float x : v) {
      j.add(Float.toString(x));
    }
    return j.toString();
  }

  /**
   * Rank 0 writes a file atomically, then both reduce 8 MiB over and over; rank 1 has itself killed
   * with SIGKILL in the middle of it. Rank 0 must not finish.
   */
  private static void kill(Collectives c, Path out) throws Exception {
    if (c.rank() == 0) {
      AtomicFiles.write(
          out.resolve("keep.txt"),
          o -> o.write("written before the failure\n".getBytes(StandardCharsets.UTF_8)));
    }
    c.barrier();
    ByteBuffer b = ByteBuffer.allocateDirect(8 << 20).order(ByteOrder.nativeOrder());
    for (int i = 0; i < 100_000; i++) {
      if (c.rank() == 1 && i == 3) {
        // Asynchronous on purpose: the signal lands while this rank is inside a collective.
        new ProcessBuilder("kill", "-9", Long.toString(ProcessHandle.current().pid())).start();
      }
      c.allReduceSum(b, ElementType.FLOAT32);
    }
  }

  /**
   * Rank 1 leaves abruptly (no MPI_Finalize) between two reductions; run with a launcher that does
   * not end the job when one process exits, rank 0 must end by itself.
   */
  private static void exit(Collectives c) {
    ByteBuffer b = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.nativeOrder());
    for (int i = 0; i < 100_000; i++) {
      if (c.rank() == 1 && i == 3) {
        Runtime.getRuntime().halt(3);
      }
      c.allReduceSum(b, ElementType.FLOAT32);
    }
  }

  /** Rank 1 never joins the reduction: rank 0's watchdog must end it. */
  private static void stall(Collectives c) throws InterruptedException {
    if (c.rank() == 1) {
      Thread.sleep(600_000);
    }
    c.allReduceSum(new float[1024]);
  }
}
