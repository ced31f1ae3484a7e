package dev.jdino.viz;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jdino.augment.Normalization;
import dev.jdino.io.BadInputException;
import dev.jdino.io.Json;
import dev.jdino.io.OutputPaths;
import dev.jdino.io.Safetensors;
import dev.jdino.model.Backbone;
import dev.jdino.train.Snapshots;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * {@code jdino animate}: the attention of a fixed set of images through training, one GIF frame per
 * saved teacher (snapshot, or checkpoint when the run has no snapshots) in step order. Every frame
 * shows the same images, the same heads and the head mean, with the keep-mass mask outlined in
 * white, and says epoch, step, loss and (when the run logged it for that step) k-NN top-1.
 */
public final class Animator {
  private static final int BAR = 6;

  /**
   * How to animate.
   *
   * @param images the images (null: the first {@code count} of the run's test data)
   * @param count how many images when {@code images} is null
   * @param fps frames per second, in (0, 50]
   * @param holdSeconds how long the last frame stays (0: as long as the others)
   * @param heads which heads to show (null or empty: all); the head mean is always shown
   * @param threshold the mask's share of the attention mass
   * @param scale integer enlargement of each image (0: automatic, at least 84 px)
   */
  public record Options(
      ImageSet images,
      int count,
      double fps,
      double holdSeconds,
      List<Integer> heads,
      double threshold,
      int scale) {
    public Options {
      if (!(fps > 0 && fps <= 50)) {
        throw new BadInputException("--fps " + fps + ": expected a rate in (0, 50]");
      }
      if (!(holdSeconds >= 0 && holdSeconds <= 600)) {
        throw new BadInputException("--hold " + holdSeconds + ": expected 0 to 600 seconds");
      }
      if (count < 1) {
        throw new BadInputException("expected at least one image, got " + count);
      }
      if (!(threshold > 0 && threshold <= 1)) {
        throw new BadInputException("--threshold " + threshold + ": expected a share in (0, 1]");
      }
      Pictures.requireScale(scale);
    }

    /** Four test images, 4 frames per second, last frame held 2 s, all heads, 60% of the mass. */
    public static Options defaults() {
      return new Options(null, 4, 4, 2, null, 0.6, 0);
    }
  }

  /** One saved teacher. {@code knnTop1} is NaN when not logged for that step. */
  public record Frame(Path file, long step, double epoch, double loss, double knnTop1) {}

  /** The written animation. */
  public record Result(Path output, List<Frame> frames, int width, int height) {}

  private Animator() {}

  /**
   * The frames of a run: its snapshots, or, without any, its checkpoints ({@code checkpoint-NNNN}
   * and the latest), in step order, one per step.
   *
   * @throws BadInputException if the run has neither
   */
  public static List<Frame> frames(Path runDir) {
    if (!Files.isDirectory(runDir)) {
      throw new BadInputException(runDir + ": not a directory (expected a jdino run directory)");
    }
    Map<Long, Double> knn =
        Files.isRegularFile(runDir.resolve(RunMetrics.FILE))
            ? RunMetrics.read(runDir).knnTop1ByStep()
            : Map.of();
    List<Path> files = list(runDir.resolve(Snapshots.DIR), "teacher-step");
    boolean snapshots = !files.isEmpty();
    if (!snapshots) {
      files = list(runDir, "checkpoint");
    }
    if (files.isEmpty()) {
      throw new BadInputException(
          runDir
              + ": no snapshots (snapshots/teacher-step*.safetensors)"
              + " and no checkpoints to animate; train with --snapshot-every N");
    }
    int iters =
        Files.isRegularFile(runDir.resolve("args.json"))
            ? Json.read(runDir.resolve("args.json")).path("iterations_per_epoch").asInt(0)
            : 0;
    TreeMap<Long, Frame> bySteps = new TreeMap<>();
    for (Path f : files) {
      JsonNode m = metadata(f);
      long step = snapshots ? m.path("step").asLong() : m.path("global_step").asLong();
      double epoch =
          snapshots
              ? m.path("epoch").asDouble()
              : m.path("epoch").asDouble()
                  + (iters > 0 ? m.path("batch_in_epoch").asDouble() / iters : 0);
      double loss =
          snapshots
              ? m.path("loss").asDouble(Double.NaN)
              : m.path("last_loss").asDouble(Double.NaN);
      bySteps.put(step, new Frame(f, step, epoch, loss, knn.getOrDefault(step, Double.NaN)));
    }
    return new ArrayList<>(bySteps.values());
  }

  private static List<Path> list(Path dir, String prefix) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(
              p -> {
                String n = p.getFileName().toString();
                return n.startsWith(prefix) && n.endsWith(".safetensors") && Files.isRegularFile(p);
              })
          .sorted(Comparator.comparing(Path::toString))
          .toList();
    } catch (IOException e) {
      throw new BadInputException(dir + ": cannot list (" + e.getMessage() + ")");
    }
  }

  private static JsonNode metadata(Path f) {
    String raw = Safetensors.open(f).metadata().get("jdino");
    try {
      return raw == null ? Json.object() : Json.parse(raw);
    } catch (IOException e) {
      throw new BadInputException(f + ": metadata is not valid JSON");
    }
  }

  /**
   * Refuses an output that is not a {@code .gif} name, or an existing file there that is not a GIF:
   * an earlier animation is kept under another name, but a file of the user's that merely ends in
   * .gif would be renamed and called "the previous animation".
   */
  public static void requireTarget(Path out) throws IOException {
    if (!out.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".gif")) {
      throw new BadInputException("--out " + out + ": only .gif is supported");
    }
    if (Files.isRegularFile(out)) {
      byte[] head = new byte[6];
      int n;
      try (InputStream in = Files.newInputStream(out)) {
        n = in.readNBytes(head, 0, head.length);
      }
      String magic = new String(head, 0, n, StandardCharsets.US_ASCII);
      if (!magic.equals("GIF87a") && !magic.equals("GIF89a")) {
        throw new BadInputException(
            "--out "
                + out
                + ": exists and is not a GIF, so not an earlier animation to keep; give a new"
                + " path or move the file");
      }
    }
  }

  /**
   * Writes the animation of {@code runDir} to {@code out} (a .gif file); an earlier file there is
   * kept beside it under its modification time ({@link OutputPaths#keepPrevious}).
   */
  public static Result animate(Path runDir, Path out, Options o, PrintWriter log)
      throws IOException {
    requireTarget(out);
    List<Frame> frames = frames(runDir);
    ImageSet images = o.images() != null ? o.images() : ImageSet.ofRun(runDir, o.count());
    List<ModelInput> inputs = new ArrayList<>();
    List<String> names = new ArrayList<>();
    List<Integer> heads;
    Normalization norm;
    try (Backbone first = Backbone.load(frames.get(0).file())) {
      norm = first.normalization();
      heads = heads(o.heads(), first.config().numHeads());
      ImageSizing sizing = ImageSizing.shorterSide(first.config().imgSize());
      for (int i = 0; i < images.size() && inputs.size() < o.count(); i++) {
        try {
          inputs.add(
              ModelInput.prepare(
                  images.load(i), sizing, first.config().patchSize(), norm.mean(), norm.std()));
          names.add(images.describe(i));
        } catch (IOException | BadInputException e) {
          log.println("skipped " + images.failure(i, e));
        }
      }
    }
    if (inputs.isEmpty()) {
      throw new BadInputException(images.name() + ": no image could be used for the animation");
    }
    FrameRenderer renderer =
        new FrameRenderer(
            runDir.toAbsolutePath().normalize().getFileName().toString(),
            inputs,
            heads,
            o.threshold(),
            o.scale(),
            frames);
    List<BufferedImage> pictures = new ArrayList<>();
    for (Frame f : frames) {
      try (Backbone b = Backbone.load(f.file())) {
        List<AttentionMap> maps = new ArrayList<>();
        for (ModelInput in : inputs) {
          maps.add(AttentionMap.of(b, in));
        }
        pictures.add(renderer.render(f, maps));
      }
      log.printf(Locale.ROOT, "frame %d/%d: step %d%n", pictures.size(), frames.size(), f.step());
      log.flush();
    }
    int[] delays = new int[pictures.size()];
    int delay = (int) Math.max(1, Math.round(100 / o.fps()));
    Arrays.fill(delays, delay);
    if (o.holdSeconds() > 0) {
      delays[delays.length - 1] = (int) Math.max(1, Math.round(o.holdSeconds() * 100));
    }
    for (Path kept : OutputPaths.keepPrevious(List.of(out))) {
      log.println("kept the previous animation as " + kept);
    }
    GifWriter.write(out, pictures, delays, true);
    return new Result(out, frames, pictures.get(0).getWidth(), pictures.get(0).getHeight());
  }

  private static List<Integer> heads(List<Integer> wanted, int numHeads) {
    if (wanted == null || wanted.isEmpty()) {
      List<Integer> all = new ArrayList<>();
      for (int h = 0; h < numHeads; h++) {
        all.add(h);
      }
      return all;
    }
    for (int h : wanted) {
      if (h < 0 || h >= numHeads) {
        throw new BadInputException(
            "--heads " + h + ": the model has heads 0 to " + (numHeads - 1));
      }
    }
    return List.copyOf(wanted);
  }

  /** Draws frames of one animation at one size. */
  private static final class FrameRenderer {
    private final String run;
    private final List<ModelInput> inputs;
    private final List<Integer> heads;
    private final double threshold;
    private final int scale;
    private final long lastStep;
    private final int minWidth;

    FrameRenderer(
        String run,
        List<ModelInput> inputs,
        List<Integer> heads,
        double threshold,
        int scale,
        List<Frame> frames) {
      this.run = run;
      this.inputs = inputs;
      this.heads = heads;
      this.threshold = threshold;
      ModelInput first = inputs.get(0);
      this.scale = scale > 0 ? scale : Pictures.autoScale(first.height(), first.width(), 84);
      this.lastStep = frames.get(frames.size() - 1).step();
      // Every caption is measured now so that all frames get the same width.
      int w = 0;
      for (Frame f : frames) {
        w = Math.max(w, TileGrid.metrics(TileGrid.TITLE).stringWidth(caption(f)));
      }
      this.minWidth = w + 16;
    }

    String caption(Frame f) {
      // Step 0 is the teacher before any training: it has no loss yet.
      String s =
          f.step() == 0
              ? "step 0   untrained teacher (random initialisation)"
              : Double.isNaN(f.loss())
                  ? String.format(Locale.ROOT, "epoch %.2f   step %d", f.epoch(), f.step())
                  : String.format(
                      Locale.ROOT,
                      "epoch %.2f   step %d   loss %.3f",
                      f.epoch(),
                      f.step(),
                      f.loss());
      if (!Double.isNaN(f.knnTop1())) {
        s += String.format(Locale.ROOT, "   k-NN top-1 %.1f%%", f.knnTop1());
      }
      return s;
    }

    BufferedImage render(Frame f, List<AttentionMap> maps) {
      TileGrid grid =
          new TileGrid(TileGrid.DARK)
              .minWidth(minWidth)
              .title(caption(f))
              .title(
                  run
                      + ": last-block [CLS] attention; white outline keeps "
                      + Math.round(threshold * 100)
                      + "% of the mass");
      for (int i = 0; i < inputs.size(); i++) {
        ModelInput in = inputs.get(i);
        AttentionMap map = maps.get(i);
        int pp = map.patchSize() * scale;
        List<TileGrid.Tile> tiles = new ArrayList<>();
        tiles.add(new TileGrid.Tile(i == 0 ? "input" : null, Pictures.image(in.display(), scale)));
        for (int k = 0; k <= heads.size(); k++) {
          float[] v = k < heads.size() ? map.head(heads.get(k)) : map.mean();
          BufferedImage heat = Pictures.heatmap(v, map.gridHeight(), map.gridWidth(), pp);
          Pictures.outline(heat, AttentionMap.mask(v, threshold), map.gridWidth(), pp, Color.WHITE);
          String label = k < heads.size() ? "head " + heads.get(k) : "mean";
          tiles.add(new TileGrid.Tile(i == 0 ? label : null, heat));
        }
        grid.row(null, tiles);
      }
      BufferedImage body = grid.render();
      BufferedImage out =
          new BufferedImage(body.getWidth(), body.getHeight() + BAR, BufferedImage.TYPE_INT_RGB);
      Graphics2D g = out.createGraphics();
      g.drawImage(body, 0, 0, null);
      g.setColor(TileGrid.DARK.background());
      g.fillRect(0, body.getHeight(), out.getWidth(), BAR);
      g.setColor(new Color(Colormap.entry(200)));
      int done = lastStep > 0 ? (int) Math.round(out.getWidth() * (double) f.step() / lastStep) : 0;
      g.fillRect(0, body.getHeight() + 1, done, BAR - 2);
      g.dispose();
      return out;
    }
  }
}
