package dev.jdino.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import dev.jdino.dist.Collectives;
import dev.jdino.dist.GradientBuckets;
import dev.jdino.dist.SingleProcess;
import dev.jdino.engine.Torch;
import dev.jdino.io.BadInputException;
import dev.jdino.io.Json;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Data-parallel DINO: the trainer's side of what the official main_dino.py gets from {@code
 * torch.distributed}, over the ranks of a {@link Collectives} world. Each rank trains on its own
 * share of every global batch ({@code MultiCropLoader}'s shards, PyTorch's DistributedSampler);
 * this class keeps the ranks one model:
 *
 * <ul>
 *   <li>the same start: every rank checks that all run the same configuration on the same data from
 *       the same step; a new run's student is broadcast from rank 0 and the teacher copied from it
 *       (DistributedDataParallel broadcasts the module at construction, then main_dino.py loads the
 *       teacher from the student); a resumed run is checked to be the same everywhere;
 *   <li>the same gradient: after backward, before clipping, the flat gradient is averaged over the
 *       ranks in DDP's 25 MiB buckets ({@link GradientBuckets}), which with equal shares is the
 *       gradient of the mean loss over the global batch;
 *   <li>the same statistics: the step's loss, entropy and KL are averaged over ranks (metrics, the
 *       collapse monitor and the non-finite check all see the global batch, so every rank stops on
 *       the same step), and skipped files are summed;
 *   <li>the same stop: a stop request (Ctrl-C, StopSignal) is agreed at step boundaries, so no rank
 *       leaves while the others wait in a collective.
 * </ul>
 *
 * <p>The teacher's EMA, AdamW and clipping then run on identical values on every rank and need no
 * communication; {@link #requireSameState} checks this at every checkpoint. Rank 0 ({@link
 * #isMain()}) alone writes files. A world of one ({@link #single()}) makes no call at all: single
 * process training is exactly what it is without this class.
 */
public final class DataParallel {
  /** Checkpoint metadata key: the number of ranks that trained the run (absent: one). */
  public static final String WORLD_SIZE_KEY = "world_size";

  private static final DataParallel SINGLE = new DataParallel(new SingleProcess());

  private final Collectives world;
  private final GradientBuckets buckets;

  private DataParallel(Collectives world) {
    this.world = world;
    this.buckets = new GradientBuckets(world);
  }

  /** One process: no communication. */
  public static DataParallel single() {
    return SINGLE;
  }

  /** Data-parallel training over {@code world}'s ranks (a world of one is {@link #single()}). */
  public static DataParallel over(Collectives world) {
    if (world == null) {
      throw new IllegalArgumentException("data-parallel training needs its collectives");
    }
    return world.size() == 1 ? SINGLE : new DataParallel(world);
  }

  public Collectives world() {
    return world;
  }

  public int size() {
    return world.size();
  }

  public int rank() {
    return world.rank();
  }

  /** Whether this rank writes the run's files and talks to the user (rank 0). */
  public boolean isMain() {
    return world.isMain();
  }

  /** Whether more than one rank trains. */
  public boolean distributed() {
    return world.size() > 1;
  }

  /** Images per optimisation step over all ranks. */
  public int globalBatch(int perRank) {
    return Math.multiplyExact(perRank, world.size());
  }

  /** The run's position in the world, for args.json and metrics ({@code RANK}, ...). */
  public Map<String, Object> fields() {
    return world.fields();
  }

  /**
   * What a checkpoint of this world records beside its state: the number of ranks, so that a resume
   * with another number (another global batch, other schedules) is refused. Empty for one process,
   * whose files stay as they were.
   */
  Map<String, String> checkpointMetadata() {
    return distributed() ? Map.of(WORLD_SIZE_KEY, Integer.toString(world.size())) : Map.of();
  }

  /**
   * Refuses to resume {@code checkpoint} with a world of another size: the batch per rank is part
   * of the configuration, so another number of ranks would silently change the global batch, the
   * learning rate and the steps per epoch.
   *
   * @throws BadInputException naming the file and both sizes
   */
  public static void checkResumable(Checkpoint.Loaded checkpoint, int worldSize) {
    String saved = checkpoint.tensors().metadata().get(WORLD_SIZE_KEY);
    int n;
    try {
      n = saved == null ? 1 : Integer.parseInt(saved.trim());
    } catch (NumberFormatException e) {
      n = -1;
    }
    if (n < 1) {
      throw new BadInputException(
          checkpoint.file()
              + ": metadata "
              + WORLD_SIZE_KEY
              + "="
              + saved
              + " is not a number of ranks");
    }
    if (n != worldSize) {
      int batch = checkpoint.state().config().train().batchSize();
      String how =
          n == 1
              ? "as one process (without mpirun or --nproc-per-node)"
              : String.format(
                  Locale.ROOT, "with %d ranks (mpirun -np %d, or --nproc-per-node %d)", n, n, n);
      throw new BadInputException(
          String.format(
              Locale.ROOT,
              "%s was trained by %s with %d images each per step (global batch %d); this launch has"
                  + " %s: resume it %s, or start a new run in another --output-dir",
              checkpoint.file(),
              ranks(n),
              batch,
              (long) batch * n,
              ranks(worldSize),
              how));
    }
  }

  private static String ranks(int n) {
    return n == 1 ? "one process" : n + " ranks";
  }

  /**
   * Brings every rank to the same starting point (collective; nothing happens in a world of one):
   * all ranks must open the same run, then a new run takes rank 0's initial weights, and finally
   * all states are compared.
   *
   * @throws BadInputException if the ranks opened different runs, configurations or data (for
   *     instance an output directory that is not one shared directory)
   */
  void begin(TrainingState state, String dataSpec, int images, int stepsPerEpoch) {
    if (!distributed()) {
      return;
    }
    int n = world.size();
    int r = world.rank();
    String setup = Json.compact(state.config().toJson()) + "\n" + dataSpec;
    // Three numbers per rank, each in its own slot: the sum hands every rank everyone's.
    long[] slots = new long[3 * n];
    slots[r] = hash(setup) ^ 31L * images ^ 961L * stepsPerEpoch;
    slots[n + r] = state.position().globalStep();
    slots[2 * n + r] = state.network().layout().numel();
    world.allReduceSum(slots);
    for (int other = 1; other < n; other++) {
      String what = null;
      if (slots[other] != slots[0]) {
        what =
            "another configuration or other data (" + images + " images of " + dataSpec + " here)";
      } else if (slots[n + other] != slots[n]) {
        what = "the run at step " + slots[n + other] + ", rank 0 at step " + slots[n];
      } else if (slots[2 * n + other] != slots[2 * n]) {
        what = "another network";
      }
      if (what != null) {
        throw new BadInputException(
            "rank "
                + other
                + " of "
                + n
                + " opened "
                + what
                + ": every"
                + " rank must train the same run, from one output directory that all of them share"
                + " (a shared file system), with the same flags and data");
      }
    }
    if (state.position().globalStep() == 0 && !state.resumed()) {
      world.broadcast(state.student().flat(), 0);
      Torch.withoutGradient(
          () -> {
            state.teacher().flat().set(new NDIndex("..."), state.student().flat());
            return null;
          });
    }
    requireSameState(state, state.resumed() ? "after loading the checkpoint" : "at the start");
  }

  /**
   * Averages the flat gradient over the ranks in place (one allreduce per bucket).
   *
   * @return the number of buckets reduced
   */
  long averageGradient(NDArray flatGradient) {
    return buckets.average(flatGradient);
  }

  /** Replaces each value by its mean over the ranks (summed in double precision). */
  void meanOverRanks(float[] values) {
    double[] d = new double[values.length];
    for (int i = 0; i < d.length; i++) {
      d[i] = values[i];
    }
    world.allReduceSum(d);
    for (int i = 0; i < d.length; i++) {
      values[i] = (float) (d[i] / world.size());
    }
  }

  /** Whether {@code flag} holds on at least one rank (collective). */
  boolean anyRank(boolean flag) {
    long[] v = {flag ? 1 : 0};
    world.allReduceSum(v);
    return v[0] > 0;
  }

  /** The sum of {@code value} over the ranks (collective). */
  long sum(long value) {
    long[] v = {value};
    world.allReduceSum(v);
    return v[0];
  }

  void barrier() {
    world.barrier();
  }

  /**
   * Checks that every rank holds the same student, teacher, optimiser moments and centre, bit for
   * bit (collective; one 64-bit fingerprint per rank). They can only differ through a bug or a
   * reduction that does not give every rank the same sum; a checkpoint of rank 0 would then not be
   * what the others trained.
   *
   * @throws IllegalStateException naming the first rank that differs
   */
  void requireSameState(TrainingState state, String when) {
    if (!distributed()) {
      return;
    }
    int n = world.size();
    long[] slots = new long[n];
    slots[world.rank()] =
        fingerprint(
            state.student().flat(),
            state.teacher().flat(),
            state.optimizer().expAvg(),
            state.optimizer().expAvgSq(),
            state.loss().center());
    world.allReduceSum(slots);
    for (int other = 1; other < n; other++) {
      if (slots[other] != slots[0]) {
        throw new IllegalStateException(
            String.format(
                Locale.ROOT,
                "%s, rank %d of %d holds other weights, moments or centre than rank 0 (fingerprints"
                    + " %016x and %016x): the ranks have diverged",
                when,
                other,
                n,
                slots[other],
                slots[0]));
      }
    }
  }

  /** A 64-bit fingerprint of the arrays' bytes (and lengths), in order. */
  static long fingerprint(NDArray... arrays) {
    long h = 0x6a09e667f3bcc908L;
    for (NDArray a : arrays) {
      // A view of the tensor's memory on the CPU, a host copy otherwise: only read here.
      ByteBuffer b = a.toByteBuffer(true).order(ByteOrder.LITTLE_ENDIAN);
      h = mix(h ^ b.remaining());
      LongBuffer words = b.duplicate().order(ByteOrder.LITTLE_ENDIAN).asLongBuffer();
      while (words.hasRemaining()) {
        h = Long.rotateLeft(h ^ words.get(), 29) * 0x9e3779b97f4a7c15L;
      }
      for (int i = b.remaining() / 8 * 8; i < b.remaining(); i++) {
        h = Long.rotateLeft(h ^ (b.get(b.position() + i) & 0xff), 29) * 0x9e3779b97f4a7c15L;
      }
      Reference.reachabilityFence(a);
    }
    return mix(h);
  }

  private static long hash(String s) {
    long h = 0xcbf29ce484222325L;
    for (byte c : s.getBytes(StandardCharsets.UTF_8)) {
      h = (h ^ (c & 0xff)) * 0x100000001b3L;
    }
    return mix(h);
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  /** The fields as one JSON-ready map, with the global batch. */
  Map<String, Object> fields(int perRankBatch) {
    Map<String, Object> m = new LinkedHashMap<>(world.fields());
    m.put("batch_size_per_rank", perRankBatch);
    m.put("global_batch_size", globalBatch(perRankBatch));
    return m;
  }
}
