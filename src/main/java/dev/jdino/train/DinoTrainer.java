package dev.jdino.train;

import ai.djl.ndarray.NDScope;
import dev.jdino.augment.MultiCropAugmentation;
import dev.jdino.data.CropSampler;
import dev.jdino.data.ImageDataset;
import dev.jdino.data.MultiCropBatch;
import dev.jdino.data.MultiCropLoader;
import dev.jdino.io.BadInputException;
import dev.jdino.model.DropPath;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * DINO pretraining: the official {@code train_dino} and {@code train_one_epoch} loops over a {@link
 * TrainingState}, with a checkpoint after every epoch and on request ({@link RunWriter} says what
 * the run keeps in its directory, and when; {@link EpochStats} sums each epoch).
 *
 * <p>All randomness derives from the configured seed and the position in the run (parameter init,
 * each epoch's order, each sample's crops, each step's drop-path masks), so a run stopped and
 * resumed from a checkpoint continues exactly as if it had not stopped.
 *
 * <p>Data-parallel ({@link DataParallel}): every rank runs this loop on its share of each global
 * batch, in step with the others; rank 0 alone writes args.json, metrics, checkpoints and snapshots
 * and runs the epoch hooks (online k-NN: the teacher is the same on every rank, so one evaluation
 * is the evaluation; the others wait at the checkpoint's collectives meanwhile). The listener is
 * told on every rank (the command line shows rank 0's).
 */
public final class DinoTrainer implements AutoCloseable {
  private final DinoConfig config;
  private final TrainOptions options;
  private final ImageDataset data;
  private final String dataSpec;
  private final TrainingState state;
  private final TrainingListener listener;
  private final RunPlan plan;
  private final DinoStep step;
  private final CollapseMonitor collapse;
  private final List<EpochHook> hooks = new ArrayList<>();
  private final StopSignal stop = new StopSignal();
  private final RunWriter files;
  private final DataParallel parallel;
  private boolean stopAgreed;
  private boolean ownsState;
  private final Map<String, Object> extraArgs = new LinkedHashMap<>();
  private long invocationStart;
  private long t0;

  /**
   * The outcome of {@link #train()}. {@code epochs} is where the run stands, fractional inside an
   * epoch; {@code seconds} and {@code imagesPerSecond} cover this call; {@code totalSeconds} adds
   * the time of earlier, interrupted invocations of the same run.
   */
  public record Summary(
      double epochs,
      long steps,
      float finalLoss,
      double seconds,
      double totalSeconds,
      double imagesPerSecond,
      int skippedImages,
      boolean stoppedEarly,
      boolean resumed,
      Path checkpoint,
      Path metrics) {}

  /**
   * A run of {@code state} over {@code data}, writing into {@code options.outputDir()}.
   *
   * @param state a fresh state, or one resumed from this directory's checkpoint
   */
  public DinoTrainer(
      TrainingState state,
      TrainOptions options,
      ImageDataset data,
      String dataSpec,
      TrainingListener listener) {
    this(state, options, data, dataSpec, listener, DataParallel.single());
  }

  /**
   * A run of {@code state} as one rank of {@code parallel}: every rank builds its trainer with the
   * same state (fresh, or resumed from the same checkpoint) and calls {@link #train()}.
   */
  public DinoTrainer(
      TrainingState state,
      TrainOptions options,
      ImageDataset data,
      String dataSpec,
      TrainingListener listener,
      DataParallel parallel) {
    this.parallel = parallel;
    this.config = state.config();
    this.options = options;
    this.data = data;
    this.dataSpec = dataSpec;
    this.state = state;
    this.listener = listener;
    this.plan = RunPlan.of(config, stepsPerEpoch(data, config, parallel.size()), parallel.size());
    this.step = state.newStep();
    if (parallel.distributed()) {
      step.distributeOver(parallel);
      state.loss().distributeOver(parallel.world());
    }
    this.collapse =
        new CollapseMonitor(config.head().outDim(), (int) Math.ceil(config.train().warmupEpochs()));
    this.files = new RunWriter(state, dataSpec, data.size(), options, plan, parallel);
  }

  /**
   * A run in {@code options.outputDir()} with {@code config}: resumed from the checkpoint there if
   * there is one (its configuration must then equal {@code config} but for the number of epochs),
   * else fresh. The trainer owns the state: close it.
   */
  public static DinoTrainer open(
      DinoConfig config,
      TrainOptions options,
      ImageDataset data,
      String dataSpec,
      TrainingListener listener) {
    return open(config, options, data, dataSpec, listener, DataParallel.single());
  }

  /** {@link #open} as one rank of {@code parallel} (every rank opens the same directory). */
  public static DinoTrainer open(
      DinoConfig config,
      TrainOptions options,
      ImageDataset data,
      String dataSpec,
      TrainingListener listener,
      DataParallel parallel) {
    RunDirectory run = RunDirectory.open(options.outputDir(), null, Map.of(), dataSpec);
    if (run.resuming()) {
      DataParallel.checkResumable(run.checkpoint(), parallel.size());
      run.checkData(dataSpec, data.size());
    }
    if (run.resuming()
        && RunDirectory.firstDifference(run.config().withEpochs(config.train().epochs()), config)
            != null) {
      throw new BadInputException(options.outputDir() + " holds a run of another configuration");
    }
    DinoConfig c = run.resuming() ? run.config().withEpochs(config.train().epochs()) : config;
    RunDirectory r = new RunDirectory(run.dir(), c, run.checkpoint(), dataSpec, "");
    DinoTrainer t =
        new DinoTrainer(
            r.state(stepsPerEpoch(data, c, parallel.size()), null, options.compute()),
            options,
            data,
            dataSpec,
            listener,
            parallel);
    t.ownsState = true;
    return t;
  }

  /**
   * Steps in one pass over {@code data} (the last incomplete batch is dropped, as in the official
   * code).
   */
  public static int stepsPerEpoch(ImageDataset data, DinoConfig config) {
    return stepsPerEpoch(data, config, 1);
  }

  /**
   * Steps in one pass over {@code data} by {@code worldSize} ranks, each taking the configured
   * batch per step: whole global batches only, so every rank makes the same number of steps.
   */
  public static int stepsPerEpoch(ImageDataset data, DinoConfig config, int worldSize) {
    return MultiCropLoader.requireOneBatch(data, config.train().batchSize(), worldSize);
  }

  public void addHook(EpochHook hook) {
    hooks.add(hook);
  }

  /** Adds {@code key} to args.json (how the configuration was chosen, for instance). */
  public void recordArg(String key, Object value) {
    extraArgs.put(key, value);
  }

  public RunPlan plan() {
    return plan;
  }

  public TrainingState state() {
    return state;
  }

  /** How to stop this run early; it stops after the current step and saves a checkpoint. */
  public StopSignal stopSignal() {
    return stop;
  }

  /** Runs the remaining steps; returns when done or stopped, throws on a non-finite loss. */
  public Summary train() throws IOException {
    try {
      return run();
    } finally {
      stop.ended();
      listener.finished();
    }
  }

  private Summary run() throws IOException {
    // Before anything is written: all ranks must be training the same run from the same state.
    parallel.begin(state, dataSpec, data.size(), plan.stepsPerEpoch());
    files.start(data.size(), extraArgs, listener);
    invocationStart = state.position().globalStep();
    t0 = System.nanoTime();
    // Distinct images this rank could not load, over all epochs: a bad file counts once.
    Set<Integer> skipped = new HashSet<>();
    CropSampler sampler = CropSampler.augmenting(new MultiCropAugmentation(config.augment()));
    try (MetricsLog metrics =
        parallel.isMain()
            ? new MetricsLog(files.dir().resolve(MetricsLog.FILE))
            : MetricsLog.discarding()) {
      Position p = state.position();
      metrics.write(
          new Metrics.Start(
              state.resumed() ? "resume" : "start",
              p.epoch(),
              p.globalStep(),
              dataSpec,
              data.size(),
              parallel.distributed() ? parallel.fields(config.train().batchSize()) : null,
              config.toJson()));
      listener.started(describe(), p.globalStep(), plan.totalSteps());
      files.firstSnapshot();
      if (p.globalStep() == 0 && !hooks.isEmpty() && parallel.isMain()) {
        Map<String, Object> initial = new LinkedHashMap<>();
        runHooks(new EpochHook.EpochEnd(-1, false, state.network(), state.teacher()), initial);
        if (!initial.isEmpty()) {
          metrics.write(new Metrics.Eval("eval", -1, 0, initial));
        }
      }
      while (!finished()) {
        EpochStats s = trainOneEpoch(sampler, metrics);
        skipped.addAll(s.unreadable);
        if (s.steps < s.planned && stopped()) {
          files.checkpoint(seconds());
          listener.message(
              "stopped " + position() + ": checkpoint saved; run the same command" + " to resume");
          break;
        }
        endEpoch(s, metrics);
        if (stopAgreed() && !finished()) {
          listener.message(
              "stopped after epoch "
                  + s.epoch1()
                  + "/"
                  + plan.epochs()
                  + ": checkpoint saved; run the same command to resume");
          break;
        }
      }
    }
    double seconds = seconds();
    long steps = state.position().globalStep() - invocationStart;
    return new Summary(
        (double) state.position().globalStep() / plan.stepsPerEpoch(),
        state.position().globalStep(),
        state.lastLoss(),
        seconds,
        state.elapsedBefore() + seconds,
        steps * (double) globalBatch() / Math.max(seconds, 1e-9),
        parallel.distributed() ? Math.toIntExact(parallel.sum(skipped.size())) : skipped.size(),
        !finished(),
        state.resumed(),
        files.dir().resolve(Checkpoint.FILE),
        files.dir().resolve(MetricsLog.FILE));
  }

  private boolean finished() {
    return state.position().globalStep() >= plan.totalSteps();
  }

  /** Images per step over all ranks (the configured batch in one process). */
  private int globalBatch() {
    return parallel.globalBatch(config.train().batchSize());
  }

  /**
   * Whether the run stops here: the stop signal, agreed among the ranks (collective: every rank
   * asks at the same points, so all stop after the same step, or none does).
   */
  private boolean stopAgreed() {
    boolean local = stop.requested();
    if (!parallel.distributed()) {
      return local;
    }
    stopAgreed = parallel.anyRank(local);
    if (stopAgreed && !local) {
      stop.request("another rank was asked to stop");
    }
    return stopAgreed;
  }

  /** The last agreement of {@link #stopAgreed()} (one process: the signal itself). */
  private boolean stopped() {
    return parallel.distributed() ? stopAgreed : stop.requested();
  }

  /** The official {@code train_one_epoch}: one step per batch until the epoch (or run) ends. */
  private EpochStats trainOneEpoch(CropSampler sampler, MetricsLog metrics) {
    Position at = state.position();
    EpochStats s = new EpochStats(at.epoch(), plan.stepsIn(at.epoch()) - at.batchInEpoch());
    try (MultiCropLoader loader = loader(sampler, at)) {
      while (s.steps < s.planned && !stopAgreed()) {
        listener.begin(DinoStep.Phase.DATA);
        MultiCropBatch batch = loader.next();
        long it = state.position().globalStep();
        DinoStep.Hyper h = plan.at(it);
        DinoStep.Outcome o = step(batch, h, it);
        state.advance(o.loss(), plan.stepsPerEpoch());
        s.add(o);
        double ips = s.imagesPerSecond(globalBatch());
        long done = it + 1;
        if (done % options.logEvery() == 0) {
          metrics.write(Metrics.Step.of(s.epoch, done, o, h, ips));
        }
        listener.step(
            new TrainingListener.Step(
                s.epoch,
                at.batchInEpoch() + s.steps,
                plan.stepsPerEpoch(),
                plan.epochs(),
                done,
                plan.totalSteps(),
                o.loss(),
                h.lr(),
                ips));
        files.snapshotAfterStep(done, listener);
        if (options.maxSteps() > 0 && done - invocationStart >= options.maxSteps()) {
          stop.request("--max-steps");
        }
      }
      s.skipped = loader.failures().images();
      s.unreadable = loader.failures().indices();
      s.failures = loader.failures().summary(20);
    }
    if (parallel.distributed()) {
      s.skipped = Math.toIntExact(parallel.sum(s.skipped));
    }
    s.finish();
    return s;
  }

  private MultiCropLoader loader(CropSampler sampler, Position at) {
    return MultiCropLoader.builder()
        .setDataset(data)
        .setSampler(sampler)
        .setBatchSize(config.train().batchSize())
        .optSeed(config.train().seed())
        .optEpoch(at.epoch())
        .optStartBatch(at.batchInEpoch())
        .optShard(parallel.rank(), parallel.size())
        .optWorkers(options.numWorkers())
        .build();
  }

  /** One step in its own scope: every array it makes is freed when it returns. */
  private DinoStep.Outcome step(MultiCropBatch batch, DinoStep.Hyper h, long it) {
    double rate = config.vit().dropPathRate();
    long seed = Seeds.derive(config.train().seed(), "drop_path", it);
    DropPath dp =
        rate <= 0
            ? null
            : parallel.distributed()
                ? DropPath.sharded(
                    rate,
                    config.vit().depth(),
                    seed,
                    batch.batchSize(),
                    parallel.rank(),
                    parallel.size())
                : new DropPath(rate, config.vit().depth(), seed);
    try {
      return step.run(state.manager(), batch, h, dp, listener);
    } catch (DinoStep.NonFiniteLossException e) {
      Position p = state.position();
      throw new NonFiniteLossStop(p.epoch() + 1, p.batchInEpoch() + 1, e.getMessage());
    }
  }

  private void endEpoch(EpochStats s, MetricsLog metrics) throws IOException {
    if (!s.failures.isEmpty()) {
      listener.message("epoch " + s.epoch1() + ": " + s.failures);
    }
    long last = state.position().globalStep() - 1;
    Metrics.Epoch record = s.record(last + 1, plan.at(last), globalBatch(), null);
    if (parallel.isMain()) {
      runHooks(
          new EpochHook.EpochEnd(s.epoch, finished(), state.network(), state.teacher()),
          record.extra());
    }
    for (String w : collapse.check(s.epoch, s.meanLoss(), s.meanEntropy(), s.meanKl())) {
      listener.message("warning: " + w);
      metrics.write(Metrics.Warning.of(s.epoch, last + 1, w));
    }
    metrics.write(record);
    files.checkpoint(seconds());
    files.keptCopy(s.epoch1(), seconds());
    files.snapshotAfterEpoch(s.epoch1(), finished());
    listener.epoch(s.forListener(plan, globalBatch()));
  }

  private void runHooks(EpochHook.EpochEnd end, Map<String, Object> metrics) {
    for (EpochHook hook : hooks) {
      try (NDScope scope = new NDScope()) {
        hook.afterEpoch(end, metrics);
      } catch (Exception e) {
        listener.message(
            (end.epoch() < 0 ? "before training" : "epoch " + (end.epoch() + 1))
                + ": evaluation failed: "
                + e.getMessage());
      }
    }
  }

  private double seconds() {
    return (System.nanoTime() - t0) / 1e9;
  }

  private String describe() {
    var v = config.vit();
    var a = config.augment();
    return String.format(
        Locale.ROOT,
        "ViT %d/%d/%d heads, patch %d, %,d parameters; K=%d; crops 2x%d + %dx%d; batch %s;"
            + " %s epoch%s x %,d steps = %,d steps on %s (%,d images)%s",
        v.embedDim(),
        v.depth(),
        v.numHeads(),
        v.patchSize(),
        state.network().layout().trainableNumel(),
        config.head().outDim(),
        a.globalCropSize(),
        a.localCropsNumber(),
        a.localCropSize(),
        parallel.distributed()
            ? String.format(
                Locale.ROOT,
                "%d per rank x %d ranks = %d",
                config.train().batchSize(),
                parallel.size(),
                globalBatch())
            : Integer.toString(config.train().batchSize()),
        TrainConfig.fmt(config.train().epochs()),
        config.train().epochs() == 1 ? "" : "s",
        plan.stepsPerEpoch(),
        plan.totalSteps(),
        dataSpec,
        data.size(),
        state.resumed() ? "; resuming " + position() : "");
  }

  /** Closes the state if this trainer made it ({@link #open}). */
  @Override
  public void close() {
    if (ownsState) {
      state.close();
    }
  }

  /** Where the run stands, for people (see {@link Position#describe}). */
  private String position() {
    return state.position().describe(plan.epochs(), plan.stepsPerEpoch());
  }

  /** Training stopped on a NaN or infinite loss; the last checkpoint on disk is intact. */
  public static final class NonFiniteLossStop extends RuntimeException {
    /**
     * @param epoch the epoch, from 1
     * @param batch the step within it that failed, from 1
     */
    public NonFiniteLossStop(int epoch, int batch, String what) {
      super(
          String.format(
              Locale.ROOT,
              "%s at epoch %d, step %d: training stopped, the last checkpoint is intact. Lower"
                  + " --lr, raise --warmup-epochs or check --clip-grad and the input data.",
              what,
              epoch,
              batch));
    }
  }
}
