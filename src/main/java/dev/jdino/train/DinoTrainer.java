package dev.jdino.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jdino.augment.MultiCropAugmentation;
import dev.jdino.data.CropSampler;
import dev.jdino.data.ImageDataset;
import dev.jdino.data.MultiCropBatch;
import dev.jdino.data.MultiCropLoader;
import dev.jdino.io.BadInputException;
import dev.jdino.io.Json;
import dev.jdino.model.DinoNetwork;
import dev.jdino.model.DropPath;
import dev.jdino.model.ParameterSet;
import dev.jdino.model.Torch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;

/**
 * DINO pretraining: the official {@code train_dino} loop with automatic resume.
 *
 * <p>All randomness derives from the configured seed and the position in the run (parameter init,
 * each epoch's order, each sample's crops, each step's drop-path masks), so a run stopped and
 * resumed from a checkpoint continues exactly as if it had not stopped.
 */
public final class DinoTrainer implements AutoCloseable {
  private final DinoConfig config;
  private final TrainOptions options;
  private final ImageDataset data;
  private final String dataSpec;
  private final TrainingListener listener;
  private final List<EpochHook> hooks = new ArrayList<>();
  private final CollapseMonitor collapse;

  private final NDManager manager;
  private final DinoNetwork network;
  private final ParameterSet student;
  private final ParameterSet teacher;
  private final DinoLoss loss;
  private final AdamW optimizer;
  private final DinoStep step;
  private final int itersPerEpoch;
  private final double[] lrSchedule;
  private final double[] wdSchedule;
  private final double[] momentumSchedule;
  private final double[] teacherTemp;

  private int epoch;
  private int batchInEpoch;
  private long globalStep;
  private double elapsedBefore;
  private float lastLoss = Float.NaN;
  private final boolean resumed;
  private volatile boolean stopRequested;
  private boolean stopAfterEpoch;
  private long invocationStart;
  private final CountDownLatch done = new CountDownLatch(1);

  /**
   * The outcome of {@link #train()}. {@code seconds} and {@code imagesPerSecond} cover this call;
   * {@code totalSeconds} adds the time of earlier, interrupted invocations of the same run.
   */
  public record Summary(
      int epochsDone,
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
   * Prepares a run in {@code options.outputDir()}: resumes from its checkpoint if one exists
   * (the caller has reconciled the configuration with it), otherwise starts fresh.
   */
  public DinoTrainer(
      DinoConfig config,
      TrainOptions options,
      ImageDataset data,
      String dataSpec,
      TrainingListener listener) {
    this.config = config;
    this.options = options;
    this.data = data;
    this.dataSpec = dataSpec;
    this.listener = listener;
    TrainConfig t = config.train();
    this.itersPerEpoch = MultiCropLoader.batchesPerEpoch(data.size(), t.batchSize());
    if (itersPerEpoch < 1) {
      throw new BadInputException(
          "the data has " + data.size() + " images, fewer than one batch of --batch-size "
              + t.batchSize() + " (the last incomplete batch is dropped)");
    }
    this.lrSchedule =
        Schedules.cosine(t.peakLr(), t.minLr(), t.epochs(), itersPerEpoch, t.warmupEpochs(), 0);
    this.wdSchedule =
        Schedules.cosine(t.weightDecay(), t.weightDecayEnd(), t.epochs(), itersPerEpoch);
    this.momentumSchedule = Schedules.cosine(t.momentumTeacher(), 1, t.epochs(), itersPerEpoch);
    this.teacherTemp =
        Schedules.teacherTemperature(
            t.warmupTeacherTemp(), t.teacherTemp(), t.warmupTeacherTempEpochs(), t.epochs());
    this.collapse = new CollapseMonitor(config.head().outDim(), t.warmupEpochs());

    Torch.start(options.threads());
    this.manager = Torch.newManager();
    this.network = new DinoNetwork(config.vit(), config.head(), manager);
    Path ckpt = options.outputDir().resolve(Checkpoint.FILE);
    if (Files.exists(ckpt)) {
      Checkpoint.Loaded c = Checkpoint.open(ckpt);
      var layout = network.layout();
      this.student = new ParameterSet(layout, manager, c.values(layout, "student."), true);
      this.teacher = new ParameterSet(layout, manager, c.values(layout, "teacher."), false);
      this.optimizer =
          AdamW.restore(
              manager,
              layout,
              c.values(layout, "optimizer.exp_avg."),
              c.values(layout, "optimizer.exp_avg_sq."),
              c.state().optimizerSteps());
      this.loss = newLoss();
      loss.setCenter(c.tensors().loadFloats("dino_loss.center"));
      this.epoch = c.state().epoch();
      this.batchInEpoch = c.state().batchInEpoch();
      this.globalStep = c.state().globalStep();
      this.elapsedBefore = c.state().elapsedSeconds();
      this.lastLoss = c.state().lastLoss();
      if (globalStep != (long) epoch * itersPerEpoch + batchInEpoch) {
        throw new BadInputException(
            ckpt + ": saved at step " + globalStep + " of epochs of " + itersPerEpoch
                + " steps does not match epoch " + epoch + " batch " + batchInEpoch
                + " (the data or --batch-size changed since it was written)");
      }
      this.resumed = true;
    } else {
      var layout = network.layout();
      this.student =
          new ParameterSet(layout, manager, layout.initialValues(Seeds.derive(t.seed(), "init")), true);
      this.teacher = new ParameterSet(layout, manager, student.toFloatArray(), false);
      this.optimizer = AdamW.dino(manager, layout);
      this.loss = newLoss();
      this.resumed = false;
    }
    this.step = new DinoStep(network, student, teacher, loss, optimizer);
  }

  private DinoLoss newLoss() {
    return new DinoLoss(
        manager, config.head().outDim(), config.train().studentTemp(), config.train().centerMomentum());
  }

  public void addHook(EpochHook hook) {
    hooks.add(hook);
  }

  public boolean resumed() {
    return resumed;
  }

  public long globalStep() {
    return globalStep;
  }

  public int itersPerEpoch() {
    return itersPerEpoch;
  }

  public DinoNetwork network() {
    return network;
  }

  public ParameterSet student() {
    return student;
  }

  public ParameterSet teacher() {
    return teacher;
  }

  /**
   * Asks the run to stop after the current step and save a checkpoint there; returns once that
   * checkpoint is written (or after {@code waitMillis}).
   */
  public void requestStop(long waitMillis) {
    stopRequested = true;
    try {
      done.await(waitMillis, java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Runs the remaining epochs; returns when done, stopped, or on a non-finite loss (thrown). */
  public Summary train() throws IOException {
    try {
      return run();
    } finally {
      done.countDown();
      listener.finished();
    }
  }

  private Summary run() throws IOException {
    TrainConfig t = config.train();
    Path dir = options.outputDir();
    Files.createDirectories(dir);
    writeArgs(dir);
    long totalSteps = (long) t.epochs() * itersPerEpoch;
    long startStep = globalStep;
    invocationStart = globalStep;
    int skipped = 0;
    long t0 = System.nanoTime();
    boolean stoppedEarly = false;
    CropSampler sampler = CropSampler.augmenting(new MultiCropAugmentation(config.augment()));
    try (MetricsLog metrics = new MetricsLog(dir.resolve(MetricsLog.FILE))) {
      ObjectNode start = Json.object();
      start.put("type", resumed ? "resume" : "start");
      start.put("epoch", epoch);
      start.put("step", globalStep);
      start.put("data", dataSpec);
      start.put("images", data.size());
      start.set("config", config.toJson());
      metrics.write(start);
      listener.started(describe(), globalStep, totalSteps);
      if (globalStep == 0 && options.snapshotEvery() > 0) {
        // The untrained teacher: the first frame of a training animation.
        saveSnapshot();
      }

      while (epoch < t.epochs() && !stoppedEarly) {
        EpochResult r = runEpoch(sampler, metrics);
        skipped += r.skipped;
        if (r.stopped) {
          stoppedEarly = true;
          saveCheckpoint(dir, t0);
          listener.message(String.format(Locale.ROOT,
              "stopped %s: checkpoint saved; run the same command to resume", position()));
          break;
        }
        endEpoch(r, metrics, dir, t0);
        if (stopAfterEpoch && epoch < t.epochs()) {
          stoppedEarly = true;
          listener.message(String.format(Locale.ROOT,
              "stopped after epoch %d/%d: checkpoint saved; run the same command to resume",
              epoch, t.epochs()));
        }
      }
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    long steps = globalStep - startStep;
    return new Summary(
        epoch,
        globalStep,
        lastLoss,
        seconds,
        elapsedBefore + seconds,
        steps * t.batchSize() / Math.max(seconds, 1e-9),
        skipped,
        stoppedEarly,
        resumed,
        dir.resolve(Checkpoint.FILE),
        dir.resolve(MetricsLog.FILE));
  }

  private static final class EpochResult {
    double lossSum;
    double entropySum;
    double klSum;
    int steps;
    int skipped;
    long nanos;
    boolean stopped;
    String failures = "";
  }

  private EpochResult runEpoch(CropSampler sampler, MetricsLog metrics) {
    TrainConfig t = config.train();
    EpochResult r = new EpochResult();
    long epochStart = System.nanoTime();
    double temp = teacherTemp[epoch];
    boolean freeze = epoch < t.freezeLastLayer();
    try (MultiCropLoader loader =
        MultiCropLoader.builder()
            .setDataset(data)
            .setSampler(sampler)
            .setBatchSize(t.batchSize())
            .optSeed(t.seed())
            .optEpoch(epoch)
            .optStartBatch(batchInEpoch)
            .optWorkers(options.numWorkers())
            .build()) {
      while (loader.hasNext()) {
        long w0 = System.nanoTime();
        MultiCropBatch batch = loader.next();
        long dataNanos = System.nanoTime() - w0;
        int it = (int) globalStep;
        DinoStep.Hyper h =
            new DinoStep.Hyper(
                lrSchedule[it], wdSchedule[it], momentumSchedule[it], temp, t.clipGrad(), freeze);
        final DinoStep.Outcome o;
        try (NDScope scope = new NDScope()) {
          long u0 = System.nanoTime();
          NDArray globals = manager.create(batch.globalCrops(), new Shape(batch.globalShape()));
          NDArray locals =
              batch.localCropsNumber() == 0
                  ? null
                  : manager.create(batch.localCrops(), new Shape(batch.localShape()));
          dataNanos += System.nanoTime() - u0;
          DropPath dp =
              config.vit().dropPathRate() > 0
                  ? new DropPath(config.vit().dropPathRate(), config.vit().depth(),
                      Seeds.derive(t.seed(), "drop_path", it))
                  : null;
          o = step.run(globals, locals, h, dp);
        } catch (DinoStep.NonFiniteLossException e) {
          throw new NonFiniteLossStop(epoch + 1, batchInEpoch + 1, e.getMessage());
        }
        globalStep++;
        batchInEpoch++;
        lastLoss = o.loss();
        r.lossSum += o.loss();
        r.entropySum += o.teacherEntropy();
        r.klSum += o.klTeacherStudent();
        r.steps++;
        double secs = (System.nanoTime() - epochStart) / 1e9;
        double ips = r.steps * (double) t.batchSize() / Math.max(secs, 1e-9);
        if (globalStep % options.logEvery() == 0) {
          ObjectNode m = Json.object();
          m.put("type", "step");
          m.put("epoch", epoch);
          m.put("step", globalStep);
          m.put("loss", o.loss());
          m.put("lr", h.lr());
          m.put("wd", h.weightDecay());
          m.put("momentum", h.momentum());
          m.put("teacher_temp", temp);
          m.put("teacher_entropy", o.teacherEntropy());
          m.put("kl_teacher_student", o.klTeacherStudent());
          m.put("images_per_s", ips);
          metrics.write(m);
        }
        listener.step(new TrainingListener.Step(epoch, batchInEpoch, itersPerEpoch, globalStep,
            (long) t.epochs() * itersPerEpoch, o.loss(), h.lr(), ips, dataNanos, o.forwardNanos(),
            o.backwardNanos(), o.updateNanos()));
        maybeStepSnapshot();
        if (stopRequested
            || (options.maxSteps() > 0 && globalStep - invocationStart >= options.maxSteps())) {
          stopAfterEpoch = true;
          r.stopped = batchInEpoch < itersPerEpoch;
          break;
        }
      }
      r.skipped = loader.failures().count();
      r.failures = loader.failures().summary(20);
    }
    r.nanos = System.nanoTime() - epochStart;
    return r;
  }

  private void endEpoch(EpochResult r, MetricsLog metrics, Path dir, long t0) throws IOException {
    TrainConfig t = config.train();
    int finished = epoch;
    epoch++;
    batchInEpoch = 0;
    if (!r.failures.isEmpty()) {
      listener.message("epoch " + (finished + 1) + ": " + r.failures);
    }
    double seconds = r.nanos / 1e9;
    int n = Math.max(1, r.steps);
    ObjectNode m = Json.object();
    m.put("type", "epoch");
    m.put("epoch", finished);
    m.put("step", globalStep);
    m.put("loss", r.lossSum / n);
    m.put("lr", lrSchedule[(int) globalStep - 1]);
    m.put("wd", wdSchedule[(int) globalStep - 1]);
    m.put("momentum", momentumSchedule[(int) globalStep - 1]);
    m.put("teacher_temp", teacherTemp[finished]);
    m.put("teacher_entropy", r.entropySum / n);
    m.put("kl_teacher_student", r.klSum / n);
    m.put("images_per_s", r.steps * (double) t.batchSize() / Math.max(seconds, 1e-9));
    m.put("epoch_time_s", seconds);
    m.put("skipped_images", r.skipped);
    for (EpochHook hook : hooks) {
      try (NDScope scope = new NDScope()) {
        hook.afterEpoch(finished, network, teacher, m);
      } catch (Exception e) {
        listener.message("epoch " + (finished + 1) + ": evaluation failed: " + e.getMessage());
      }
    }
    for (String w :
        collapse.check(finished, r.lossSum / n, r.entropySum / n, r.klSum / n)) {
      listener.message("warning: " + w);
      ObjectNode wm = Json.object();
      wm.put("type", "warning");
      wm.put("epoch", finished);
      wm.put("step", globalStep);
      wm.put("message", w);
      metrics.write(wm);
    }
    metrics.write(m);
    saveCheckpoint(dir, t0);
    if (options.saveckpFreq() > 0 && (finished + 1) % options.saveckpFreq() == 0) {
      Path keep = dir.resolve(String.format(Locale.ROOT, "checkpoint-%04d.safetensors", finished + 1));
      saveCheckpointTo(keep, t0);
    }
    if (options.snapshotEvery() > 0 && !options.snapshotInSteps()
        && (finished + 1) % options.snapshotEvery() == 0) {
      saveSnapshot();
    }
    listener.epoch(new TrainingListener.Epoch(finished, t.epochs(), r.lossSum / n,
        r.entropySum / n, r.klSum / n, seconds,
        r.steps * (double) t.batchSize() / Math.max(seconds, 1e-9), r.skipped));
  }

  private void maybeStepSnapshot() {
    if (options.snapshotEvery() > 0 && options.snapshotInSteps()
        && globalStep % options.snapshotEvery() == 0) {
      try {
        saveSnapshot();
      } catch (IOException e) {
        listener.message("warning: cannot write snapshot: " + e.getMessage());
      }
    }
  }

  private void saveSnapshot() throws IOException {
    Path dir = options.outputDir().resolve(Snapshots.DIR);
    Snapshots.save(dir, config, teacher, epoch, batchInEpoch, itersPerEpoch, globalStep, lastLoss);
  }

  private void saveCheckpoint(Path dir, long t0) throws IOException {
    saveCheckpointTo(dir.resolve(Checkpoint.FILE), t0);
  }

  private void saveCheckpointTo(Path file, long t0) throws IOException {
    double elapsed = elapsedBefore + (System.nanoTime() - t0) / 1e9;
    Checkpoint.save(
        file,
        new Checkpoint.State(epoch, batchInEpoch, globalStep, config, dataSpec,
            optimizer.stepCounts(), elapsed, lastLoss),
        student,
        teacher,
        optimizer,
        loss);
  }

  private void writeArgs(Path dir) throws IOException {
    ObjectNode args = Json.object();
    args.set("config", config.toJson());
    args.put("data", dataSpec);
    args.put("images", data.size());
    args.set("options", Json.MAPPER.valueToTree(options));
    args.put("iterations_per_epoch", itersPerEpoch);
    args.put("peak_lr", config.train().peakLr());
    args.put("parameters", network.layout().trainableNumel());
    dev.jdino.io.AtomicFiles.writeString(dir.resolve("args.json"), Json.pretty(args) + "\n");
  }

  private String describe() {
    var v = config.vit();
    var a = config.augment();
    return String.format(Locale.ROOT,
        "ViT %d/%d/%d heads, patch %d, %,d parameters; K=%d; crops 2x%d + %dx%d; batch %d;"
            + " %d epochs x %d steps on %s (%,d images)%s",
        v.embedDim(), v.depth(), v.numHeads(), v.patchSize(), network.layout().trainableNumel(),
        config.head().outDim(), a.globalCropSize(), a.localCropsNumber(), a.localCropSize(),
        config.train().batchSize(), config.train().epochs(), itersPerEpoch, dataSpec, data.size(),
        resumed ? "; resuming " + position() : "");
  }

  /**
   * Where the run stands, for people: counted from 1 like "epoch 3/50 done". Both the stop line
   * and the resume line say it, so a user can match one with the other.
   */
  private String position() {
    return batchInEpoch == 0
        ? String.format(Locale.ROOT, "at the start of epoch %d/%d", epoch + 1, config.train().epochs())
        : String.format(Locale.ROOT, "in epoch %d/%d after step %d/%d", epoch + 1,
            config.train().epochs(), batchInEpoch, itersPerEpoch);
  }

  @Override
  public void close() {
    manager.close();
  }

  /** Training stopped on a NaN or infinite loss; the last checkpoint on disk is intact. */
  public static final class NonFiniteLossStop extends RuntimeException {
    /** @param epoch the epoch, from 1; @param batch the step within it that failed, from 1 */
    public NonFiniteLossStop(int epoch, int batch, String what) {
      super(String.format(Locale.ROOT,
          "%s at epoch %d, step %d: training stopped, the last checkpoint is intact. Lower --lr,"
              + " raise --warmup-epochs or check --clip-grad and the input data.",
          what, epoch, batch));
    }
  }
}
