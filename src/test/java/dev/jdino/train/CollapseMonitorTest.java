package dev.jdino.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class CollapseMonitorTest {
  private static final double LN_4096 = Math.log(4096);

  @Test
  void healthyRunsAreQuiet() {
    CollapseMonitor m = new CollapseMonitor(4096, 1);
    assertEquals(List.of(), m.check(1, 6.2, 4.5, 1.7));
  }

  @Test
  void warmupEpochsAreNotJudged() {
    CollapseMonitor m = new CollapseMonitor(4096, 2);
    assertEquals(List.of(), m.check(1, LN_4096, LN_4096, 0));
    assertEquals(3, m.check(2, LN_4096, LN_4096, 0).size());
  }

  @Test
  void eachSignatureNamesItsCauseOnce() {
    CollapseMonitor m = new CollapseMonitor(4096, 1);
    List<String> uniform = m.check(1, LN_4096 * 1.001, LN_4096 * 0.999, 5e-4);
    assertEquals(3, uniform.size());
    assertTrue(uniform.get(0).contains("ln(out_dim)") && uniform.get(0).contains("--teacher-temp"));
    assertTrue(uniform.get(1).contains("uniform"));
    assertTrue(uniform.get(2).contains("KL"));
    assertEquals(List.of(), m.check(2, LN_4096, LN_4096, 0), "each warning once");
    List<String> peaked = m.check(3, 2.0, 0.01, 1.99);
    assertEquals(1, peaked.size());
    assertTrue(peaked.get(0).contains("one output dimension dominates"));
  }
}
