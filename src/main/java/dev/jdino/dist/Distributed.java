package dev.jdino.dist;

import dev.jdino.io.BadInputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Decides, from the environment a launcher gives its processes, whether this process is one rank of
 * a distributed run, and opens the matching {@link Collectives}.
 *
 * <p>MPI launchers announce themselves through environment variables: Open MPI's {@code mpirun}
 * sets {@code OMPI_COMM_WORLD_SIZE}/{@code OMPI_COMM_WORLD_RANK}; MPICH's and Intel MPI's Hydra
 * ({@code mpiexec}) and Slurm's PMI-2 set {@code PMI_SIZE}/{@code PMI_RANK}; PMIx servers (Open MPI
 * 4+, {@code srun --mpi=pmix}) set {@code PMIX_RANK}; {@code srun} sets {@code SLURM_STEP_ID} and
 * {@code SLURM_STEP_NUM_TASKS} in every task of a job step (an {@code sbatch} script itself has
 * {@code SLURM_NTASKS} but no step, so it stays a single process). Only then is the MPI library
 * loaded: a plain {@code jdino train} never touches native MPI code.
 */
public final class Distributed {
  /** Environment variable: seconds one collective may take before the rank gives up (0: none). */
  public static final String TIMEOUT_VARIABLE = "JDINO_COLLECTIVE_TIMEOUT";

  /** {@code torch.distributed}'s default process-group timeout. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(30);

  private Distributed() {}

  /**
   * What the launcher said about this process.
   *
   * @param launcher which launcher, in words, for messages
   * @param size the number of ranks it started, or -1 when it does not say (PMIx alone)
   * @param rank this process's rank, or -1 when it does not say
   */
  public record Launch(String launcher, int size, int rank) {
    public Launch {
      if (launcher == null || launcher.isBlank()) {
        throw new IllegalArgumentException("a launch needs the launcher's name");
      }
      if (size == 0 || size < -1) {
        throw new IllegalArgumentException("world size must be positive or -1, got " + size);
      }
      if (rank < -1 || size > 0 && rank >= size) {
        throw new IllegalArgumentException("rank " + rank + " outside a world of " + size);
      }
    }
  }

  /** The launch this environment describes, or empty for a plain single process. */
  public static Optional<Launch> detect(Map<String, String> env) {
    if (env.containsKey("OMPI_COMM_WORLD_SIZE")) {
      return Optional.of(
          launch(env, "mpirun (Open MPI)", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_RANK"));
    }
    if (env.containsKey("PMI_SIZE")) {
      return Optional.of(launch(env, "a PMI launcher (mpiexec or srun)", "PMI_SIZE", "PMI_RANK"));
    }
    boolean srunStep = env.containsKey("SLURM_STEP_ID");
    String slurmSize =
        env.containsKey("SLURM_STEP_NUM_TASKS") ? "SLURM_STEP_NUM_TASKS" : "SLURM_NTASKS";
    if (env.containsKey("PMIX_RANK")) {
      if (srunStep && env.containsKey(slurmSize)) {
        return Optional.of(launch(env, "srun (PMIx)", slurmSize, "PMIX_RANK"));
      }
      return Optional.of(new Launch("a PMIx launcher", -1, parse(env, "PMIX_RANK", 0)));
    }
    if (srunStep && env.containsKey(slurmSize)) {
      return Optional.of(launch(env, "srun", slurmSize, "SLURM_PROCID"));
    }
    return Optional.empty();
  }

  private static Launch launch(
      Map<String, String> env, String launcher, String sizeVar, String rankVar) {
    int size = parse(env, sizeVar, 1);
    int rank = env.containsKey(rankVar) ? parse(env, rankVar, 0) : -1;
    if (rank >= size) {
      throw new BadInputException(
          rankVar + "=" + rank + " is not a rank of a world of " + sizeVar + "=" + size);
    }
    return new Launch(launcher, size, rank);
  }

  private static int parse(Map<String, String> env, String name, int min) {
    String v = env.get(name).trim();
    try {
      int n = Integer.parseInt(v);
      if (n >= min) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new BadInputException(
        "environment variable "
            + name
            + "="
            + env.get(name)
            + ": expected an integer of at least "
            + min);
  }

  /**
   * The collectives for this process: {@link SingleProcess} unless an MPI launcher started more
   * than one rank, then {@link MpiCollectives} (with the timeout of {@link #timeout}).
   *
   * @throws BadInputException if the MPI library is missing, or MPI's world does not match what the
   *     launcher announced (an MPI not built for that launcher)
   */
  public static Collectives fromEnvironment() {
    return fromEnvironment(System.getenv());
  }

  static Collectives fromEnvironment(Map<String, String> env) {
    Optional<Launch> launch = detect(env);
    if (launch.isEmpty() || launch.get().size() == 1) {
      return new SingleProcess();
    }
    Duration timeout = timeout(env);
    MpiCollectives mpi = MpiCollectives.start(timeout);
    int expected = launch.get().size();
    if (expected > 0 && mpi.size() != expected) {
      String why =
          launch.get().launcher()
              + " started "
              + expected
              + " processes but MPI ("
              + mpi.mpiVersion()
              + ") sees a world of "
              + mpi.size()
              + ": this MPI library was not started through that launcher (with srun, pick the"
              + " PMI plugin your MPI was built for: srun --mpi=pmix or --mpi=pmi2; see srun"
              + " --mpi=list)";
      mpi.close();
      throw new BadInputException(why);
    }
    return mpi;
  }

  /**
   * The collectives for a rank that trains on GPU {@code device}: GPU tensors then go through NCCL
   * ({@link NcclCollectives}). A world of one needs no communication at all and is returned as it
   * is.
   */
  public static Collectives withGpu(Collectives collectives, int device) {
    if (collectives instanceof MpiCollectives) {
      return NcclCollectives.start((MpiCollectives) collectives, device);
    }
    return collectives;
  }

  /** The collective timeout from {@link #TIMEOUT_VARIABLE}, else {@link #DEFAULT_TIMEOUT}. */
  public static Duration timeout(Map<String, String> env) {
    String v = env.get(TIMEOUT_VARIABLE);
    if (v == null || v.isBlank()) {
      return DEFAULT_TIMEOUT;
    }
    try {
      double s = Double.parseDouble(v.trim());
      if (s >= 0 && s <= 1e9) {
        return Duration.ofNanos(Math.round(s * 1e9));
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new BadInputException(
        TIMEOUT_VARIABLE
            + "="
            + v
            + ": expected the seconds one collective may take (0: no limit)");
  }

  /**
   * Compute threads per rank: {@code cores} shared evenly among the {@code ranks} that run on them
   * (at least one each), so N ranks on the same cores do not oversubscribe them N times.
   */
  public static int threadsPerRank(int cores, int ranks) {
    if (cores < 1 || ranks < 1) {
      throw new IllegalArgumentException(
          "cores and ranks must be positive, got " + cores + " and " + ranks);
    }
    return Math.max(1, cores / ranks);
  }

  /**
   * Compute threads for this rank: the cores the JVM may use ({@code availableProcessors}: the CPU
   * affinity mask, and any container quota) divided among the ranks on this machine that may run on
   * exactly the same cores. So {@code mpirun --bind-to none} (every rank sees every core) gives
   * cores / local ranks, while {@code srun --cpus-per-task=8} or Open MPI's core binding (each rank
   * its own cores) gives each rank all of its own. Collective: every rank calls it.
   */
  public static int threadsPerRank(Collectives c) {
    return threadsPerRank(Runtime.getRuntime().availableProcessors(), ranksSharingCores(c));
  }

  /**
   * How many ranks on this machine, this one included, have the same CPU affinity as this one
   * (machines told apart by {@link Collectives#processorName()}). Collective.
   */
  public static int ranksSharingCores(Collectives c) {
    int n = c.size();
    if (n == 1) {
      return 1;
    }
    long[] ids = new long[2 * n];
    ids[c.rank()] = fnv1a(c.processorName());
    ids[n + c.rank()] = fnv1a(affinity());
    c.allReduceSum(ids);
    int sharing = 0;
    for (int r = 0; r < n; r++) {
      if (ids[r] == ids[c.rank()] && ids[n + r] == ids[n + c.rank()]) {
        sharing++;
      }
    }
    return sharing;
  }

  /** The CPUs this process may run on, as Linux lists them ("0-7,16"), or "" if unknown. */
  static String affinity() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Cpus_allowed_list:")) {
          return line.substring("Cpus_allowed_list:".length()).trim();
        }
      }
    } catch (IOException | UncheckedIOException e) {
      // not Linux: every rank reads "", so all ranks of a machine count as sharing its cores
    }
    return "";
  }

  /** 64-bit FNV-1a of the UTF-8 bytes: a collision-resistant id for the sums above. */
  private static long fnv1a(String s) {
    long h = 0xcbf29ce484222325L;
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      h = (h ^ (b & 0xff)) * 0x100000001b3L;
    }
    return h;
  }
}
