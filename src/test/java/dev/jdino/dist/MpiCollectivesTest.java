package dev.jdino.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The MPI collectives between two real processes ({@code mpirun -np 2} on this machine, one thread
 * each): every value below is worked out by hand from the inputs in {@link MpiProbe}.
 */
class MpiCollectivesTest {
  private static final Duration LIMIT = Duration.ofSeconds(120);

  @Test
  void sumsAndBroadcastsAreExactOnBothRanks(@TempDir Path out) throws Exception {
    MpiRun.Result run =
        MpiRun.run(2, LIMIT, Map.of(), MpiProbe.class.getName(), "collectives", out.toString());
    assertEquals(0, run.exitCode(), run.output());
    for (int r = 0; r < 2; r++) {
      Map<String, String> got = lines(out.resolve("rank" + r + ".txt"));
      String where = "rank " + r + ": ";
      assertEquals(r + " 2 " + r + " 2", got.get("world"), where + "rank, size, local rank/size");
      assertTrue(
          got.get("fields")
              .startsWith(
                  "{RANK=" + r + ", WORLD_SIZE=2, LOCAL_RANK=" + r + ", LOCAL_WORLD_SIZE=2, HOST="),
          where + got.get("fields"));

      // 100 float32 in chunks of 7: 15 MPI calls; rank 0 held i, rank 1 held 2i + 1.
      assertEquals("15", got.get("f32calls"), where + "chunks");
      assertEquals("20 420", got.get("f32position"), where + "position and limit kept");
      StringJoiner f32 = new StringJoiner(" ");
      for (int i = 0; i < 110; i++) {
        f32.add(Float.toString(i >= 5 && i < 105 ? 3 * (i - 5) + 1 : -7f));
      }
      assertEquals(f32.toString(), got.get("f32"), where + "float32 sums; outside untouched");

      assertEquals("[0.375, -0.5, 1.0E300]", got.get("f64"), where + "float64 sums");
      StringJoiner i64 = new StringJoiner(", ", "[", "]");
      for (int i = 0; i < 5; i++) {
        i64.add(Long.toString((1L << 54) + 4L * i + 1));
      }
      assertEquals(i64.toString(), got.get("i64"), where + "int64 sums, exact above 2^53");
      assertEquals("[3.0, 1.0, -1.0]", got.get("floats"), where + "float[] sums");

      StringJoiner tensor = new StringJoiner(", ", "[", "]");
      StringJoiner slice = new StringJoiner(", ", "[", "]");
      for (int i = 0; i < 12; i++) {
        tensor.add(Float.toString(3f * i));
        slice.add(Float.toString(i >= 4 && i < 8 ? 3f * i : (float) i * (r + 1)));
      }
      assertEquals(tensor.toString(), got.get("tensor"), where + "tensor summed in place");
      assertEquals(slice.toString(), got.get("slice"), where + "only the slice summed");
      assertEquals("[1, 10, " + ((1L << 61) + 1) + "]", got.get("ints"), where + "int64 tensor");
      assertEquals("int64", got.get("dtype"));

      assertEquals("from rank 1", got.get("bytes"), where + "bytes broadcast from rank 1");
      assertEquals("4", got.get("bcastcalls"), where + "40 bytes in 12-byte chunks");
      StringJoiner bcast = new StringJoiner(", ", "[", "]");
      for (int i = 0; i < 10; i++) {
        bcast.add(Float.toString(i * 0.5f));
      }
      assertEquals(bcast.toString(), got.get("bcast"), where + "tensor broadcast from rank 0");
      assertEquals("[3.141592653589793, -1.0E-300] float64", got.get("bcast64"), where);
      assertTrue(
          got.get("transposed").startsWith("refused ")
              && got.get("transposed").contains("not contiguous"),
          where + got.get("transposed"));

      assertTrue(
          got.get("badroot").startsWith("MPI_Bcast failed: MPI_ERR_ROOT"),
          where + "MPI's error string, not an abort: " + got.get("badroot"));

      // allreduce: 15 + 6 single calls, 400 + 24 + 40 + 12 + 48 + 16 + 24 bytes;
      // broadcast: 1 + 4 + 1 calls, 11 + 40 + 16 bytes; one barrier.
      assertEquals("21 564 6 67 1", got.get("stats"), where + "counted calls and bytes");
      assertEquals("true", got.get("time"), where + "time recorded");
      if (!got.get("nccl").equals("started")) {
        // Without NCCL (as on CPU-only machines) the GPU path says so, naming rank and library.
        assertTrue(
            got.get("nccl").startsWith("BadInputException rank " + r + " of 2 (")
                && got.get("nccl").contains("libnccl.so.2")
                && got.get("nccl")
                    .endsWith(
                        "distributed GPU training needs NCCL (it comes with CUDA installs and the"
                            + " nvidia-nccl packages): put libnccl.so.2 on LD_LIBRARY_PATH"),
            where + got.get("nccl"));
      }
    }
    assertEquals(2, count(run.output(), "finished collectives"), run.output());
  }

  @Test
  void bucketedAveragingIsTheMean(@TempDir Path out) throws Exception {
    MpiRun.Result run =
        MpiRun.run(2, LIMIT, Map.of(), MpiProbe.class.getName(), "buckets", out.toString());
    assertEquals(0, run.exitCode(), run.output());
    StringJoiner mean = new StringJoiner(" ");
    for (int i = 0; i < 1003; i++) {
      mean.add(Float.toString(i + 0.5f));
    }
    for (int r = 0; r < 2; r++) {
      Map<String, String> got = lines(out.resolve("rank" + r + ".txt"));
      // 1003 floats in 1 KiB buckets (256 floats): 256 + 256 + 256 + 235, one call each.
      assertEquals("4 4 4012", got.get("small"), "rank " + r + ": buckets, calls, bytes");
      assertEquals(mean.toString(), got.get("smallvalues"), "rank " + r + ": mean of i, i + 1");
      assertEquals("1 1", got.get("large"), "rank " + r + ": one 25 MiB bucket holds it all");
      assertEquals(mean.toString(), got.get("largevalues"), "rank " + r);
    }
  }

  @Test
  void threadsFollowTheCoresEachRankMayUse(@TempDir Path out) throws Exception {
    // Unbound, both ranks may use every core: they share them. Bound to a core each (Open MPI's
    // core binding, as Slurm's --cpus-per-task gives each task its own), nothing is shared.
    int cores = Runtime.getRuntime().availableProcessors();
    MpiRun.Result run =
        MpiRun.run(2, LIMIT, Map.of(), MpiProbe.class.getName(), "threads", out.toString());
    assertEquals(0, run.exitCode(), run.output());
    for (int r = 0; r < 2; r++) {
      String[] got = lines(out.resolve("rank" + r + ".txt")).get("threads").split(" ");
      assertEquals("2", got[0], "unbound rank " + r + " shares its cores with the other");
      assertEquals(Integer.toString(Math.max(1, cores / 2)), got[1], "threads of rank " + r);
    }
    run =
        MpiRun.run(2, "core", LIMIT, Map.of(), MpiProbe.class.getName(), "threads", out.toString());
    assertEquals(0, run.exitCode(), run.output());
    for (int r = 0; r < 2; r++) {
      String[] got = lines(out.resolve("rank" + r + ".txt")).get("threads").split(" ");
      assertEquals("1", got[0], "bound rank " + r + " has cores of its own (" + got[3] + ")");
      assertEquals(got[2], got[1], "bound rank " + r + " uses all of them");
    }
  }

  static Map<String, String> lines(Path file) throws Exception {
    assertTrue(Files.isRegularFile(file), file + " was not written");
    Map<String, String> m = new HashMap<>();
    List<String> all = Files.readAllLines(file);
    for (String line : all) {
      int sp = line.indexOf(' ');
      m.put(line.substring(0, sp), line.substring(sp + 1));
    }
    return m;
  }

  static int count(String text, String what) {
    int n = 0;
    for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
      n++;
    }
    return n;
  }
}
