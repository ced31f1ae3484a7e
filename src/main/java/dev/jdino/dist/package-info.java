/**
 * Collective communication for data-parallel training over several processes and machines: the
 * layer under what the official DINO code gets from {@code torch.distributed} (gradient averaging
 * by DistributedDataParallel, the centre's {@code dist.all_reduce} in {@code
 * DINOLoss.update_center}, the initial weights broadcast from rank 0).
 *
 * <p>{@link dev.jdino.dist.Collectives} is the interface the trainer uses; {@link
 * dev.jdino.dist.Distributed#fromEnvironment()} picks the implementation: {@link
 * dev.jdino.dist.SingleProcess} (a world of one, no native code at all) unless the process was
 * started by an MPI launcher ({@code mpirun}, {@code srun}, {@code mpiexec}), then {@link
 * dev.jdino.dist.MpiCollectives}, a thin JNI layer over MPI's C API ({@code
 * src/main/native/jdino_mpi.c}). Reductions run in place on a tensor's own memory ({@code
 * NDArray.toByteBuffer(true)}); {@link dev.jdino.dist.GradientBuckets} averages a flat gradient in
 * DDP-sized buckets; a watchdog turns a collective that never completes (a peer died) into one
 * clear line and a non-zero exit instead of a hang. {@link dev.jdino.dist.NcclCollectives} sends
 * GPU tensors through NCCL, loaded at run time. {@link dev.jdino.dist.LocalLauncher} starts N ranks
 * on this machine under {@code mpirun} ({@code --nproc-per-node}).
 *
 * <p>May import {@code dev.jdino.io} and DJL's API only ({@code ai.djl.ndarray}, {@code
 * ai.djl.Device}, and {@code ai.djl.util.NativeResource} for the tensor handle NCCL needs), not
 * DJL's engine classes: the model and the trainer depend on this package, never the reverse.
 */
package dev.jdino.dist;
