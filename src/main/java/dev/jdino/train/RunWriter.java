package dev.jdino.train;

import dev.jdino.io.AtomicFiles;
import dev.jdino.io.BadInputException;
import dev.jdino.io.Json;
import dev.jdino.io.OutputPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What a run keeps in its directory, and when: {@code args.json} at the start, the run's checkpoint
 * after every epoch and on a stop (the official {@code save_on_master} of {@code checkpoint.pth}),
 * a kept copy every {@code --saveckp-freq} epochs ({@code checkpointNNNN.pth} there), and the
 * teacher snapshots an animation is drawn from. Rank 0 alone writes ({@link DataParallel#isMain});
 * the checkpoint is a collective, so every rank calls it.
 */
final class RunWriter {
  private final Path dir;
  private final TrainingState state;
  private final String dataSpec;
  private final int images;
  private final TrainOptions options;
  private final RunPlan plan;
  private final DataParallel parallel;

  /** The step of the last snapshot written, so that an epoch's end does not write it twice. */
  private long lastSnapshot = -1;

  RunWriter(
      TrainingState state,
      String dataSpec,
      int images,
      TrainOptions options,
      RunPlan plan,
      DataParallel parallel) {
    this.dir = options.outputDir();
    this.state = state;
    this.dataSpec = dataSpec;
    this.images = images;
    this.options = options;
    this.plan = plan;
    this.parallel = parallel;
  }

  Path dir() {
    return dir;
  }

  /**
   * Before the first step: an earlier start's files kept ({@link #keepEarlierStart}), the folder
   * made, {@code args.json} written; {@code tell} hears of every kept file.
   */
  void start(int images, Map<String, Object> extra, TrainingListener tell) throws IOException {
    if (!parallel.isMain()) {
      return;
    }
    for (Path kept : keepEarlierStart()) {
      tell.message("kept a file of an earlier start without a checkpoint as " + kept);
    }
    removePartialWrites(tell);
    Files.createDirectories(dir);
    writeArgs(images, extra);
  }

  /**
   * Before a new run writes anything: the files of an earlier start in the same folder (a run
   * killed in its first epoch, before any checkpoint, or one whose checkpoint was removed) are
   * renamed under one stamp ({@link OutputPaths#keepPrevious}), so that the new run's metrics are
   * not appended after theirs and its snapshots not interleaved with theirs by step, and nothing of
   * theirs is lost. A resumed run continues its own files.
   *
   * @return the kept files' new paths
   */
  private List<Path> keepEarlierStart() throws IOException {
    if (state.resumed() || !Files.isDirectory(dir)) {
      return List.of();
    }
    List<Path> earlier = new ArrayList<>();
    for (String name :
        List.of(
            "args.json",
            MetricsLog.FILE,
            Checkpoint.FILE,
            Checkpoint.sidecar(dir.resolve(Checkpoint.FILE)).getFileName().toString(),
            Snapshots.DIR)) {
      earlier.add(dir.resolve(name));
    }
    try (Stream<Path> s = Files.list(dir)) {
      s.filter(f -> KEPT_COPY.matcher(f.getFileName().toString()).matches())
          .sorted()
          .forEach(earlier::add);
    }
    return OutputPaths.keepPrevious(earlier);
  }

  /**
   * A process killed while it wrote a checkpoint (or a snapshot, args.json) leaves that write's
   * temporary file, 10 - 20 MB each, beside the intact previous file: removed at the next start.
   * Only the temporary files of this run's own files are touched.
   */
  private void removePartialWrites(TrainingListener tell) throws IOException {
    List<Path> partial = new ArrayList<>();
    partial.addAll(
        AtomicFiles.leftovers(
            dir,
            name ->
                name.equals("args.json")
                    || name.equals(Checkpoint.FILE)
                    || name.equals(
                        Checkpoint.sidecar(dir.resolve(Checkpoint.FILE)).getFileName().toString())
                    || KEPT_COPY.matcher(name).matches()));
    partial.addAll(
        AtomicFiles.leftovers(dir.resolve(Snapshots.DIR), name -> name.endsWith(".safetensors")));
    for (Path p : partial) {
      Files.deleteIfExists(p);
    }
    if (!partial.isEmpty()) {
      tell.message(
          "removed "
              + partial.size()
              + (partial.size() == 1 ? " partial file" : " partial files")
              + " of writes cut short by an earlier interruption ("
              + partial.get(0).getFileName()
              + (partial.size() > 1 ? ", ..." : "")
              + ")");
    }
  }

  /** {@link #keptCopy}'s files and their sidecars. */
  private static final Pattern KEPT_COPY =
      Pattern.compile("checkpoint-\\d{4}\\.(safetensors|json)");

  /**
   * The run's description for later readers (the report, resuming commands): configuration, data,
   * the plan's step counts and {@code extra} (how the configuration was chosen, for instance).
   */
  private void writeArgs(int images, Map<String, Object> extra) throws IOException {
    DinoConfig config = state.config();
    Map<String, Object> args = new LinkedHashMap<>();
    args.put("config", config.toJson());
    args.put("data", dataSpec);
    args.put("images", images);
    args.put("options", options);
    args.put("iterations_per_epoch", plan.stepsPerEpoch());
    args.put("total_steps", plan.totalSteps());
    args.put("warmup_steps", plan.warmupSteps());
    args.put("freeze_last_layer_steps", plan.freezeSteps());
    args.put("peak_lr", config.train().peakLr(parallel.size()));
    if (parallel.distributed()) {
      args.put("world_size", parallel.size());
      args.put("global_batch_size", parallel.globalBatch(config.train().batchSize()));
      args.put("distributed", parallel.fields(config.train().batchSize()));
    }
    args.put("parameters", state.network().layout().trainableNumel());
    args.putAll(extra);
    Path file = dir.resolve("args.json");
    if (state.resumed() && Files.isRegularFile(file)) {
      // What the run's start recorded and a resume does not know is kept: the recipe (how the
      // configuration was chosen and sized) is read again by the next resume, which takes the
      // --time-budget or --pretrained-weights that started the run only when it finds them there.
      try {
        Json.read(file).fields().forEachRemaining(e -> args.putIfAbsent(e.getKey(), e.getValue()));
      } catch (BadInputException unreadable) {
        // a damaged args.json is replaced by what this invocation knows
      }
    }
    AtomicFiles.writeString(file, Json.pretty(args) + "\n");
  }

  /**
   * The run's checkpoint, written by rank 0 once the ranks are known to hold the same state; the
   * others wait until the file is complete (collective).
   *
   * @param seconds training time of this invocation, added to the earlier ones'
   */
  void checkpoint(double seconds) throws IOException {
    parallel.requireSameState(state, "at step " + state.position().globalStep());
    if (parallel.isMain()) {
      state.save(
          dir.resolve(Checkpoint.FILE), dataSpec, images, seconds, parallel.checkpointMetadata());
    }
    parallel.barrier();
  }

  /** After a whole epoch: the kept copy {@code checkpoint-NNNN.safetensors} when one is due. */
  void keptCopy(int epochsDone, double seconds) throws IOException {
    boolean wholeEpoch = state.position().batchInEpoch() == 0;
    if (wholeEpoch
        && options.saveckpFreq() > 0
        && epochsDone % options.saveckpFreq() == 0
        && parallel.isMain()) {
      state.save(
          dir.resolve(String.format(Locale.ROOT, "checkpoint-%04d.safetensors", epochsDone)),
          dataSpec,
          images,
          seconds,
          parallel.checkpointMetadata());
    }
  }

  /** Before the first step: the untrained teacher, the first frame of a training animation. */
  void firstSnapshot() throws IOException {
    if (state.position().globalStep() == 0 && options.snapshotEvery() > 0) {
      snapshot();
    }
  }

  /**
   * After step {@code done} (counted from 1) with {@code --snapshot-every} in steps. A snapshot
   * that cannot be written costs the run nothing but the frame: {@code warn} is told.
   */
  void snapshotAfterStep(long done, TrainingListener warn) {
    if (!options.snapshotInSteps()
        || options.snapshotEvery() <= 0
        || done % options.snapshotEvery() != 0) {
      return;
    }
    try {
      snapshot();
    } catch (IOException e) {
      warn.message("warning: cannot write snapshot: " + e.getMessage());
    }
  }

  /**
   * After an epoch: every {@code --snapshot-every} epochs, and at the run's end whatever the unit,
   * so that the animation's last frame is the final teacher.
   */
  void snapshotAfterEpoch(int epochsDone, boolean finished) throws IOException {
    boolean due =
        options.snapshotInSteps()
            ? finished
            : epochsDone % Math.max(1, options.snapshotEvery()) == 0 || finished;
    if (options.snapshotEvery() > 0 && due && lastSnapshot != state.position().globalStep()) {
      snapshot();
    }
  }

  private void snapshot() throws IOException {
    if (!parallel.isMain()) {
      return;
    }
    Position p = state.position();
    lastSnapshot = p.globalStep();
    Snapshots.save(
        dir.resolve(Snapshots.DIR),
        state.config(),
        state.teacher(),
        p.epoch(),
        p.batchInEpoch(),
        plan.stepsPerEpoch(),
        p.globalStep(),
        state.lastLoss());
  }
}
