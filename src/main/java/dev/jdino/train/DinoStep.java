package dev.jdino.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.training.GradientCollector;
import dev.jdino.model.DinoNetwork;
import dev.jdino.model.DropPath;
import dev.jdino.model.ParameterSet;
import dev.jdino.model.Scopes;
import java.util.List;

/**
 * One DINO iteration in the order of reference section 6: teacher forward on the 2 global crops,
 * student forward on all crops, loss and centre update, stop on a non-finite loss, backward,
 * per-tensor clipping, last layer frozen or not, AdamW step, teacher EMA.
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

  /** What one step did, for logging. */
  public record Outcome(
      float loss,
      float teacherEntropy,
      float klTeacherStudent,
      long forwardNanos,
      long backwardNanos,
      long updateNanos) {}

  /** The schedules' values for one iteration. */
  public record Hyper(
      double lr,
      double weightDecay,
      double momentum,
      double teacherTemp,
      double clipGrad,
      boolean freezeLastLayer) {}

  public DinoStep(
      DinoNetwork network, ParameterSet student, ParameterSet teacher, DinoLoss loss, AdamW optimizer) {
    this.network = network;
    this.student = student;
    this.teacher = teacher;
    this.loss = loss;
    this.optimizer = optimizer;
  }

  /**
   * @param globals the 2 global crops, (2B, 3, G, G), crop-major
   * @param locals the local crops, (L*B, 3, l, l), crop-major; null when L = 0
   * @param dropPath the student's stochastic depth for this step (null for none)
   * @throws NonFiniteLossException if the loss is NaN or infinite; nothing has been updated
   */
  public Outcome run(NDArray globals, NDArray locals, Hyper h, DropPath dropPath) {
    long t0 = System.nanoTime();
    // The teacher's activations are freed before the student's forward begins.
    NDArray teacherOut = Scopes.keep(() -> network.forward(teacher, List.of(globals), null));
    List<NDArray> crops = locals == null ? List.of(globals) : List.of(globals, locals);
    DinoLoss.Result r;
    long t1;
    student.zeroGradient();
    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      NDArray studentOut = network.forward(student, crops, dropPath);
      r = loss.forward(studentOut, teacherOut, h.teacherTemp());
      if (!Float.isFinite(r.value())) {
        throw new NonFiniteLossException(r.value());
      }
      t1 = System.nanoTime();
      gc.backward(r.loss());
    }
    long t2 = System.nanoTime();
    NDArray grad = student.gradient();
    if (h.clipGrad() > 0) {
      GradientClipping.clip(student, grad, h.clipGrad());
    }
    optimizer.step(student, grad, h.lr(), h.weightDecay(), !h.freezeLastLayer());
    TeacherEma.update(teacher, student, h.momentum());
    long t3 = System.nanoTime();
    return new Outcome(
        r.value(), r.teacherEntropy(), r.klTeacherStudent(), t1 - t0, t2 - t1, t3 - t2);
  }

  /** The loss was NaN or infinite: training must stop (reference section 6). */
  public static final class NonFiniteLossException extends RuntimeException {
    public NonFiniteLossException(float value) {
      super("loss is " + value);
    }
  }
}
