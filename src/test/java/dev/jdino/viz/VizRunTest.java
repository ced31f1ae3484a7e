package dev.jdino.viz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jdino.io.BadInputException;
import dev.jdino.io.Json;
import dev.jdino.model.Backbone;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Attention pictures, animation, PCA and curves of a tiny trained run. */
class VizRunTest {
  private static Path run;
  private final StringWriter logText = new StringWriter();
  private final PrintWriter log = new PrintWriter(logText);

  @BeforeAll
  static void train() throws Exception {
    run = TinyRun.get();
  }

  @Test
  void attentionWritesEveryPictureAndASummary(@TempDir Path out) throws Exception {
    try (Backbone b = Backbone.load(run)) {
      AttentionRenderer.Result r =
          AttentionRenderer.render(
              b,
              ImageSet.open("fmnist-sample:test", 2),
              out,
              AttentionRenderer.Options.defaults(b),
              log);
      assertEquals(2, r.images().size());
      assertTrue(r.skipped().isEmpty());
      AttentionRenderer.Rendered first = r.images().get(0);
      assertEquals(7, first.gridHeight());
      assertEquals(3, first.keptShare().length);
      for (String f :
          List.of(
              "input",
              "attention-head0",
              "attention-head1",
              "attention-mean",
              "mask-head0",
              "mask-head1",
              "mask-mean",
              "grid")) {
        assertTrue(Files.isRegularFile(first.dir().resolve(f + ".png")), f);
      }
      // 28 px at scale 4 (the shorter side reaches 112 px): every picture is 112 x 112.
      BufferedImage heat = ImageIO.read(first.dir().resolve("attention-head1.png").toFile());
      assertEquals(112, heat.getWidth());
      assertEquals(112, heat.getHeight());
      BufferedImage grid = ImageIO.read(first.grid().toFile());
      assertTrue(grid.getWidth() > 4 * 112 && grid.getHeight() > 2 * 112);
      JsonNode summary = Json.read(out.resolve("attention.json"));
      assertEquals(2, summary.path("images").size());
      assertEquals(0.6, summary.path("threshold").asDouble());
    }
  }

  @Test
  void animationHasOneFramePerSnapshotWithTheRequestedTiming(@TempDir Path out) throws Exception {
    Path gif = out.resolve("a.gif");
    Animator.Result r =
        Animator.animate(run, gif, new Animator.Options(null, 2, 4, 2, List.of(1), 0.6, 2), log);
    // the untrained teacher (step 0), then one snapshot per epoch
    assertEquals(TinyRun.EPOCHS + 1, r.frames().size());
    assertEquals(List.of(0L, 4L, 8L, 12L), r.frames().stream().map(Animator.Frame::step).toList());
    assertEquals(3.0, r.frames().get(3).epoch(), 1e-9);
    GifWriterTest.Gif g = GifWriterTest.read(gif);
    assertEquals(TinyRun.EPOCHS + 1, g.frames());
    assertEquals(r.width(), g.width());
    assertEquals(r.height(), g.height());
    assertArrayEquals(new int[] {25, 25, 25, 200}, g.delays());
    assertTrue(g.loopsForever());
    assertFalse(g.anyLocalTable());
  }

  @Test
  void withoutSnapshotsTheCheckpointsAreTheFrames(@TempDir Path copy) throws Exception {
    Files.copy(run.resolve("args.json"), copy.resolve("args.json"));
    Files.copy(run.resolve("checkpoint.safetensors"), copy.resolve("checkpoint.safetensors"));
    Files.copy(run.resolve("checkpoint.safetensors"), copy.resolve("checkpoint-0003.safetensors"));
    List<Animator.Frame> frames = Animator.frames(copy);
    assertEquals(1, frames.size(), "two files at one step make one frame");
    assertEquals(12, frames.get(0).step());
    assertEquals(3.0, frames.get(0).epoch(), 1e-9);
    Files.delete(copy.resolve("checkpoint.safetensors"));
    Files.delete(copy.resolve("checkpoint-0003.safetensors"));
    BadInputException e = assertThrows(BadInputException.class, () -> Animator.frames(copy));
    assertTrue(e.getMessage().contains("no snapshots"), e.getMessage());
  }

  @Test
  void pcaOfPatchTokens(@TempDir Path out) throws Exception {
    try (Backbone b = Backbone.load(run)) {
      PatchPca.Result r =
          PatchPca.run(
              b, ImageSet.open("fmnist-sample:test", 4), out, PatchPca.Options.defaults(b), log);
      assertEquals(4, r.pictures().size());
      assertEquals(4 * 49, r.patches());
      double[] e = r.explained();
      assertTrue(e[0] >= e[1] && e[1] >= e[2] && e[0] + e[1] + e[2] <= 1 + 1e-9);
      assertTrue(r.foregroundShare() > 0 && r.foregroundShare() < 1);
      assertTrue(Files.isRegularFile(r.grid()));
      assertTrue(Files.isRegularFile(out.resolve("pca.json")));
    }
  }

  @Test
  void curvesOfTheRun(@TempDir Path out) throws Exception {
    List<Curves.Chart> charts = Curves.write(run, out, Curves.XAxis.EPOCHS);
    assertEquals(
        List.of("loss", "lr", "wd", "momentum", "teacher_entropy", "kl"),
        charts.stream().map(Curves.Chart::name).toList());
    BufferedImage loss = ImageIO.read(charts.get(0).file().toFile());
    assertEquals(Curves.WIDTH, loss.getWidth());
    assertEquals(Curves.HEIGHT, loss.getHeight());
  }

  @Test
  void metricsKeepTheLastRecordPerStepAndTheKnnChartAppears(@TempDir Path dir) throws Exception {
    Files.writeString(
        dir.resolve("metrics.jsonl"),
        String.join(
            "\n",
            "{\"type\":\"start\",\"epoch\":0,\"step\":0}",
            "{\"type\":\"step\",\"epoch\":0,\"step\":10,\"loss\":7.0,\"lr\":0.1}",
            "{\"type\":\"epoch\",\"epoch\":0,\"step\":20,\"loss\":6.5,\"knn_top1\":41.5}",
            "{\"type\":\"resume\",\"epoch\":0,\"step\":10}",
            "{\"type\":\"step\",\"epoch\":0,\"step\":10,\"loss\":6.9,\"lr\":0.1}",
            "{\"type\":\"epoch\",\"epoch\":1,\"step\":40,\"loss\":6.0,\"knn_top1\":55.0}",
            "{\"type\":\"step\",\"epoch\":2,\"st"));
    RunMetrics m = RunMetrics.read(dir);
    assertEquals(1, m.steps().size());
    assertEquals(6.9, m.steps().get(0).get("loss").asDouble());
    assertEquals(2, m.epochs().size());
    assertEquals(1, m.skippedLines());
    assertEquals(
        dir.resolve("metrics.jsonl")
            + ": a record was cut short where the run was stopped mid-write (line 7); left out",
        m.skippedNote().orElseThrow());
    assertEquals(55.0, m.knnTop1At(40).getAsDouble());
    assertTrue(m.knnTop1At(30).isEmpty());
    List<Curves.Chart> charts = Curves.write(dir, dir.resolve("c"), Curves.XAxis.STEPS);
    assertTrue(charts.stream().anyMatch(c -> c.name().equals("knn")));
    assertTrue(charts.stream().anyMatch(c -> c.name().equals("loss")));
  }

  @Test
  void metricsNameTheLinesLeftOutAndTellAStopsFromDamage(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("metrics.jsonl");
    String start = "{\"type\":\"start\",\"epoch\":0,\"step\":0}";
    String step = "{\"type\":\"step\",\"epoch\":0,\"step\":10,\"loss\":7.0}";
    // A killed run resumed: the broken record is followed by the resume record.
    Files.writeString(
        file,
        String.join("\n", start, "{\"type\":\"st", "{\"type\":\"resume\",\"step\":0}", step)
            + "\n");
    assertEquals(
        file + ": a record was cut short where the run was stopped mid-write (line 2); left out",
        RunMetrics.read(dir).skippedNote().orElseThrow());
    // Garbage between two records is damage, not a stop; every such line is counted.
    Files.writeString(
        file, String.join("\n", start, "not json", step, "", "{oops", step, "x}") + "\n");
    RunMetrics m = RunMetrics.read(dir);
    assertEquals(3, m.skippedLines());
    assertEquals(
        file + ": 3 of its 7 lines are not JSON (lines 2, 5, 7); left out",
        m.skippedNote().orElseThrow());
    Files.writeString(file, start + "\n" + step + "\n");
    assertTrue(RunMetrics.read(dir).skippedNote().isEmpty());
  }
}
