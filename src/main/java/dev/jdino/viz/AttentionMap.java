package dev.jdino.viz;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.jdino.model.Backbone;
import java.util.ArrayList;
import java.util.List;

/**
 * The last block's attention of the [CLS] query over the patch keys, per head, for one image (the
 * paper's section 4.2.1 and the official visualize_attention.py): what DINO's attention pictures
 * show.
 *
 * @param gridHeight rows of patches
 * @param gridWidth columns of patches
 * @param patchSize pixels per patch side
 * @param heads {@code heads[h][i * gridWidth + j]}: head h's attention on patch (i, j); the patch
 *     entries of the softmax row, so each head sums to 1 minus the [CLS] self-attention
 */
public record AttentionMap(int gridHeight, int gridWidth, int patchSize, float[][] heads) {

  public int numHeads() {
    return heads.length;
  }

  /** Head {@code h}'s patch values. */
  public float[] head(int h) {
    return heads[h];
  }

  /** The mean over heads, per patch. */
  public float[] mean() {
    int n = gridHeight * gridWidth;
    float[] m = new float[n];
    for (float[] head : heads) {
      for (int i = 0; i < n; i++) {
        m[i] += head[i];
      }
    }
    for (int i = 0; i < n; i++) {
      m[i] /= heads.length;
    }
    return m;
  }

  /**
   * The patches that keep {@code threshold} of {@code values}' mass ({@link
   * AttentionMasks#keepMass}).
   */
  public static boolean[] mask(float[] values, double threshold) {
    return AttentionMasks.keepMass(values, threshold);
  }

  /**
   * Nearest upsampling by the patch size: pixel (y, x) of the result, row-major over {@code
   * (gridHeight * p) x (gridWidth * p)}, is the value of patch {@code (y / p, x / p)}.
   */
  public static float[] upsample(float[] values, int gridHeight, int gridWidth, int p) {
    float[] out = new float[gridHeight * p * gridWidth * p];
    forEachPixel(gridHeight, gridWidth, p, (pixel, patch) -> out[pixel] = values[patch]);
    return out;
  }

  /** {@link #upsample(float[], int, int, int)} for a patch mask. */
  public static boolean[] upsample(boolean[] mask, int gridHeight, int gridWidth, int p) {
    boolean[] out = new boolean[gridHeight * p * gridWidth * p];
    forEachPixel(gridHeight, gridWidth, p, (pixel, patch) -> out[pixel] = mask[patch]);
    return out;
  }

  /** Receives a pixel of the upsampled picture (row-major) and the patch it shows. */
  @FunctionalInterface
  private interface PixelOfPatch {
    void accept(int pixel, int patch);
  }

  private static void forEachPixel(int gridHeight, int gridWidth, int p, PixelOfPatch f) {
    int w = gridWidth * p;
    for (int y = 0; y < gridHeight * p; y++) {
      int row = (y / p) * gridWidth;
      for (int x = 0; x < w; x++) {
        f.accept(y * w + x, row + x / p);
      }
    }
  }

  /** The map of one prepared image. */
  public static AttentionMap of(Backbone backbone, ModelInput input) {
    return of(backbone, List.of(input)).get(0);
  }

  /**
   * The maps of images of one size, in one forward pass.
   *
   * @throws IllegalArgumentException if the images differ in size
   */
  @SuppressWarnings("try") // the scope frees the arrays made inside it
  public static List<AttentionMap> of(Backbone backbone, List<ModelInput> inputs) {
    ModelInput first = inputs.get(0);
    int h = first.height();
    int w = first.width();
    int plane = 3 * h * w;
    float[] batch = new float[inputs.size() * plane];
    for (int b = 0; b < inputs.size(); b++) {
      ModelInput in = inputs.get(b);
      if (in.height() != h || in.width() != w) {
        throw new IllegalArgumentException(
            "one batch needs one image size: "
                + h
                + "x"
                + w
                + " and "
                + in.height()
                + "x"
                + in.width());
      }
      System.arraycopy(in.normalized(), 0, batch, b * plane, plane);
    }
    int p = first.patchSize();
    int gh = h / p;
    int gw = w / p;
    int n = gh * gw;
    int tokens = n + 1;
    float[] att;
    int heads;
    try (NDScope scope = new NDScope()) {
      NDArray x = backbone.manager().create(batch, new Shape(inputs.size(), 3, h, w));
      NDArray a = backbone.lastSelfAttention(x);
      heads = (int) a.getShape().get(1);
      // Only the [CLS] query row is needed: (B, heads, 1+N).
      att = a.get(":, :, 0, :").toFloatArray();
    }
    List<AttentionMap> out = new ArrayList<>(inputs.size());
    for (int b = 0; b < inputs.size(); b++) {
      float[][] perHead = new float[heads][n];
      for (int k = 0; k < heads; k++) {
        System.arraycopy(att, (b * heads + k) * tokens + 1, perHead[k], 0, n);
      }
      out.add(new AttentionMap(gh, gw, p, perHead));
    }
    return out;
  }
}
