package dev.jdino.viz;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jdino.augment.Normalization;
import dev.jdino.io.AtomicFiles;
import dev.jdino.io.BadInputException;
import dev.jdino.io.Json;
import dev.jdino.io.OutputPaths;
import dev.jdino.model.Backbone;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * {@code jdino pca}: the last block's patch tokens (after the final norm) of a set of images,
 * projected on their first three principal components, computed over every patch of the whole set,
 * and shown as RGB.
 *
 * <p>Conventions. An eigenvector's sign is arbitrary, so it is fixed: the first component is
 * oriented so that the mean projection of the <b>border</b> patches (first and last row and column
 * of every image) is negative, because the background usually touches the border; the second and
 * third are oriented so that their largest coefficient is positive. A patch is <b>foreground</b>
 * when its centred projection on the first component exceeds the threshold (default 0, i.e. above
 * the set's mean along that component); background patches are drawn black. Each component maps to
 * one of R, G, B by min-max over the foreground patches of the set (so colours are comparable
 * between the set's images).
 */
public final class PatchPca {
  private static final int PER_ROW = 8;

  /**
   * @param threshold foreground when the first component's centred projection exceeds this
   * @param scale integer enlargement (0: automatic)
   */
  public record Options(
      ImageSizing sizing, Normalization normalization, double threshold, int scale) {
    public Options {
      Pictures.requireScale(scale);
    }

    public static Options defaults(Backbone backbone) {
      return new Options(
          ImageSizing.shorterSide(backbone.config().imgSize()), backbone.normalization(), 0, 0);
    }
  }

  /** What was written. */
  public record Result(
      Path outputDir,
      Path grid,
      List<Path> pictures,
      double[] explained,
      double foregroundShare,
      int patches,
      List<String> skipped) {}

  /** The summary file; it also marks a folder as a PCA output. */
  public static final String SUMMARY = "pca.json";

  private PatchPca() {}

  /**
   * Computes and draws the PCA of {@code images} into {@code outDir}; an earlier PCA there is kept
   * beside it ({@link OutputPaths#keepPreviousOutput}).
   *
   * @throws BadInputException when {@code outDir} holds files that are not a PCA output
   */
  public static Result run(
      Backbone backbone, ImageSet images, Path outDir, Options o, PrintWriter log)
      throws IOException {
    OutputPaths.requireOutputFolder(outDir, SUMMARY);
    int p = backbone.config().patchSize();
    int d = backbone.config().embedDim();
    List<ModelInput> inputs = new ArrayList<>();
    List<String> names = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    List<float[]> tokens = new ArrayList<>();
    int total = 0;
    for (int i = 0; i < images.size(); i++) {
      ModelInput in;
      try {
        in =
            ModelInput.prepare(
                images.load(i), o.sizing(), p, o.normalization().mean(), o.normalization().std());
      } catch (IOException | BadInputException e) {
        String why = images.failure(i, e);
        skipped.add(why);
        log.println("skipped " + why);
        continue;
      }
      inputs.add(in);
      names.add(images.fileName(i));
      float[] t = patchTokens(backbone, in);
      tokens.add(t);
      total += t.length / d;
    }
    if (inputs.isEmpty()) {
      throw new BadInputException(images.name() + ": no image could be used for the PCA");
    }
    float[] all = new float[total * d];
    int off = 0;
    for (float[] t : tokens) {
      System.arraycopy(t, 0, all, off, t.length);
      off += t.length;
    }
    Pca.Result pca = Pca.fit(all, total, d, Math.min(3, d));
    double[][] proj = new double[total][];
    for (int i = 0; i < total; i++) {
      proj[i] = pca.project(all, i * d);
    }
    orient(proj, inputs, pca);
    boolean[] fg = new boolean[total];
    int fgCount = 0;
    for (int i = 0; i < total; i++) {
      fg[i] = proj[i][0] > o.threshold();
      fgCount += fg[i] ? 1 : 0;
    }
    int[] rgb = colours(proj, fg, fgCount > 0);
    OutputPaths.keepPreviousOutput(outDir, SUMMARY)
        .ifPresent(kept -> log.println("kept the previous pictures as " + kept));
    Files.createDirectories(outDir);
    List<Path> pictures = new ArrayList<>();
    List<TileGrid.Tile> inRow = new ArrayList<>();
    List<TileGrid.Tile> pcaRow = new ArrayList<>();
    TileGrid grid =
        new TileGrid(TileGrid.LIGHT)
            .title(
                "PCA of last-block patch tokens: R, G, B"
                    + " = components 1, 2, 3 over "
                    + inputs.size()
                    + " images")
            .title(
                String.format(
                    Locale.ROOT,
                    "explained variance %s; background: component 1 <= %.3g",
                    percents(pca.explained()),
                    o.threshold()));
    int start = 0;
    for (int k = 0; k < inputs.size(); k++) {
      ModelInput in = inputs.get(k);
      int n = in.gridHeight() * in.gridWidth();
      int scale =
          o.scale() > 0
              ? o.scale()
              : Pictures.autoScale(in.height(), in.width(), AttentionRenderer.MIN_DISPLAY_SIDE);
      int[] px = new int[n];
      System.arraycopy(rgb, start, px, 0, n);
      start += n;
      BufferedImage pic = Pictures.blocks(px, in.gridHeight(), in.gridWidth(), p * scale);
      Path file = outDir.resolve(names.get(k) + ".png");
      Pictures.writePng(pic, file);
      pictures.add(file);
      inRow.add(new TileGrid.Tile(names.get(k), Pictures.image(in.display(), scale)));
      pcaRow.add(new TileGrid.Tile(null, pic));
      if (inRow.size() == PER_ROW || k == inputs.size() - 1) {
        grid.row("input", inRow).row("PCA", pcaRow);
        inRow = new ArrayList<>();
        pcaRow = new ArrayList<>();
      }
    }
    Path gridFile = outDir.resolve("grid.png");
    Pictures.writePng(grid.render(), gridFile);
    double share = fgCount / (double) total;
    writeSummary(outDir, backbone, pca, o, share, total, names, skipped);
    return new Result(outDir, gridFile, pictures, pca.explained(), share, total, skipped);
  }

  /** Patch tokens after the final norm, row-major (N x D). */
  @SuppressWarnings("try") // the scope frees the arrays made inside it
  static float[] patchTokens(Backbone backbone, ModelInput in) {
    try (NDScope scope = new NDScope()) {
      NDArray x =
          backbone.manager().create(in.normalized(), new Shape(1, 3, in.height(), in.width()));
      return backbone.tokens(x).get(":, 1:, :").toFloatArray();
    }
  }

  /** Applies the sign conventions of the class comment to the projections and components. */
  static void orient(double[][] proj, List<ModelInput> inputs, Pca.Result pca) {
    double border = 0;
    int count = 0;
    int start = 0;
    for (ModelInput in : inputs) {
      int gh = in.gridHeight();
      int gw = in.gridWidth();
      for (int i = 0; i < gh; i++) {
        for (int j = 0; j < gw; j++) {
          if (i == 0 || j == 0 || i == gh - 1 || j == gw - 1) {
            border += proj[start + i * gw + j][0];
            count++;
          }
        }
      }
      start += gh * gw;
    }
    flipIf(border / count > 0, 0, proj, pca);
    for (int k = 1; k < pca.components().length; k++) {
      double[] c = pca.components()[k];
      int arg = 0;
      for (int j = 1; j < c.length; j++) {
        if (Math.abs(c[j]) > Math.abs(c[arg])) {
          arg = j;
        }
      }
      flipIf(c[arg] < 0, k, proj, pca);
    }
  }

  private static void flipIf(boolean flip, int k, double[][] proj, Pca.Result pca) {
    if (!flip) {
      return;
    }
    for (double[] row : proj) {
      row[k] = -row[k];
    }
    double[] c = pca.components()[k];
    for (int j = 0; j < c.length; j++) {
      c[j] = -c[j];
    }
  }

  /** RGB per patch: components 1-3 min-max scaled over the foreground patches; black elsewhere. */
  static int[] colours(double[][] proj, boolean[] fg, boolean anyForeground) {
    int k = proj[0].length;
    double[] min = new double[k];
    double[] max = new double[k];
    Arrays.fill(min, Double.POSITIVE_INFINITY);
    Arrays.fill(max, Double.NEGATIVE_INFINITY);
    for (int i = 0; i < proj.length; i++) {
      if (fg[i] || !anyForeground) {
        for (int c = 0; c < k; c++) {
          min[c] = Math.min(min[c], proj[i][c]);
          max[c] = Math.max(max[c], proj[i][c]);
        }
      }
    }
    int[] rgb = new int[proj.length];
    for (int i = 0; i < proj.length; i++) {
      if (!fg[i]) {
        continue;
      }
      int v = 0;
      for (int c = 0; c < 3; c++) {
        double t = c < k && max[c] > min[c] ? (proj[i][c] - min[c]) / (max[c] - min[c]) : 0;
        v = (v << 8) | (int) Math.round(255 * Math.min(1, Math.max(0, t)));
      }
      rgb[i] = v;
    }
    return rgb;
  }

  private static String percents(double[] e) {
    StringBuilder s = new StringBuilder();
    for (double v : e) {
      s.append(s.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.1f%%", 100 * v));
    }
    return s.toString();
  }

  private static void writeSummary(
      Path outDir,
      Backbone backbone,
      Pca.Result pca,
      Options o,
      double share,
      int patches,
      List<String> names,
      List<String> skipped)
      throws IOException {
    ObjectNode j = Json.object();
    j.put("checkpoint", backbone.source());
    j.put("image_size", o.sizing().toString());
    j.put("patches", patches);
    j.put("foreground_threshold", o.threshold());
    j.put("foreground_share", share);
    j.put(
        "sign_convention",
        "component 1: border patches have a negative mean projection;"
            + " components 2, 3: largest coefficient positive");
    ArrayNode ev = j.putArray("explained_variance");
    for (double v : pca.explained()) {
      ev.add(v);
    }
    ArrayNode im = j.putArray("images");
    names.forEach(im::add);
    ArrayNode sk = j.putArray("skipped");
    skipped.forEach(sk::add);
    AtomicFiles.writeString(outDir.resolve(SUMMARY), Json.pretty(j) + "\n");
  }
}
