package dev.jdino.viz;

import dev.jdino.augment.Image;
import dev.jdino.io.AtomicFiles;
import dev.jdino.io.BadInputException;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * Turns pixels, value maps and masks into pictures. Every picture is drawn at an integer {@code
 * scale} with nearest-neighbour blocks, so a 28 px Fashion-MNIST image stays crisp and a patch is
 * exactly {@code p * scale} pixels wide.
 */
public final class Pictures {
  /** Distinct mask colours, one per head (cycled), chosen to stand out on gray images. */
  private static final int[] HEAD_COLORS = {
    0xe6194b, 0x3cb44b, 0x4363d8, 0xf58231, 0x911eb4, 0x42d4f4,
    0xf032e6, 0xbfef45, 0xfabed4, 0x469990, 0xdcbeff, 0x9a6324
  };

  private static final float FILL_ALPHA = 0.45f;

  private Pictures() {}

  /** The colour used for head {@code h}'s mask (the head mean uses white). */
  public static Color headColor(int h) {
    return h < 0 ? Color.WHITE : new Color(HEAD_COLORS[h % HEAD_COLORS.length]);
  }

  /** An image in [0, 1] as an RGB picture, each pixel a {@code scale x scale} block. */
  public static BufferedImage image(Image img, int scale) {
    int h = img.height();
    int w = img.width();
    int[] rgb = new int[h * w];
    int plane = h * w;
    float[] d = img.data();
    for (int i = 0; i < plane; i++) {
      rgb[i] = (byte8(d[i]) << 16) | (byte8(d[plane + i]) << 8) | byte8(d[2 * plane + i]);
    }
    return blocks(rgb, h, w, scale);
  }

  /**
   * A patch map as a viridis heatmap (min-max normalised), each patch a block of {@code
   * pixelsPerPatch} pixels.
   */
  public static BufferedImage heatmap(
      float[] values, int gridHeight, int gridWidth, int pixelsPerPatch) {
    return blocks(Colormap.colorize(values), gridHeight, gridWidth, pixelsPerPatch);
  }

  /**
   * An image with a patch mask drawn over it: kept patches tinted with {@code color}, and the
   * mask's outline (kept pixels with a 4-neighbour outside the mask or on the border) in that
   * colour, at display resolution.
   */
  public static BufferedImage maskOverlay(
      Image img, boolean[] mask, int gridWidth, int patchSize, int scale, Color color) {
    BufferedImage base = image(img, scale);
    int w = base.getWidth();
    int h = base.getHeight();
    int pp = patchSize * scale;
    int c = color.getRGB() & 0xffffff;
    int[] px = base.getRGB(0, 0, w, h, null, 0, w);
    boolean[] in = new boolean[w * h];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        in[y * w + x] = mask[(y / pp) * gridWidth + x / pp];
      }
    }
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int i = y * w + x;
        if (!in[i]) {
          continue;
        }
        boolean edge =
            x == 0
                || y == 0
                || x == w - 1
                || y == h - 1
                || !in[i - 1]
                || !in[i + 1]
                || !in[i - w]
                || !in[i + w];
        px[i] = edge ? c : blend(px[i], c, FILL_ALPHA);
      }
    }
    base.setRGB(0, 0, w, h, px, 0, w);
    return base;
  }

  /** Draws the outline of a patch mask onto {@code picture} (same geometry as the overlay). */
  public static void outline(
      BufferedImage picture, boolean[] mask, int gridWidth, int pixelsPerPatch, Color color) {
    int w = picture.getWidth();
    int h = picture.getHeight();
    int c = color.getRGB();
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        if (!inMask(mask, gridWidth, pixelsPerPatch, x, y, w, h)) {
          continue;
        }
        if (!inMask(mask, gridWidth, pixelsPerPatch, x - 1, y, w, h)
            || !inMask(mask, gridWidth, pixelsPerPatch, x + 1, y, w, h)
            || !inMask(mask, gridWidth, pixelsPerPatch, x, y - 1, w, h)
            || !inMask(mask, gridWidth, pixelsPerPatch, x, y + 1, w, h)) {
          picture.setRGB(x, y, c);
        }
      }
    }
  }

  private static boolean inMask(boolean[] mask, int gw, int pp, int x, int y, int w, int h) {
    return x >= 0 && y >= 0 && x < w && y < h && mask[(y / pp) * gw + x / pp];
  }

  /** A {@code h x w} grid of RGB values, each drawn as a {@code scale x scale} block. */
  static BufferedImage blocks(int[] rgb, int h, int w, int scale) {
    int sw = w * scale;
    BufferedImage out = new BufferedImage(sw, h * scale, BufferedImage.TYPE_INT_RGB);
    int[] row = new int[sw];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < sw; x++) {
        row[x] = rgb[y * w + x / scale];
      }
      for (int dy = 0; dy < scale; dy++) {
        out.setRGB(0, y * scale + dy, sw, 1, row, 0, sw);
      }
    }
    return out;
  }

  /**
   * Refuses a {@code --scale} that is negative (which read as automatic before) or beyond {@link
   * #MAX_SCALE}: the scale exists to enlarge small images (28 px at 64x is already 1,792 px), and a
   * mistyped 1000 would otherwise run until the heap gives out.
   */
  public static int requireScale(int scale) {
    if (scale < 0 || scale > MAX_SCALE) {
      throw new BadInputException(
          "--scale " + scale + ": expected 0 (automatic) to " + MAX_SCALE + " times");
    }
    return scale;
  }

  /** The largest {@code --scale}. */
  public static final int MAX_SCALE = 64;

  /** The longest side an automatic scale enlarges an image to. */
  public static final int MAX_AUTO_SIDE = 1024;

  /**
   * The integer display scale for an image of {@code h x w}: enough to make the shorter side at
   * least {@code minSide} pixels (1 for images already that large), but never so much that the
   * longer side passes {@link #MAX_AUTO_SIDE}. A strip 28 px high and 5,600 wide would otherwise be
   * enlarged 4x like a 28 px square, into panels 22,400 px wide that viewers cannot open.
   */
  public static int autoScale(int h, int w, int minSide) {
    int enlarge = (int) Math.ceil(minSide / (double) Math.min(h, w));
    int fits = MAX_AUTO_SIDE / Math.max(h, w);
    return Math.max(1, Math.min(enlarge, fits));
  }

  /** Writes {@code img} as a PNG, atomically. */
  public static void writePng(BufferedImage img, Path file) throws IOException {
    AtomicFiles.write(
        file,
        out -> {
          if (!ImageIO.write(img, "png", out)) {
            throw new IOException("no PNG writer available");
          }
        });
  }

  /** PNG bytes of {@code img} (for inlining). */
  public static byte[] png(BufferedImage img) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ImageIO.write(img, "png", out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static int byte8(float v) {
    return Math.round(Math.min(1f, Math.max(0f, v)) * 255f);
  }

  private static int blend(int under, int over, float alpha) {
    int r = Math.round(((under >> 16) & 0xff) * (1 - alpha) + ((over >> 16) & 0xff) * alpha);
    int g = Math.round(((under >> 8) & 0xff) * (1 - alpha) + ((over >> 8) & 0xff) * alpha);
    int b = Math.round((under & 0xff) * (1 - alpha) + (over & 0xff) * alpha);
    return (r << 16) | (g << 8) | b;
  }
}
