package dev.jdino.train;

import static dev.jdino.testing.Fixtures.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import dev.jdino.engine.Torch;
import dev.jdino.model.ParameterLayout;
import dev.jdino.model.ParameterLayout.Group;
import dev.jdino.model.ParameterLayout.Init;
import dev.jdino.model.ParameterSet;
import org.junit.jupiter.api.Test;

/** AdamW by hand: the first step moves each weight by lr * sign(g) (after decoupled decay). */
class AdamWTest {

  @Test
  void firstTwoStepsByHand() {
    ParameterLayout.Builder b = ParameterLayout.builder();
    b.add("w", new long[] {2, 1}, new Init.Constant(0), true); // decayed
    b.add("w.bias", new long[] {1}, new Init.Constant(0), true); // not decayed
    ParameterLayout l = b.build();
    try (NDManager m = Torch.newManager();
        ParameterSet p = new ParameterSet(l, m, new float[] {1, -2, 3}, true);
        AdamW opt = AdamW.dino(m, l);
        NDScope s = new NDScope()) {
      double lr = 0.1;
      double wd = 0.5;
      opt.step(p, m.create(new float[] {0.5f, -4f, 2f}), lr, wd, true);
      // decay: w *= 1 - lr*wd = 0.95; then m_hat / sqrt(v_hat) = sign(g) (eps negligible)
      float[] afterOne = {(float) (1 * 0.95 - lr), (float) (-2 * 0.95 + lr), (float) (3 - lr)};
      assertClose(afterOne, p.toFloatArray(), 1e-6, 1e-6, "step 1");
      // step 2 with gradient g2: m = 0.9*0.1*g1 + 0.1*g2, v = 0.999*0.001*g1^2 + 0.001*g2^2
      float[] g1 = {0.5f, -4f, 2f};
      float[] g2 = {1f, 1f, -1f};
      opt.step(p, m.create(g2), lr, wd, true);
      float[] expected = new float[3];
      for (int i = 0; i < 3; i++) {
        double mm = 0.9 * 0.1 * g1[i] + 0.1 * g2[i];
        double vv = 0.999 * 0.001 * g1[i] * g1[i] + 0.001 * g2[i] * g2[i];
        double mhat = mm / (1 - 0.81);
        double denom = Math.sqrt(vv) / Math.sqrt(1 - 0.999 * 0.999) + 1e-8;
        double decay = i < 2 ? 1 - lr * wd : 1;
        expected[i] = (float) (afterOne[i] * decay - lr * mhat / denom);
      }
      assertClose(expected, p.toFloatArray(), 1e-6, 1e-5, "step 2");
      assertEquals(2, opt.steps(Group.DECAY));
    }
  }

  @Test
  void frozenLastLayerTakesNoStep() {
    ParameterLayout.Builder b = ParameterLayout.builder();
    b.add("head.last_layer.weight_v", new long[] {1, 2}, new Init.Constant(0), true);
    b.add("head.mlp.0.weight", new long[] {1, 1}, new Init.Constant(0), true);
    ParameterLayout l = b.build();
    try (NDManager m = Torch.newManager();
        ParameterSet p = new ParameterSet(l, m, new float[] {1, 1, 1}, true);
        AdamW opt = AdamW.dino(m, l);
        NDScope s = new NDScope()) {
      // layout order: DECAY (mlp.0.weight) first, then LAST_LAYER
      opt.step(p, m.create(new float[] {1, 1, 1}), 0.1, 0, false);
      assertClose(new float[] {0.9f, 1, 1}, p.toFloatArray(), 1e-6, 0, "last layer untouched");
      assertEquals(0, opt.steps(Group.LAST_LAYER));
      assertEquals(1, opt.steps(Group.DECAY));
    }
  }
}
