package dev.jdino.cli;

import picocli.CommandLine.Option;

/**
 * Where a training command runs: how many local data-parallel ranks to start, and on which device.
 * ({@code mpirun -np N jdino ...} and {@code srun jdino ...} need no flag: each rank reads its
 * position from MPI.)
 */
final class DistributedOptions {
  /** The flag {@link DistributedRuns#relaunch} removes from the ranks' command line. */
  static final String NPROC_PER_NODE = "--nproc-per-node";

  @Option(
      names = NPROC_PER_NODE,
      paramLabel = "N",
      description =
          "Train data-parallel as N ranks on this machine, started under mpirun (as torchrun"
              + " --nproc-per-node does): --batch-size is per rank, the learning rate follows the"
              + " global batch, each rank gets cores / N threads. Other launches: mpirun -np N"
              + " jdino train ..., srun jdino train ...")
  Integer nprocPerNode;

  @Option(
      names = "--device",
      paramLabel = "cpu|cuda",
      description =
          "Compute device (default cpu). cuda needs DJL's CUDA build of libtorch 2.7.1"
              + " (PYTORCH_LIBRARY_PATH, PYTORCH_FLAVOR, PYTORCH_VERSION); each rank takes the GPU"
              + " of its local rank, and gradients go through NCCL.")
  String device;
}
