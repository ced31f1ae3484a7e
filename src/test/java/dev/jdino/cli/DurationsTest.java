package dev.jdino.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jdino.io.BadInputException;
import org.junit.jupiter.api.Test;

class DurationsTest {
  @Test
  void typedDurations() {
    assertEquals(90, Durations.seconds("90s", "--x"));
    assertEquals(90, Durations.seconds("90", "--x"));
    assertEquals(180, Durations.seconds("3m", "--x"));
    assertEquals(150, Durations.seconds("2.5m", "--x"));
    assertEquals(5400, Durations.seconds("1h30m", "--x"));
    assertEquals(3661, Durations.seconds("1H1M1S", "--x"));
  }

  @Test
  void nonsenseIsOneLineNamingTheFlag() {
    for (String bad : new String[] {"", "m", "3x", "-5m", "0", "1..2s"}) {
      BadInputException e =
          assertThrows(BadInputException.class, () -> Durations.seconds(bad, "--time-budget"));
      assertEquals(
          "--time-budget " + bad + ": expected a duration such as 90s, 3m or 1h30m",
          e.getMessage());
    }
  }
}
