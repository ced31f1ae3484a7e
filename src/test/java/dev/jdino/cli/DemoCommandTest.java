package dev.jdino.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's first command, shortened to one epoch: every stage runs and the report exists. */
class DemoCommandTest {

  @Test
  void oneEpochDemoWritesTheWholeRun(@TempDir Path tmp) throws Exception {
    Path run = tmp.resolve("demo");
    TrainCommandTest.Result r =
        TrainCommandTest.jdino("demo", "--epochs", "0.5", "--output-dir", run.toString());
    assertEquals(0, r.code(), r.err());
    for (String f :
        new String[] {
          "checkpoint.safetensors",
          "metrics.jsonl",
          "knn.json",
          "attention-score.json",
          "animation.gif",
          "report.html"
        }) {
      assertTrue(Files.isRegularFile(run.resolve(f)), f + " missing; output:\n" + r.out());
    }
    assertTrue(Files.isRegularFile(run.resolve("attention/0000/grid.png")));
    assertTrue(r.out().contains("k-NN top-1 (k = 20):"), r.out());
    assertTrue(r.out().contains("online k-NN over the run:"), r.out());
    assertTrue(r.out().contains("report: " + run.resolve("report.html").toAbsolutePath()), r.out());
    String html = Files.readString(run.resolve("report.html"));
    assertTrue(html.contains("data:image/gif;base64,"), "the animation is embedded");
  }

  @Test
  void theNoteSaysWhichFloorIsNotBeaten() {
    assertNull(DemoCommand.note(90, 60, 85, true));
    assertNull(DemoCommand.note(85, 60, 85, false), "equal to a floor is not below it");
    String belowRandom = DemoCommand.note(53.2, 56.4, 81.5, true);
    assertTrue(belowRandom.startsWith("note: these minutes of DINO did not lift"), belowRandom);
    assertTrue(belowRandom.contains("while the attention already finds the garment"), belowRandom);
    String belowPixels = DemoCommand.note(70, 62, 84, false);
    assertTrue(
        belowPixels.startsWith("note: k-NN is above a random backbone but below raw pixels"),
        belowPixels);
    assertFalse(belowPixels.contains("attention"), belowPixels);
    assertTrue(belowPixels.endsWith("./jdino train --data fmnist --time-budget 1h"), belowPixels);
  }
}
