package dev.jdino.train;

import static dev.jdino.testing.Fixtures.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.jdino.engine.Torch;
import dev.jdino.io.Safetensors;
import dev.jdino.testing.Fixtures;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DinoLossTest {

  @Test
  void lossCentreAndGradientMatchPyTorch() {
    Safetensors fx = Fixtures.open("model/loss.safetensors");
    try (NDManager m = Torch.newManager();
        DinoLoss loss = new DinoLoss(m, 40, 0.1, 0.9);
        NDScope s = new NDScope()) {
      loss.setCenter(fx.loadFloats("center"));
      NDArray student = fx.load(m, "student");
      student.setRequiresGradient(true);
      NDArray teacher = fx.load(m, "teacher");
      DinoLoss.Result r;
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        r = loss.forward(student, teacher, 0.04);
        gc.backward(r.loss());
      }
      assertClose(fx.loadFloats("center"), loss.center(), 0, 0, "the forward leaves the centre");
      loss.updateCenter(teacher);
      assertEquals(fx.loadFloats("loss")[0], r.value(), 1e-5 * Math.abs(r.value()));
      assertClose(fx.loadFloats("new_center"), loss.center(), 1e-6, 1e-5, "centre");
      assertClose(fx.loadFloats("grad_student"), student.getGradient(), 1e-7, 1e-4, "dL/ds");
      assertEquals(fx.loadFloats("entropy")[0], r.teacherEntropy(), 1e-5);
      assertEquals(r.value() - r.teacherEntropy(), r.klTeacherStudent(), 1e-6);
    }
  }

  /**
   * Autograd keeps the temperature scalar for the backward pass. A scalar borrowed from a Java
   * buffer (DJL's {@code div(Number)}) is freed by the garbage collector; the gradient must not
   * change when collections and fresh native allocations happen between forward and backward.
   */
  @Test
  void gradientSurvivesGarbageCollectionBeforeBackward() {
    Safetensors fx = Fixtures.open("model/loss.safetensors");
    try (NDManager m = Torch.newManager();
        DinoLoss loss = new DinoLoss(m, 40, 0.1, 0.9);
        NDScope s = new NDScope()) {
      loss.setCenter(fx.loadFloats("center"));
      NDArray student = fx.load(m, "student");
      student.setRequiresGradient(true);
      NDArray teacher = fx.load(m, "teacher");
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        DinoLoss.Result r = loss.forward(student, teacher, 0.04);
        for (int i = 0; i < 5; i++) {
          System.gc();
          List<ByteBuffer> junk = new ArrayList<>();
          for (int j = 0; j < 2000; j++) {
            ByteBuffer b = ByteBuffer.allocateDirect(4 + (j % 64));
            while (b.hasRemaining()) {
              b.put((byte) 0x7f);
            }
            junk.add(b);
          }
        }
        gc.backward(r.loss());
      }
      assertClose(fx.loadFloats("grad_student"), student.getGradient(), 1e-7, 1e-4, "dL/ds");
    }
  }

  @Test
  void uniformOutputsGiveLnK() {
    // Collapse to the uniform distribution: every term is ln K.
    try (NDManager m = Torch.newManager();
        DinoLoss loss = new DinoLoss(m, 4096, 0.1, 0.9);
        NDScope s = new NDScope()) {
      DinoLoss.Result r =
          loss.forward(m.zeros(new Shape(6 * 3, 4096)), m.zeros(new Shape(6, 4096)), 0.04);
      assertEquals(Math.log(4096), r.value(), 1e-5);
      assertEquals(8.318, r.value(), 5e-4);
      assertEquals(Math.log(4096), r.teacherEntropy(), 1e-4);
      assertEquals(0, r.klTeacherStudent(), 1e-4);
    }
  }

  @Test
  void centreIsAnEmaOfTheTeacherBatchMean() {
    try (NDManager m = Torch.newManager();
        DinoLoss loss = new DinoLoss(m, 2, 0.1, 0.9);
        NDScope s = new NDScope()) {
      loss.updateCenter(m.create(new float[] {1, 2, 3, 6}, new Shape(2, 2)));
      // 0.9 * 0 + 0.1 * mean([[1,2],[3,6]]) = [0.2, 0.4]
      assertClose(new float[] {0.2f, 0.4f}, loss.center(), 1e-7, 0, "first update");
      loss.updateCenter(m.create(new float[] {0, 0, 0, 0}, new Shape(2, 2)));
      assertClose(new float[] {0.18f, 0.36f}, loss.center(), 1e-7, 0, "second update");
    }
  }

  /**
   * Two global views only, and two global plus one local: the loss is the official double loop of
   * {@code DINOLoss.forward} (every teacher view iq against every other student view v), written
   * out here in doubles.
   */
  @Test
  void withAndWithoutLocalViewsTheLossIsTheOfficialDoubleLoop() {
    java.util.Random rnd = new java.util.Random(7);
    int b = 3;
    int k = 5;
    for (int views : new int[] {2, 3}) {
      float[] st = new float[views * b * k];
      float[] te = new float[2 * b * k];
      for (int i = 0; i < st.length; i++) {
        st[i] = (float) rnd.nextGaussian();
      }
      for (int i = 0; i < te.length; i++) {
        te[i] = (float) rnd.nextGaussian();
      }
      double expected = 0;
      int terms = 0;
      for (int iq = 0; iq < 2; iq++) {
        for (int v = 0; v < views; v++) {
          if (v == iq) {
            continue;
          }
          for (int r = 0; r < b; r++) {
            double[] q = softmax(te, (iq * b + r) * k, k, 0.04);
            double[] p = softmax(st, (v * b + r) * k, k, 0.1);
            for (int j = 0; j < k; j++) {
              expected -= q[j] * Math.log(p[j]) / b;
            }
          }
          terms++;
        }
      }
      expected /= terms;
      try (NDManager m = Torch.newManager();
          DinoLoss loss = new DinoLoss(m, k, 0.1, 0.9);
          NDScope s = new NDScope()) {
        DinoLoss.Result r =
            loss.forward(
                m.create(st, new Shape(views * b, k)), m.create(te, new Shape(2 * b, k)), 0.04);
        assertEquals(expected, r.value(), 1e-5 * Math.abs(expected), views + " views");
      }
    }
  }

  private static double[] softmax(float[] x, int from, int k, double temp) {
    double max = Double.NEGATIVE_INFINITY;
    for (int j = 0; j < k; j++) {
      max = Math.max(max, x[from + j] / temp);
    }
    double[] e = new double[k];
    double sum = 0;
    for (int j = 0; j < k; j++) {
      e[j] = Math.exp(x[from + j] / temp - max);
      sum += e[j];
    }
    for (int j = 0; j < k; j++) {
      e[j] /= sum;
    }
    return e;
  }
}
