package dev.jdino.model;

import static dev.jdino.testing.Fixtures.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.jdino.engine.Torch;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DropPathTest {

  @Test
  void ratesGrowLinearlyOverTheBlocks() {
    DropPath dp = new DropPath(0.1, 5, 0);
    assertEquals(0.0, dp.rate(0));
    assertEquals(0.025, dp.rate(1), 1e-15);
    assertEquals(0.1, dp.rate(4), 1e-15);
    assertEquals(0.0, new DropPath(0.1, 1, 0).rate(0));
  }

  @Test
  void keptSamplesAreScaledAndDroppedOnesZeroed() {
    try (NDManager m = Torch.newManager();
        NDScope s = new NDScope()) {
      NDArray x = m.ones(new Shape(400, 2, 3));
      float[] y = new DropPath(0.5, 2, 7).apply(x, 1).toFloatArray();
      int kept = 0;
      for (int b = 0; b < 400; b++) {
        float v = y[b * 6];
        assertTrue(v == 0f || v == 2f, "sample " + b + " = " + v);
        for (int i = 1; i < 6; i++) {
          assertEquals(v, y[b * 6 + i], "one decision per sample");
        }
        kept += v > 0 ? 1 : 0;
      }
      assertTrue(kept > 160 && kept < 240, "about half kept: " + kept);
    }
  }

  /** The mask is kept by autograd: a garbage collection before backward must not change it. */
  @Test
  void gradientSurvivesGarbageCollectionBeforeBackward() {
    float[] expected = gradient(false);
    float[] churned = gradient(true);
    assertClose(expected, churned, 0, 0, "gradient through the drop-path mask");
  }

  private static float[] gradient(boolean churn) {
    try (NDManager m = Torch.newManager();
        NDScope s = new NDScope()) {
      NDArray x = m.arange(64f).reshape(16, 4).div(10f);
      x.setRequiresGradient(true);
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray y = Scopes.keep(() -> new DropPath(0.5, 2, 3).apply(x, 1).mul(x));
        if (churn) {
          for (int i = 0; i < 5; i++) {
            System.gc();
            List<ByteBuffer> junk = new ArrayList<>();
            for (int j = 0; j < 2000; j++) {
              ByteBuffer b = ByteBuffer.allocateDirect(64);
              while (b.hasRemaining()) {
                b.put((byte) 0x7f);
              }
              junk.add(b);
            }
          }
        }
        gc.backward(y.sum());
      }
      return x.getGradient().toFloatArray();
    }
  }
}
