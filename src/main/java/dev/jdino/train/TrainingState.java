package dev.jdino.train;

import ai.djl.ndarray.NDManager;
import dev.jdino.engine.Torch;
import dev.jdino.io.BadInputException;
import dev.jdino.model.Compute;
import dev.jdino.model.DinoNetwork;
import dev.jdino.model.ParameterLayout;
import dev.jdino.model.ParameterSet;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Everything a run carries from step to step (the official code's {@code to_restore} plus the
 * objects it restores): student, teacher, AdamW moments, DINO's centre, and the position. Built
 * fresh, from initial weights, or from a checkpoint; saved as one checkpoint.
 */
public final class TrainingState implements AutoCloseable {
  private final DinoConfig config;
  private final NDManager manager;
  private final DinoNetwork network;
  private final ParameterSet student;
  private final ParameterSet teacher;
  private final AdamW optimizer;
  private final DinoLoss loss;
  private final double elapsedBefore;
  private final boolean resumed;
  private Position position;
  private float lastLoss;

  private TrainingState(
      DinoConfig config,
      DinoNetwork network,
      NDManager manager,
      float[] studentValues,
      float[] teacherValues,
      Checkpoint.Loaded from) {
    this.config = config;
    this.manager = manager;
    this.network = network;
    ParameterLayout layout = network.layout();
    this.student = new ParameterSet(layout, manager, studentValues, true);
    this.teacher = new ParameterSet(layout, manager, teacherValues, false);
    this.loss = new DinoLoss(manager, config.head().outDim(), config.loss());
    if (from == null) {
      this.optimizer = AdamW.dino(manager, layout);
      this.position = Position.START;
      this.elapsedBefore = 0;
      this.lastLoss = Float.NaN;
      this.resumed = false;
    } else {
      Checkpoint.State s = from.state();
      this.optimizer =
          AdamW.restore(
              manager,
              layout,
              from.values(layout, "optimizer.exp_avg."),
              from.values(layout, "optimizer.exp_avg_sq."),
              s.optimizerSteps());
      loss.setCenter(from.tensors().loadFloats("dino_loss.center"));
      this.position = s.position();
      this.elapsedBefore = s.elapsedSeconds();
      this.lastLoss = s.lastLoss();
      this.resumed = true;
    }
  }

  /**
   * A new run: the student from {@code initialValues} (null: the official initialisation seeded by
   * the configuration), the teacher an exact copy of it, zero moments and centre.
   */
  public static TrainingState fresh(DinoConfig config, float[] initialValues) {
    return fresh(config, initialValues, Compute.REFERENCE);
  }

  /** A new run computing with {@code compute}'s arithmetic. */
  public static TrainingState fresh(DinoConfig config, float[] initialValues, Compute compute) {
    var manager = Torch.newManager();
    DinoNetwork network = new DinoNetwork(config.vit(), config.head(), manager, compute);
    float[] init =
        initialValues != null
            ? initialValues
            : network.layout().initialValues(Seeds.derive(config.train().seed(), "init"));
    return new TrainingState(config, network, manager, init, init.clone(), null);
  }

  /**
   * The run saved in {@code checkpoint}, continued with {@code config} (which may differ from the
   * saved one in its length only: the caller has checked).
   *
   * @param stepsPerEpoch the data's steps per epoch, which the saved position must fit
   */
  public static TrainingState resume(
      DinoConfig config, Checkpoint.Loaded checkpoint, int stepsPerEpoch) {
    return resume(config, checkpoint, stepsPerEpoch, Compute.REFERENCE);
  }

  /** The saved run continued with {@code compute}'s arithmetic. */
  public static TrainingState resume(
      DinoConfig config, Checkpoint.Loaded checkpoint, int stepsPerEpoch, Compute compute) {
    Position p = checkpoint.state().position();
    if (!p.consistent(stepsPerEpoch)) {
      throw new BadInputException(
          checkpoint.file()
              + ": saved at epoch "
              + p.epoch()
              + ", batch "
              + p.batchInEpoch()
              + " (step "
              + p.globalStep()
              + "), which epochs of "
              + stepsPerEpoch
              + " steps do not reach: the data or the batch size changed since it was written");
    }
    var manager = Torch.newManager();
    DinoNetwork network = new DinoNetwork(config.vit(), config.head(), manager, compute);
    ParameterLayout layout = network.layout();
    return new TrainingState(
        config,
        network,
        manager,
        checkpoint.values(layout, "student."),
        checkpoint.values(layout, "teacher."),
        checkpoint);
  }

  /**
   * Writes the state as a checkpoint (atomically).
   *
   * @param images the size of the data {@code dataSpec} named, which a resume must find again
   */
  public void save(Path file, String dataSpec, int images, double elapsedThisInvocation)
      throws IOException {
    save(file, dataSpec, images, elapsedThisInvocation, Map.of());
  }

  /** As above, with {@code extra} metadata entries ({@link Checkpoint#save}). */
  public void save(
      Path file,
      String dataSpec,
      int images,
      double elapsedThisInvocation,
      Map<String, String> extra)
      throws IOException {
    Checkpoint.save(
        file,
        new Checkpoint.State(
            position,
            config,
            dataSpec,
            images,
            optimizer.stepCounts(),
            elapsedBefore + elapsedThisInvocation,
            lastLoss),
        student,
        teacher,
        optimizer,
        loss,
        extra);
  }

  /** Records a finished step. */
  void advance(float stepLoss, int stepsPerEpoch) {
    position = position.next(stepsPerEpoch);
    lastLoss = stepLoss;
  }

  public DinoStep newStep() {
    return new DinoStep(network, student, teacher, loss, optimizer, config.loss().koleoWeight());
  }

  public DinoConfig config() {
    return config;
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

  public DinoLoss loss() {
    return loss;
  }

  public AdamW optimizer() {
    return optimizer;
  }

  public Position position() {
    return position;
  }

  public float lastLoss() {
    return lastLoss;
  }

  /** Seconds spent in earlier, interrupted invocations of the same run. */
  public double elapsedBefore() {
    return elapsedBefore;
  }

  public boolean resumed() {
    return resumed;
  }

  /** The native arrays of this run (for tests that check memory stays flat). */
  public NDManager manager() {
    return manager;
  }

  @Override
  public void close() {
    network.close();
    manager.close();
  }
}
