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
import dev.jdino.train.LossConfig.Centering;
import org.junit.jupiter.api.Test;

/**
 * DINOv2's additions against an independent PyTorch statement of them
 * (tools/make_loss_fixtures.py): KoLeo's value and gradient, Sinkhorn-Knopp targets, and DINO's
 * cross-entropy on those targets.
 */
class DinoV2LossTest {

  @Test
  void koleoValueAndGradientMatchPyTorch() {
    Safetensors fx = Fixtures.open("model/koleo.safetensors");
    try (NDManager m = Torch.newManager();
        NDScope s = new NDScope()) {
      NDArray x = fx.load(m, "x");
      x.setRequiresGradient(true);
      float value;
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray loss = KoLeoLoss.forward(x);
        value = loss.getFloat();
        gc.backward(loss);
      }
      assertEquals(fx.loadFloats("loss")[0], value, 1e-5 * Math.abs(value));
      assertClose(fx.loadFloats("grad"), x.getGradient(), 1e-6, 1e-4, "dKoLeo/dx");
    }
  }

  @Test
  void koleoIsMinusTheMeanLogDistanceToTheNearestRow() {
    // Three unit vectors: (1,0), (0,1), (-1,0). Nearest of (1,0) is (0,1) at sqrt(2) (its cosine 0
    // beats -1); of (0,1) both are at sqrt(2); of (-1,0) it is (0,1).
    try (NDManager m = Torch.newManager();
        NDScope s = new NDScope()) {
      NDArray x = m.create(new float[] {2, 0, 0, 3, -1, 0}, new Shape(3, 2));
      double d = Math.sqrt(2) + 1e-8 * Math.sqrt(2); // PairwiseDistance adds eps to the difference
      assertEquals(-Math.log(d + 1e-8), KoLeoLoss.forward(x).getFloat(), 1e-6);
    }
  }

  @Test
  void sinkhornKnoppTargetsAndLossMatchPyTorch() {
    Safetensors fx = Fixtures.open("model/sinkhorn.safetensors");
    LossConfig config = new LossConfig(0.1, 0.04, 0.04, 0, 0.9, Centering.SINKHORN_KNOPP, 0);
    try (NDManager m = Torch.newManager();
        DinoLoss loss = new DinoLoss(m, 10, config);
        NDScope s = new NDScope()) {
      NDArray teacher = fx.load(m, "teacher");
      assertClose(
          fx.loadFloats("targets"), DinoLoss.sinkhornKnopp(teacher, 0.04), 1e-7, 1e-4, "targets");
      NDArray student = fx.load(m, "student");
      student.setRequiresGradient(true);
      DinoLoss.Result r;
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        r = loss.forward(student, teacher, 0.04);
        gc.backward(r.loss());
      }
      assertEquals(fx.loadFloats("loss")[0], r.value(), 1e-5 * Math.abs(r.value()));
      assertClose(fx.loadFloats("grad_student"), student.getGradient(), 1e-7, 1e-4, "dL/ds");
      assertEquals(fx.loadFloats("entropy")[0], r.teacherEntropy(), 1e-4);
      // Sinkhorn-Knopp keeps no state: the centre stays zero.
      loss.updateCenter(teacher);
      assertClose(new float[10], loss.center(), 0, 0, "centre");
    }
  }
}
