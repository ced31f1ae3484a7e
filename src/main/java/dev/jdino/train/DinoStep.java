package dev.jdino.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.jdino.data.MultiCropBatch;
import dev.jdino.model.DinoNetwork;
import dev.jdino.model.DropPath;
import dev.jdino.model.ParameterSet;
import dev.jdino.model.Scopes;
import java.util.List;

/**
 * One DINO iteration in the order of the official {@code train_one_epoch}: teacher forward on the 2
 * global crops, student forward on all crops, loss, stop on a non-finite loss, backward, per-tensor
 * clipping, last layer frozen or not, AdamW step, teacher EMA, centre update.
 *
 * <p>The caller owns the {@code NDScope} around a call; state that outlives the step (parameters,
 * optimiser moments, centre) was created outside it.
 */
public final class DinoStep {
  private final DinoNetwork network;
  private final ParameterSet student;
  private final ParameterSet teacher;
  private final DinoLoss loss;
  private final AdamW optimizer;
  private final double koleoWeight;
  private DataParallel parallel = DataParallel.single();

  /** What one step did, for logging; {@code koleo} is NaN when KoLeo is off. */
  public record Outcome(float loss, float teacherEntropy, float klTeacherStudent, float koleo) {}

  /** The schedules' values for one iteration. */
  public record Hyper(
      double lr,
      double weightDecay,
      double momentum,
      double teacherTemp,
      double clipGrad,
      boolean freezeLastLayer) {}

  /** The parts of a step, in order; a {@link Phases} listener sees each one begin. */
  public enum Phase {
    /** Waiting for the next batch of crops (begun by the training loop, not by the step). */
    DATA,
    FORWARD,
    BACKWARD,
    UPDATE,
    DONE
  }

  /** Told when each phase of a step begins (timing); the default does nothing. */
  public interface Phases {
    Phases NONE = phase -> {};

    void begin(Phase phase);
  }

  public DinoStep(
      DinoNetwork network,
      ParameterSet student,
      ParameterSet teacher,
      DinoLoss loss,
      AdamW optimizer,
      double koleoWeight) {
    this.network = network;
    this.student = student;
    this.teacher = teacher;
    this.loss = loss;
    this.optimizer = optimizer;
    this.koleoWeight = koleoWeight;
  }

  /**
   * Makes this step one rank's part of a data-parallel step: the loss and its signals are averaged
   * over the ranks before the finite check (so all ranks stop together, and report the global
   * batch), and the gradient after backward, before clipping, as DistributedDataParallel does in
   * the official code. The loss's own batch statistics are set on the loss ({@link
   * DinoLoss#distributeOver}).
   */
  public void distributeOver(DataParallel parallel) {
    this.parallel = parallel;
  }

  /**
   * One step on a batch of crops, inside its own {@code NDScope}: the crops become arrays of {@code
   * manager}, and every array the step makes is freed when it returns.
   */
  public Outcome run(
      NDManager manager, MultiCropBatch batch, Hyper h, DropPath dropPath, Phases phases) {
    try (NDScope scope = new NDScope()) {
      NDArray globals = manager.create(batch.globalCrops(), new Shape(batch.globalShape()));
      NDArray locals =
          batch.localCropsNumber() == 0
              ? null
              : manager.create(batch.localCrops(), new Shape(batch.localShape()));
      return run(globals, locals, h, dropPath, phases);
    }
  }

  public Outcome run(NDArray globals, NDArray locals, Hyper h, DropPath dropPath) {
    return run(globals, locals, h, dropPath, Phases.NONE);
  }

  /**
   * @param globals the 2 global crops, (2B, 3, G, G), crop-major
   * @param locals the local crops, (L*B, 3, l, l), crop-major; null when L = 0
   * @param dropPath the student's stochastic depth for this step (null for none)
   * @throws NonFiniteLossException if the loss is NaN or infinite: nothing has been updated
   */
  public Outcome run(NDArray globals, NDArray locals, Hyper h, DropPath dropPath, Phases phases) {
    phases.begin(Phase.FORWARD);
    // The teacher's activations are freed before the student's forward begins.
    NDArray teacherOut = Scopes.keep(() -> network.logits(teacher, List.of(globals), null));
    List<NDArray> crops = locals == null ? List.of(globals) : List.of(globals, locals);
    DinoLoss.Result r;
    float koleo = Float.NaN;
    Outcome reported = null;
    student.zeroGradient();
    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      DinoNetwork.Output out = network.forward(student, crops, dropPath);
      r = loss.forward(out.logits(), teacherOut, h.teacherTemp());
      NDArray total = r.loss();
      float value = r.value();
      if (koleoWeight > 0) {
        NDArray k = koleo(out.features(), globals.getShape().get(0) / 2);
        koleo = k.getFloat();
        total = total.add(k.mul(Scopes.scalar(k.getManager(), koleoWeight)));
        value += (float) (koleoWeight * koleo);
      }
      if (parallel.distributed()) {
        float[] g = {value, r.value(), r.teacherEntropy(), r.klTeacherStudent(), koleo};
        parallel.meanOverRanks(g);
        value = g[0];
        reported = new Outcome(g[1], g[2], g[3], g[4]);
      }
      if (!Float.isFinite(value)) {
        throw new NonFiniteLossException(value);
      }
      phases.begin(Phase.BACKWARD);
      gc.backward(total);
    }
    phases.begin(Phase.UPDATE);
    NDArray grad = student.gradient();
    if (parallel.distributed()) {
      parallel.averageGradient(grad);
    }
    if (h.clipGrad() > 0) {
      GradientClipping.clip(student, grad, h.clipGrad());
    }
    optimizer.step(student, grad, h.lr(), h.weightDecay(), !h.freezeLastLayer());
    TeacherEma.update(teacher, student, h.momentum());
    loss.updateCenter(teacherOut);
    phases.begin(Phase.DONE);
    return reported != null
        ? reported
        : new Outcome(r.value(), r.teacherEntropy(), r.klTeacherStudent(), koleo);
  }

  /** DINOv2's use of KoLeo: on each global crop's student CLS features separately, summed. */
  private static NDArray koleo(NDArray features, long batch) {
    NDArray first = KoLeoLoss.forward(features.get(new NDIndex("0:{}", batch)));
    NDArray second = KoLeoLoss.forward(features.get(new NDIndex("{}:{}", batch, 2 * batch)));
    return first.add(second);
  }

  /** The loss was NaN or infinite: training must stop (as the official code does). */
  public static final class NonFiniteLossException extends RuntimeException {
    public NonFiniteLossException(float value) {
      super("loss is " + value);
    }
  }
}
