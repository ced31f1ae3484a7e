package dev.jdino.viz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The self-contained HTML report of a tiny run (and, where Chromium is installed, its rendering).
 */
class ReportTest {
  private static final String KNN =
      """
      {"checkpoint":"x","checkpoint_key":"teacher","train_data":"fmnist-sample",
       "test_data":"fmnist-sample:test","feature":"cls+avgpool","temperature":0.07,
       "train_images":5000,"test_images":1000,
       "results":[{"model":"pretrained","k":20,"top1":71.5,"top5":97.0},
                  {"model":"random","k":20,"top1":40.25,"top5":80.0},
                  {"model":"pixels","k":20,"top1":75.0,"top5":95.5},
                  {"model":"pretrained","k":10,"top1":70.0,"top5":96.0},
                  {"model":"pretrained","k":10000,"k_used":5000,"top1":50.0,"top5":90.0}],
       "skipped_images":2,"classes_without_training_images":["coat (3 test images)"],
       "test_is_training_data":true,"seconds":3.5}
      """;

  private static final String LINEAR =
      """
      {"test_data":"fmnist-sample:test","train_images":5000,"test_images":1000,"feature_dim":512,
       "probe":{"n_last_blocks":4,"avgpool_patchtokens":false,"epochs":100,"augment":false},
       "best_epoch":41,"best_top1":80.25,"best_top5":98.5,"skipped_images":3,"diverged":true,
       "test_is_training_data":true}
      """;

  @TempDir static Path tmp;
  private static Path run;
  private static Report.Result result;
  private static String html;

  @BeforeAll
  static void writeReport() throws Exception {
    // A copy of the run: the report writes its missing parts into the run directory.
    run = tmp.resolve("run");
    Path src = TinyRun.get();
    try (Stream<Path> s = Files.walk(src)) {
      for (Path p : s.toList()) {
        Path to = run.resolve(src.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(to);
        } else if (!p.getFileName().toString().equals("report.html")) {
          Files.copy(p, to);
        }
      }
    }
    Files.writeString(run.resolve("knn.json"), KNN);
    Files.createDirectories(run.resolve("linear"));
    Files.writeString(run.resolve("linear/linear.json"), LINEAR);
    StringWriter log = new StringWriter();
    result = Report.write(run, Report.Options.defaults(), new PrintWriter(log));
    html = Files.readString(result.html());
  }

  @Test
  void hasEverySectionAndMakesTheMissingParts() {
    assertEquals(run.resolve("report.html"), result.html());
    assertEquals(
        List.of(
            "Configuration",
            "Training curves",
            "k-NN evaluation",
            "Linear probe",
            "Attention maps",
            "Patch features (PCA)",
            "Attention during training"),
        result.sections());
    assertTrue(result.notes().isEmpty(), result.notes().toString());
    assertTrue(Files.isRegularFile(run.resolve("animation.gif")));
    assertTrue(Files.isRegularFile(run.resolve("pca/grid.png")));
    assertTrue(Files.isRegularFile(run.resolve("curves/loss.png")));
    try (Stream<Path> s = Files.list(run.resolve("attention"))) {
      assertEquals(4, s.filter(Files::isDirectory).count());
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void isSelfContained() {
    assertFalse(Pattern.compile("(src|href)=\"(https?:|//|file:)").matcher(html).find());
    assertFalse(html.contains("<link"), "no external style sheets");
    assertFalse(html.contains("<script"), "no scripts");
    Matcher img = Pattern.compile("<img [^>]*src=\"([^\"]{0,30})").matcher(html);
    int n = 0;
    int gifs = 0;
    while (img.find()) {
      assertTrue(
          img.group(1).startsWith("data:image/png;base64,")
              || img.group(1).startsWith("data:image/gif;base64,"),
          img.group(1));
      gifs += img.group(1).startsWith("data:image/gif") ? 1 : 0;
      n++;
    }
    // 6 charts, 4 attention grids, the PCA grid, the animation.
    assertEquals(12, n);
    assertEquals(1, gifs);
  }

  @Test
  void knnTableShowsTheModelAndItsFloors() {
    int table = html.indexOf("<th>pretrained top-1</th>");
    assertTrue(table > 0);
    assertTrue(html.indexOf("<th>random top-1</th>") > table);
    assertTrue(html.indexOf("<th>pixels top-1</th>") > table);
    assertTrue(
        html.contains(
            "<tr class=\"headline\"><td>20</td><td>71.50</td><td>97.00</td>"
                + "<td>40.25</td><td>80.00</td><td>75.00</td><td>95.50</td></tr>"),
        "k = 20 row");
    assertTrue(html.contains("<tr><td>10</td><td>70.00</td><td>96.00</td><td></td>"));
    // what the console said under the table, from knn.json
    assertTrue(html.contains("on the teacher's [CLS] + mean patch token features (T = 0.07)"));
    assertTrue(html.contains("The test data is the training data"), html);
    assertTrue(html.contains("k is capped at the 5000 training images"), html);
    assertTrue(html.contains("can only be misclassified): coat (3 test images)."), html);
    assertTrue(html.contains("2 images could not be decoded and were left out (listed in knn"));
  }

  @Test
  void linearProbeShowsItsBestEpochAndWhatWentWrong() {
    assertTrue(
        html.contains(
            "A linear layer on the frozen teacher's features (CLS of the last 4 blocks, 512"
                + " features), 100 epochs, fast mode (cached features); 5000 train / 1000 test"
                + " images of fmnist-sample:test."),
        html);
    assertTrue(
        html.contains("<tr class=\"headline\"><td>42</td><td>80.25</td><td>98.50</td></tr>"));
    assertTrue(html.contains("The probe diverged"));
    assertTrue(html.contains("3 images could not be decoded and were left out."));
    assertTrue(html.contains("the probe was scored on images it trained on."));
  }

  /** Debian's Chromium draws the page offline (skipped where it is not installed). */
  @Test
  void rendersInHeadlessChromium() throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/chromium")), "no /usr/bin/chromium");
    Path png = tmp.resolve("screenshot.png");
    Process p =
        new ProcessBuilder(
                "bash", "tools/check_report_render.sh", result.html().toString(), png.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(150, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), out);
    BufferedImage shot = ImageIO.read(png.toFile());
    assertEquals(1280, shot.getWidth());
    assertEquals(2000, shot.getHeight());
    // The charts were drawn: their orange per-epoch series shows up (a blank page has none).
    int orange = 0;
    for (int y = 0; y < shot.getHeight(); y += 2) {
      for (int x = 0; x < shot.getWidth(); x += 2) {
        int c = shot.getRGB(x, y);
        int r = c >> 16 & 0xff;
        int g = c >> 8 & 0xff;
        int b = c & 0xff;
        orange += r > 200 && g > 80 && g < 150 && b < 60 ? 1 : 0;
      }
    }
    assertTrue(orange > 100, "orange pixels: " + orange);
  }
}
