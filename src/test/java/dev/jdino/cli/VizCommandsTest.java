package dev.jdino.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jdino.io.Json;
import dev.jdino.viz.TinyRun;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jdino attention / animate / pca / curves / report}: results, and bad input (exit 2). */
class VizCommandsTest {
  record Result(int code, String out, String err) {}

  private static Path run;

  @BeforeAll
  static void train() throws Exception {
    run = TinyRun.get();
  }

  static Result jdino(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
    return new Result(code, out.toString(), err.toString());
  }

  private static void assertBadInput(Result r, String... mentions) {
    assertEquals(2, r.code(), "exit code; out: " + r.out() + " err: " + r.err());
    String last = r.err().strip();
    last = last.substring(last.lastIndexOf('\n') + 1);
    assertTrue(last.startsWith("jdino: error: "), r.err());
    for (String m : mentions) {
      assertTrue(last.contains(m), "message should mention '" + m + "': " + last);
    }
  }

  private static void png(Path file, int w, int h) throws Exception {
    BufferedImage b = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
    b.getRaster().setSample(w / 2, h / 2, 0, 200);
    ImageIO.write(b, "png", file.toFile());
  }

  @Test
  void attentionDrawsTheRunsTestImages(@TempDir Path tmp) {
    Result r =
        jdino(
            "attention",
            "--checkpoint",
            run.toString(),
            "--limit",
            "2",
            "--output-dir",
            tmp.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("drew 2 images"), r.out());
    assertTrue(Files.isRegularFile(tmp.resolve("0000/grid.png")));
    assertTrue(Files.isRegularFile(tmp.resolve("0001/mask-mean.png")));
  }

  @Test
  void anUndecodableImageIsSkippedAndTheRestAreDrawn(@TempDir Path tmp) throws Exception {
    Path images = Files.createDirectory(tmp.resolve("images"));
    png(images.resolve("good.png"), 45, 30);
    Files.writeString(images.resolve("broken.png"), "not a png");
    Result r =
        jdino(
            "attention",
            "--checkpoint",
            run.toString(),
            "--images",
            images.toString(),
            "--image-size",
            "native",
            "--output-dir",
            tmp.resolve("out").toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.err().contains("skipped") && r.err().contains("broken.png"), r.err());
    assertTrue(r.out().contains("drew 1 image "), r.out());
    assertTrue(Files.isRegularFile(tmp.resolve("out/0001-good/grid.png")));
    JsonNode summary = Json.read(tmp.resolve("out/attention.json"));
    assertEquals(28, summary.path("images").get(0).path("height").asInt());
    assertEquals(44, summary.path("images").get(0).path("width").asInt());
    assertEquals(1, summary.path("skipped").size());
  }

  @Test
  void pcaNamesASkippedImageOnce(@TempDir Path tmp) throws Exception {
    Path images = Files.createDirectory(tmp.resolve("images"));
    png(images.resolve("a.png"), 28, 28);
    png(images.resolve("b.png"), 28, 28);
    Path empty = Files.createFile(images.resolve("empty.png"));
    Result r =
        jdino(
            "pca",
            "--checkpoint",
            run.toString(),
            "--images",
            images.toString(),
            "--output-dir",
            tmp.resolve("out").toString());
    assertEquals(0, r.code(), r.err());
    JsonNode skipped = Json.read(tmp.resolve("out/pca.json")).path("skipped");
    assertEquals(1, skipped.size(), skipped.toString());
    // once "<path>: <path>: empty file"
    assertEquals(empty + ": empty file", skipped.get(0).asText());
  }

  @Test
  void nothingDrawableIsExitCodeTwo(@TempDir Path tmp) throws Exception {
    Path broken = tmp.resolve("broken.jpg");
    Files.writeString(broken, "not a jpeg");
    assertBadInput(
        jdino(
            "attention",
            "--checkpoint",
            run.toString(),
            "--images",
            broken.toString(),
            "--output-dir",
            tmp.resolve("o").toString()),
        "no image could be drawn",
        "broken.jpg");
    Path tiny = tmp.resolve("tiny.png");
    png(tiny, 3, 2);
    assertBadInput(
        jdino(
            "attention",
            "--checkpoint",
            run.toString(),
            "--images",
            tiny.toString(),
            "--image-size",
            "native",
            "--output-dir",
            tmp.resolve("o").toString()),
        "smaller than one 4x4 patch");
    // a strip of 2000 x 4 px: 14,000 patches at the backbone's 28 px shorter side; skipped in a
    // line, and the other image is drawn
    Path strip = tmp.resolve("images/strip.png");
    Files.createDirectories(strip.getParent());
    png(strip, 2000, 4);
    png(tmp.resolve("images/ok.png"), 28, 28);
    Result r =
        jdino(
            "attention",
            "--checkpoint",
            run.toString(),
            "--images",
            strip.getParent().toString(),
            "--output-dir",
            tmp.resolve("o2").toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.err().contains("strip.png: a 2000 x 4 px image"), r.err());
    assertTrue(r.err().contains("more than the 9,216"), r.err());
    assertTrue(r.out().contains("drew 1 image "), r.out());
    assertTrue(Files.isRegularFile(tmp.resolve("o2/0000-ok/grid.png")), r.out());
  }

  @Test
  void badCheckpointAndBadOptions(@TempDir Path tmp) throws Exception {
    Path notCkpt = tmp.resolve("model.safetensors");
    Files.writeString(notCkpt, "hello");
    assertBadInput(jdino("attention", "--checkpoint", notCkpt.toString()), "not a checkpoint");
    assertBadInput(jdino("attention", "--checkpoint", tmp.resolve("nope").toString()), "nope");
    assertBadInput(
        jdino("attention", "--checkpoint", run.toString(), "--image-size", "big"),
        "--image-size big");
    assertBadInput(
        jdino("attention", "--checkpoint", run.toString(), "--threshold", "0"), "--threshold");
    assertBadInput(jdino("pca", "--checkpoint", notCkpt.toString()), "not a checkpoint");
  }

  @Test
  void curvesOfAFileInsteadOfARunIsExitTwoNamingThePath(@TempDir Path tmp) throws Exception {
    // Once "cannot read (Input length = 1)" for a binary file and, for metrics.jsonl itself,
    // ".../metrics.jsonl/curves: Not a directory" with exit 5.
    Path binary = Files.write(tmp.resolve("model.bin"), new byte[] {(byte) 0xff, 0, 1});
    Path metrics = run.resolve("metrics.jsonl");
    for (Path p : List.of(binary, metrics)) {
      Result r = jdino("curves", "--run", p.toString());
      assertEquals(2, r.code(), r.err());
      assertEquals(
          "jdino: error: --run " + p + ": a file, not a directory; expected a jdino run directory",
          r.err().strip());
    }
    Result r = jdino("curves", "--run", tmp.resolve("nope").toString());
    assertEquals(2, r.code(), r.err());
    assertEquals(
        "jdino: error: --run "
            + tmp.resolve("nope")
            + ": no such directory; expected a jdino run directory",
        r.err().strip());
  }

  @Test
  void countsAndThresholdsOutsideTheirRangeAreRefused() {
    // attention documents --limit 0 as "all"; -1 once drew every image too, as pca --limit 0 did.
    String c = run.toString();
    String[][] cases = {
      {"attention --limit -1", "--limit -1: expected a number of images >= 1, or 0 for all"},
      {"pca --limit 0", "--limit 0: expected a number of images >= 1"},
      {"pca --limit -3", "--limit -3: expected a number of images >= 1"},
      {"pca --threshold NaN", "--threshold NaN: expected a finite number"},
      {"pca --threshold Infinity", "--threshold Infinity: expected a finite number"},
      {"pca --scale -2", "--scale -2: expected 0 (automatic) to 64 times"},
      {"attention --scale 65", "--scale 65: expected 0 (automatic) to 64 times"}
    };
    for (String[] k : cases) {
      String[] words = k[0].split(" ");
      Result r = jdino(words[0], "--checkpoint", c, words[1], words[2]);
      assertEquals(2, r.code(), k[0] + ": " + r.err());
      assertEquals("jdino: error: " + k[1], r.err().strip(), k[0]);
    }
  }

  /** Each backbone scores the same images: a broken one is named once, and counted in the JSON. */
  @Test
  void scoreNamesAnUndecodableImageOnceForAllItsModels(@TempDir Path tmp) throws Exception {
    Path images = Files.createDirectory(tmp.resolve("images"));
    png(images.resolve("good.png"), 28, 28);
    png(images.resolve("good2.png"), 28, 28);
    Files.writeString(images.resolve("broken.png"), "not a png");
    Path json = tmp.resolve("score.json");
    Result r =
        jdino(
            "attention",
            "--checkpoint",
            run.toString(),
            "--score",
            "--images",
            images.toString(),
            "--random-seeds",
            "3",
            "--json",
            json.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.err().contains("1 image could not be scored and was left out:"), r.err());
    assertEquals(1, r.err().split("broken.png", -1).length - 1, r.err());
    JsonNode j = Json.read(json);
    assertEquals(2, j.path("images").asInt());
    assertEquals(1, j.path("skipped_images").asInt());
    assertTrue(j.path("skipped").get(0).asText().contains("broken.png"), j.toString());
  }

  @Test
  void scoreWritesBothModelsAsJson(@TempDir Path tmp) throws Exception {
    Path json = tmp.resolve("score.json");
    Result r =
        jdino(
            "attention",
            "--checkpoint",
            run.toString(),
            "--score",
            "--images",
            "fmnist-sample:test",
            "--limit",
            "16",
            "--random-seeds",
            "2",
            "--json",
            json.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("checkpoint") && r.out().contains("random init"), r.out());
    JsonNode j = Json.read(json);
    assertEquals(16, j.path("images").asInt());
    assertEquals(0, j.path("skipped_images").asInt(-1));
    for (String model : new String[] {"checkpoint", "random"}) {
      double best = j.path(model).path("best_head").asDouble(-1);
      double mean = j.path(model).path("head_mean").asDouble(-1);
      assertTrue(best > 0 && best <= 1 && mean > 0 && mean <= 1, model + ": " + j);
      assertEquals(2, j.path(model).path("per_head").size());
    }
    JsonNode floor = j.path("random");
    assertEquals(2, floor.path("by_seed").size());
    double a = floor.path("by_seed").get(0).path("head_mean").asDouble();
    double b = floor.path("by_seed").get(1).path("head_mean").asDouble();
    assertEquals((a + b) / 2, floor.path("head_mean").asDouble(), 1e-12);
    assertEquals(Math.min(a, b), floor.path("head_mean_min").asDouble(), 0);
  }

  @Test
  void animateWritesAGifAndRefusesARunWithoutFrames(@TempDir Path tmp) throws Exception {
    Path gif = tmp.resolve("a.gif");
    Result r =
        jdino(
            "animate",
            "--run",
            run.toString(),
            "--out",
            gif.toString(),
            "--num-images",
            "2",
            "--fps",
            "5",
            "--hold",
            "1",
            "--heads",
            "0");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains((TinyRun.EPOCHS + 1) + " frames"), r.out());
    assertTrue(Files.size(gif) > 1000);
    // a run kept one checkpoint and no snapshots: a still, and the flag that gives frames
    Path still = Files.createDirectory(tmp.resolve("still"));
    Files.copy(run.resolve("args.json"), still.resolve("args.json"));
    Files.copy(run.resolve("checkpoint.safetensors"), still.resolve("checkpoint.safetensors"));
    Result one = jdino("animate", "--run", still.toString(), "--num-images", "1");
    assertEquals(0, one.code(), one.err());
    assertTrue(one.out().contains(": 1 frame, "), one.out());
    assertTrue(one.out().contains("the GIF is a still; train with --snapshots 10"), one.out());
    assertFalse(r.out().contains("is a still"), r.out());
    Path empty = Files.createDirectory(tmp.resolve("empty"));
    Files.copy(run.resolve("args.json"), empty.resolve("args.json"));
    assertBadInput(jdino("animate", "--run", empty.toString()), "no snapshots");
    assertFalse(Files.exists(empty.resolve("animation.gif")));
    assertBadInput(jdino("animate", "--run", tmp.resolve("nope").toString()), "not a directory");
    assertBadInput(
        jdino("animate", "--run", run.toString(), "--out", tmp.resolve("a.mp4").toString()),
        "only .gif");
    assertBadInput(jdino("animate", "--run", run.toString(), "--heads", "5"), "--heads 5");
    assertBadInput(jdino("animate", "--run", run.toString(), "--fps", "0"), "--fps");
    // --scale -1 once read as automatic
    Result neg = jdino("animate", "--run", run.toString(), "--scale", "-1");
    assertEquals(2, neg.code(), neg.err());
    assertEquals("jdino: error: --scale -1: expected 0 (automatic) to 64 times", neg.err().strip());
    // a file of the user's that only ends in .gif is not "the previous animation"
    Path mine = Files.writeString(tmp.resolve("mine.gif"), "my notes");
    assertBadInput(
        jdino("animate", "--run", run.toString(), "--out", mine.toString()),
        mine.toString(),
        "exists and is not a GIF");
    assertEquals("my notes", Files.readString(mine));
    try (Stream<Path> left = Files.list(tmp)) {
      assertEquals(1, left.filter(f -> f.toString().contains("mine")).count());
    }
  }

  @Test
  void pcaCurvesAndReport(@TempDir Path tmp) throws Exception {
    Result p =
        jdino(
            "pca",
            "--checkpoint",
            run.toString(),
            "--limit",
            "4",
            "--output-dir",
            tmp.resolve("pca").toString());
    assertEquals(0, p.code(), p.err());
    assertTrue(p.out().contains("explained variance"), p.out());
    Result c =
        jdino(
            "curves",
            "--run",
            run.toString(),
            "--by-epoch",
            "--output-dir",
            tmp.resolve("curves").toString());
    assertEquals(0, c.code(), c.err());
    assertTrue(Files.isRegularFile(tmp.resolve("curves/loss.png")));
    Result rep =
        jdino(
            "report",
            "--run",
            run.toString(),
            "--no-make",
            "--out",
            tmp.resolve("r.html").toString());
    assertEquals(0, rep.code(), rep.err());
    assertTrue(Files.readString(tmp.resolve("r.html")).contains("<h2>Training curves</h2>"));
    assertBadInput(jdino("curves", "--run", tmp.toString()), "metrics.jsonl");
    assertBadInput(jdino("report", "--run", tmp.toString()), "not a jdino run directory");
  }

  /** The kept siblings of {@code out}: {@code <name>-<yyyyMMdd-HHmmss>[-n][.ext]}. */
  private static List<Path> kept(Path out) throws Exception {
    String name = out.getFileName().toString();
    int dot = Files.isDirectory(out) || !name.contains(".") ? name.length() : name.lastIndexOf('.');
    String stem = name.substring(0, dot);
    String ext = name.substring(dot);
    Pattern p =
        Pattern.compile(Pattern.quote(stem) + "-\\d{8}-\\d{6}(-\\d+)?" + Pattern.quote(ext));
    try (Stream<Path> s = Files.list(out.getParent())) {
      return s.filter(f -> p.matcher(f.getFileName().toString()).matches()).sorted().toList();
    }
  }

  @Test
  void picturesDrawnAgainKeepTheEarlierOnes(@TempDir Path tmp) throws Exception {
    Path att = tmp.resolve("att");
    String[] attention = {
      "attention", "--checkpoint", run.toString(), "--limit", "1", "--output-dir", att.toString()
    };
    assertEquals(0, jdino(attention).code());
    byte[] first = Files.readAllBytes(att.resolve("0000/grid.png"));
    Result again = jdino(attention);
    assertEquals(0, again.code(), again.err());
    List<Path> keptAtt = kept(att);
    assertEquals(1, keptAtt.size(), keptAtt.toString());
    assertTrue(again.err().contains("kept the previous pictures as "), again.err());
    assertTrue(Arrays.equals(first, Files.readAllBytes(keptAtt.get(0).resolve("0000/grid.png"))));
    assertTrue(Files.isRegularFile(att.resolve("0000/grid.png")));
    assertTrue(Files.isRegularFile(att.resolve("attention.json")));

    Path pca = tmp.resolve("pca");
    String[] pcaArgs = {
      "pca", "--checkpoint", run.toString(), "--limit", "2", "--output-dir", pca.toString()
    };
    assertEquals(0, jdino(pcaArgs).code());
    assertEquals(0, jdino(pcaArgs).code());
    assertEquals(1, kept(pca).size());
    assertTrue(Files.isRegularFile(kept(pca).get(0).resolve("grid.png")));
    assertTrue(Files.isRegularFile(pca.resolve("grid.png")));

    Path gif = tmp.resolve("a.gif");
    String[] animate = {
      "animate", "--run", run.toString(), "--out", gif.toString(), "--num-images", "1"
    };
    assertEquals(0, jdino(animate).code());
    long firstSize = Files.size(gif);
    Result anim = jdino(animate);
    assertEquals(0, anim.code(), anim.err());
    assertTrue(anim.err().contains("kept the previous animation as "), anim.err());
    assertEquals(List.of(firstSize), kept(gif).stream().map(VizCommandsTest::size).toList());
    assertTrue(Files.isRegularFile(gif));
  }

  @Test
  void theUsersFilesAreNeverDrawnOver(@TempDir Path tmp) throws Exception {
    Path mine = Files.createDirectory(tmp.resolve("mine"));
    Files.writeString(mine.resolve("notes.txt"), "mine");
    assertBadInput(
        jdino("attention", "--checkpoint", run.toString(), "--output-dir", mine.toString()),
        mine.toString(),
        "not an earlier output");
    assertBadInput(
        jdino("pca", "--checkpoint", run.toString(), "--output-dir", mine.toString()),
        mine.toString(),
        "pca.json");
    assertBadInput(
        jdino("curves", "--run", run.toString(), "--output-dir", mine.toString()),
        mine.toString(),
        "curves.json");
    try (Stream<Path> left = Files.list(mine)) {
      assertEquals(List.of(mine.resolve("notes.txt")), left.toList());
    }
    // curves are a view of metrics.jsonl: drawn again into their own folder, in place
    Path curves = tmp.resolve("curves");
    String[] c = {"curves", "--run", run.toString(), "--output-dir", curves.toString()};
    assertEquals(0, jdino(c).code());
    Result again0 = jdino(c);
    assertEquals(0, again0.code(), again0.err());
    assertEquals(List.of(), kept(curves));
    assertTrue(
        Json.read(curves.resolve("curves.json")).path("charts").toString().contains("loss.png"));
    Path html = Files.writeString(tmp.resolve("index.html"), "<html>my page</html>");
    assertBadInput(
        jdino("report", "--run", run.toString(), "--no-make", "--out", html.toString()),
        html.toString(),
        "not a jdino report");
    assertEquals("<html>my page</html>", Files.readString(html));
    // a report is a view of the run: asked for again, it is rewritten in place
    Path report = tmp.resolve("r.html");
    String[] rep = {"report", "--run", run.toString(), "--no-make", "--out", report.toString()};
    assertEquals(0, jdino(rep).code());
    Result again = jdino(rep);
    assertEquals(0, again.code(), again.err());
    assertEquals(List.of(), kept(report));
  }

  private static long size(Path f) {
    try {
      return Files.size(f);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
