package dev.jdino.dist;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A rank started by {@link LocalLauncher} in {@link LocalLauncherTest}: writes what it was given
 * (its position, its thread settings) to {@code <out>/rank<r>.txt}; rank 1 then exits with the
 * status given as the second argument.
 */
public final class LaunchProbe {
  private LaunchProbe() {}

  public static void main(String[] args) throws Exception {
    Path out = Path.of(args[0]);
    int status = Integer.parseInt(args[1]);
    int rank;
    try (Collectives c = Distributed.fromEnvironment()) {
      rank = c.rank();
      Files.writeString(
          out.resolve("rank" + rank + ".txt"),
          c.getClass().getSimpleName()
              + " "
              + c.rank()
              + " "
              + c.size()
              + " "
              + c.localSize()
              + " "
              + System.getenv("OMP_NUM_THREADS")
              + " "
              + System.getenv("MKL_NUM_THREADS")
              + " "
              + System.getProperty("ai.djl.pytorch.num_threads")
              + " "
              + String.join(",", args));
      c.barrier();
    }
    if (rank == 1) {
      System.exit(status);
    }
  }
}
