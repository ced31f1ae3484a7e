package dev.jdino.viz;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jdino.augment.Image;
import dev.jdino.augment.Normalization;
import dev.jdino.io.AtomicFiles;
import dev.jdino.io.BadInputException;
import dev.jdino.io.Json;
import dev.jdino.io.OutputPaths;
import dev.jdino.model.Backbone;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What {@code jdino attention} draws for each image (the paper's section 4.2.1 and the official
 * visualize_attention.py), in {@code <output>/<NNNN-name>/}: {@code input.png} (the image as the
 * model saw it, de-normalised), {@code attention-head<h>.png} and {@code attention-mean.png}
 * (viridis heatmaps of the [CLS] attention over the patches, nearest-upsampled), {@code
 * mask-head<h>.png} and {@code mask-mean.png} (the patches keeping the threshold share of the mass,
 * tinted and outlined over the image), and {@code grid.png} with all of them labelled. {@code
 * <output>/attention.json} lists what was drawn and skipped. An earlier output in the same folder
 * is kept beside it ({@link OutputPaths#keepPreviousOutput}), never drawn over.
 */
public final class AttentionRenderer {
  /** The summary file; it also marks a folder as an attention output. */
  public static final String SUMMARY = "attention.json";

  /** Pictures of small images are enlarged until their shorter side has at least this. */
  public static final int MIN_DISPLAY_SIDE = 112;

  /**
   * How to draw.
   *
   * @param sizing the resize before the crop to whole patches
   * @param threshold share of the attention mass each mask keeps, in (0, 1]
   * @param normalization the model's input normalisation
   * @param scale integer enlargement of every picture; 0 chooses one per image ({@link
   *     #MIN_DISPLAY_SIDE})
   */
  public record Options(
      ImageSizing sizing, double threshold, Normalization normalization, int scale) {
    public Options {
      if (!(threshold > 0 && threshold <= 1)) {
        throw new BadInputException("--threshold " + threshold + ": expected a share in (0, 1]");
      }
      Pictures.requireScale(scale);
    }

    /**
     * The backbone's training resolution as the shorter side, 60% of the mass, the backbone's
     * normalisation, automatic scale.
     */
    public static Options defaults(Backbone backbone) {
      return new Options(
          ImageSizing.shorterSide(backbone.config().imgSize()), 0.6, backbone.normalization(), 0);
    }
  }

  /**
   * One drawn image.
   *
   * @param keptShare per head, then the head mean: the share of patches its mask keeps
   */
  public record Rendered(
      int index,
      String source,
      Path dir,
      Path grid,
      int height,
      int width,
      int gridHeight,
      int gridWidth,
      double[] keptShare) {}

  /** Everything drawn, and one message per image that could not be. */
  public record Result(Path outputDir, List<Rendered> images, List<String> skipped) {}

  private AttentionRenderer() {}

  /**
   * Draws every image of {@code images} into {@code outDir}. An image that cannot be decoded or is
   * smaller than one patch is skipped with a message on {@code log}; the rest are drawn. When none
   * can be drawn nothing is written.
   *
   * @throws BadInputException when {@code outDir} holds files that are not an attention output
   */
  public static Result render(
      Backbone backbone, ImageSet images, Path outDir, Options o, PrintWriter log)
      throws IOException {
    OutputPaths.requireOutputFolder(outDir, SUMMARY);
    List<Rendered> done = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    int p = backbone.config().patchSize();
    for (int i = 0; i < images.size(); i++) {
      ModelInput in;
      try {
        Image img = images.load(i);
        in =
            ModelInput.prepare(
                img, o.sizing(), p, o.normalization().mean(), o.normalization().std());
      } catch (IOException | BadInputException e) {
        String why = images.failure(i, e);
        skipped.add(why);
        log.println("skipped " + why);
        log.flush();
        continue;
      }
      AttentionMap map = AttentionMap.of(backbone, in);
      if (done.isEmpty()) {
        // Only now, with something to draw: a run where no image can be drawn leaves the earlier
        // pictures where they were.
        OutputPaths.keepPreviousOutput(outDir, SUMMARY)
            .ifPresent(kept -> log.println("kept the previous pictures as " + kept));
        Files.createDirectories(outDir);
      }
      Path dir = outDir.resolve(images.fileName(i));
      done.add(write(dir, i, images.describe(i), in, map, o));
    }
    if (!done.isEmpty()) {
      writeSummary(outDir, backbone, o, done, skipped);
    }
    return new Result(outDir, done, skipped);
  }

  private static Rendered write(
      Path dir, int index, String source, ModelInput in, AttentionMap map, Options o)
      throws IOException {
    Files.createDirectories(dir);
    int scale =
        o.scale() > 0 ? o.scale() : Pictures.autoScale(in.height(), in.width(), MIN_DISPLAY_SIDE);
    List<HeadPictures> heads = headPictures(in, map, o.threshold(), scale);
    double[] kept = new double[heads.size()];
    Pictures.writePng(Pictures.image(in.display(), scale), dir.resolve("input.png"));
    for (int h = 0; h < heads.size(); h++) {
      HeadPictures p = heads.get(h);
      kept[h] = p.kept();
      Pictures.writePng(p.heatmap(), dir.resolve("attention-" + p.fileName() + ".png"));
      Pictures.writePng(p.overlay(), dir.resolve("mask-" + p.fileName() + ".png"));
    }
    Path grid = dir.resolve("grid.png");
    Pictures.writePng(grid(source, in, map, o.threshold(), scale, heads), grid);
    return new Rendered(
        index, source, dir, grid, in.height(), in.width(), map.gridHeight(), map.gridWidth(), kept);
  }

  /** One head's (or, last, the head mean's) heatmap and mask overlay, drawn once for all uses. */
  private record HeadPictures(
      String fileName, String label, BufferedImage heatmap, BufferedImage overlay, double kept) {}

  private static List<HeadPictures> headPictures(
      ModelInput in, AttentionMap map, double threshold, int scale) {
    int heads = map.numHeads();
    List<HeadPictures> out = new ArrayList<>();
    for (int h = 0; h <= heads; h++) {
      float[] values = h < heads ? map.head(h) : map.mean();
      boolean[] mask = AttentionMap.mask(values, threshold);
      out.add(
          new HeadPictures(
              h < heads ? "head" + h : "mean",
              h < heads ? "head " + h : "mean",
              Pictures.heatmap(values, map.gridHeight(), map.gridWidth(), map.patchSize() * scale),
              Pictures.maskOverlay(
                  in.display(),
                  mask,
                  map.gridWidth(),
                  map.patchSize(),
                  scale,
                  Pictures.headColor(h < heads ? h : -1)),
              share(mask)));
    }
    return out;
  }

  /**
   * The labelled grid of one image: the input, one heatmap per head and the head mean on the first
   * row; the masks under them, each labelled with the share of patches it keeps.
   */
  private static BufferedImage grid(
      String source,
      ModelInput in,
      AttentionMap map,
      double threshold,
      int scale,
      List<HeadPictures> heads) {
    List<TileGrid.Tile> maps = new ArrayList<>();
    List<TileGrid.Tile> masks = new ArrayList<>();
    BufferedImage input = Pictures.image(in.display(), scale);
    maps.add(new TileGrid.Tile("input", input));
    masks.add(new TileGrid.Tile(null, blank(input.getWidth(), input.getHeight())));
    for (HeadPictures p : heads) {
      maps.add(new TileGrid.Tile(p.label(), p.heatmap()));
      masks.add(
          new TileGrid.Tile(
              String.format(Locale.ROOT, "%s: %.0f%%", p.label(), 100 * p.kept()), p.overlay()));
    }
    // The file name is enough on the picture; attention.json keeps the full source.
    String name = source.substring(Math.max(source.lastIndexOf('/'), source.lastIndexOf('\\')) + 1);
    return new TileGrid(TileGrid.LIGHT)
        .title(name)
        .title(
            String.format(
                Locale.ROOT,
                "%dx%d px, patch %d, %dx%d patches; last-block [CLS]"
                    + " attention; masks keep %.0f%% of the mass (%% = share of patches kept)",
                in.width(),
                in.height(),
                map.patchSize(),
                map.gridWidth(),
                map.gridHeight(),
                100 * threshold))
        .row("attention", maps)
        .row(String.format(Locale.ROOT, "mask %.0f%%", 100 * threshold), masks)
        .render();
  }

  private static BufferedImage blank(int w, int h) {
    BufferedImage b = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = b.createGraphics();
    g.setColor(TileGrid.LIGHT.background());
    g.fillRect(0, 0, w, h);
    g.dispose();
    return b;
  }

  static double share(boolean[] mask) {
    int n = 0;
    for (boolean m : mask) {
      n += m ? 1 : 0;
    }
    return n / (double) mask.length;
  }

  private static void writeSummary(
      Path outDir, Backbone backbone, Options o, List<Rendered> done, List<String> skipped)
      throws IOException {
    ObjectNode j = Json.object();
    j.put("checkpoint", backbone.source());
    j.put("image_size", o.sizing().toString());
    j.put("threshold", o.threshold());
    ArrayNode arr = j.putArray("images");
    for (Rendered r : done) {
      ObjectNode n = arr.addObject();
      n.put("source", r.source());
      n.put("dir", outDir.relativize(r.dir()).toString());
      n.put("height", r.height());
      n.put("width", r.width());
      n.put("grid_height", r.gridHeight());
      n.put("grid_width", r.gridWidth());
      ArrayNode k = n.putArray("kept_patch_share");
      for (double v : r.keptShare()) {
        k.add(v);
      }
    }
    ArrayNode s = j.putArray("skipped");
    skipped.forEach(s::add);
    AtomicFiles.writeString(outDir.resolve(SUMMARY), Json.pretty(j) + "\n");
  }
}
