package dev.jdino.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jdino.engine.Precision;
import org.junit.jupiter.api.Test;

class ComputeTest {
  @Test
  void attentionRunsInTheProductsPrecisionUnlessToldOtherwise() {
    assertEquals(Precision.BF16, new Compute(Precision.BF16, true).attentionPrecision());
    assertEquals(Precision.FP32, new Compute(Precision.FP32, true).attentionPrecision());
    assertEquals("bf16, fused attention", new Compute(Precision.BF16, true).toString());
    assertEquals(
        "bf16, fused attention in fp32",
        new Compute(Precision.BF16, true, Precision.FP32).toString());
  }

  @Test
  void theExplicitPathIsAlwaysFp32Attention() {
    Compute c = new Compute(Precision.BF16, false, Precision.BF16);
    assertEquals(Precision.FP32, c.attentionPrecision());
    assertEquals("bf16, explicit attention", c.toString());
    assertEquals(new Compute(Precision.BF16, false), c);
    assertEquals("fp32, explicit attention", Compute.REFERENCE.toString());
  }

  @Test
  void aPrecisionIsNeeded() {
    assertThrows(IllegalArgumentException.class, () -> new Compute(null, true));
    assertThrows(IllegalArgumentException.class, () -> new Compute(Precision.BF16, true, null));
  }
}
