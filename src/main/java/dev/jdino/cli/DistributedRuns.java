package dev.jdino.cli;

import ai.djl.Device;
import dev.jdino.dist.Collectives;
import dev.jdino.dist.Distributed;
import dev.jdino.dist.LocalLauncher;
import dev.jdino.dist.MpiCollectives;
import dev.jdino.dist.NcclCollectives;
import dev.jdino.engine.Torch;
import dev.jdino.io.BadInputException;
import dev.jdino.train.DataParallel;
import java.io.PrintWriter;
import java.io.Writer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The command line's side of data-parallel training: {@code --nproc-per-node} (the command again as
 * N ranks under mpirun), one world per command opened on the command's thread and closed by every
 * rank, rank 0's console, the device, and the end of every rank when one of them fails.
 *
 * <p>A process that no MPI launcher started is a world of one: the command runs exactly as it does
 * without this class, and no native MPI code is loaded ({@link Distributed#fromEnvironment()}).
 */
final class DistributedRuns {
  private DistributedRuns() {}

  /**
   * This process's part of a run.
   *
   * @param world the collectives (NCCL for GPU tensors with {@code --device cuda})
   * @param out the console: the command's own on rank 0, a sink on the others
   * @param defaultThreads compute threads when {@code --threads} is not given: cores / ranks
   *     sharing them in a distributed run, 0 (the engine's default) in one process
   */
  record Rank(Collectives world, PrintWriter out, int defaultThreads) {
    Rank {
      if (world == null || out == null || defaultThreads < 0) {
        throw new IllegalArgumentException(
            "a rank needs its world, its console and a thread count");
      }
    }

    DataParallel parallel() {
      return DataParallel.over(world);
    }

    boolean distributed() {
      return world.size() > 1;
    }

    /** {@code --threads} if given (positive), else {@link #defaultThreads}. */
    int threads(int given) {
      return given > 0 ? given : defaultThreads;
    }
  }

  /** The command's work on one rank; returns the exit status. */
  interface Body {
    int run(Rank rank) throws Exception;
  }

  /**
   * {@code --nproc-per-node N}: runs this command line again (without the flag) as N ranks on this
   * machine under mpirun and returns their exit status.
   */
  static int relaunch(CommandSpec spec, int n) throws Exception {
    List<String> args =
        withoutNprocPerNode(spec.root().commandLine().getParseResult().originalArgs());
    return LocalLauncher.run(n, Main.class.getName(), args);
  }

  /** {@code args} without {@code --nproc-per-node N} or {@code --nproc-per-node=N}. */
  static List<String> withoutNprocPerNode(List<String> args) {
    List<String> kept = new ArrayList<>();
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (a.equals(DistributedOptions.NPROC_PER_NODE)) {
        i++;
      } else if (!a.startsWith(DistributedOptions.NPROC_PER_NODE + "=")) {
        kept.add(a);
      }
    }
    return kept;
  }

  /**
   * Runs {@code body} as this process's rank. In a distributed run every rank must get here; a
   * failure on any of them prints its one line (naming the rank) and ends all ranks with the
   * command's exit status (MPI_Abort), since the others would otherwise wait in a collective for a
   * rank that has left. On success every rank closes the world (MPI_Finalize).
   */
  static int run(CommandSpec spec, DistributedOptions where, Body body) throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    boolean cuda = cuda(where);
    Collectives world = Distributed.fromEnvironment();
    if (world.size() == 1) {
      if (cuda) {
        useGpu(0, world);
      } else if (where != null && where.device != null) {
        Torch.useDevice(Device.cpu());
      }
      return body.run(new Rank(world, out, 0));
    }
    Rank rank;
    try {
      if (cuda) {
        useGpu(world.localRank(), world);
        world = Distributed.withGpu(world, world.localRank());
      } else if (where != null && where.device != null) {
        Torch.useDevice(Device.cpu());
      }
      int threads = Distributed.threadsPerRank(world);
      rank = new Rank(world, world.isMain() ? out : new PrintWriter(Writer.nullWriter()), threads);
      rank.out().println("jdino: " + describe(world, threads, cuda));
      rank.out().flush();
    } catch (Throwable e) {
      throw abort(world, e, err);
    }
    int status;
    try {
      status = body.run(rank);
      rank.out().flush();
    } catch (Throwable e) {
      throw abort(world, e, err);
    }
    world.close();
    return status;
  }

  /** Prints the failure as the command line would, naming the rank, and ends every rank. */
  private static Error abort(Collectives world, Throwable e, PrintWriter err) {
    String who = world.describe() + ": ";
    Integer status = Main.report(e, err, who);
    if (status == null) {
      err.println("jdino: error: " + who + e);
      e.printStackTrace(err);
      status = 1;
    }
    err.flush();
    System.out.flush();
    world.abort(status);
    return new AssertionError("MPI_Abort returned");
  }

  private static boolean cuda(DistributedOptions where) {
    if (where == null || where.device == null) {
      return false;
    }
    String d = where.device.trim().toLowerCase(Locale.ROOT);
    if (d.equals("cuda") || d.equals("gpu")) {
      return true;
    }
    if (d.equals("cpu")) {
      return false;
    }
    throw new BadInputException("--device " + where.device + ": expected cpu or cuda");
  }

  /**
   * Makes this process compute on GPU {@code ordinal}, or says why it cannot: DJL runs on the CUDA
   * build of libtorch 2.7.1 only when the user points it there (its CUDA natives are not on Maven
   * Central; the {@code pytorch-jni} jar carries the {@code cu128} JNI library).
   */
  private static void useGpu(int ordinal, Collectives world) {
    int gpus = Torch.gpuCount();
    if (gpus == 0) {
      throw new BadInputException(
          "--device cuda: DJL's PyTorch engine sees no GPU (it runs the CPU build of libtorch"
              + " here); install the CUDA 12.8 build of libtorch 2.7.1 and set"
              + " PYTORCH_LIBRARY_PATH=<its lib folder> PYTORCH_VERSION=2.7.1"
              + " PYTORCH_FLAVOR=cu128");
    }
    if (ordinal >= gpus) {
      throw new BadInputException(
          "--device cuda: "
              + world.describe()
              + " takes GPU "
              + ordinal
              + " (its local rank), but this machine has "
              + gpus
              + (gpus == 1 ? " GPU" : " GPUs")
              + ": start at most "
              + gpus
              + " ranks per machine");
    }
    Torch.useDevice(Device.gpu(ordinal));
  }

  /** The one line that names the world at start. */
  static String describe(Collectives world, int threads, boolean cuda) {
    String launcher =
        Distributed.detect(System.getenv())
            .map(Distributed.Launch::launcher)
            .orElse("an MPI launcher");
    // "Open MPI v4.1.4, package: Debian OpenMPI, ...": the name and version are enough here.
    String mpi =
        world instanceof MpiCollectives m
            ? m.mpiVersion().split(",", 2)[0].trim()
            : world instanceof NcclCollectives n ? "NCCL " + n.ncclVersion() : "";
    return String.format(
        Locale.ROOT,
        "data-parallel over %d ranks, started by %s%s; %s, %d compute %s per rank, %s",
        world.size(),
        launcher,
        mpi.isEmpty() ? "" : " (" + mpi + ")",
        world.describe(),
        threads,
        threads == 1 ? "thread" : "threads",
        cuda ? "GPU " + world.localRank() + " per rank (gradients over NCCL)" : "on CPUs");
  }
}
