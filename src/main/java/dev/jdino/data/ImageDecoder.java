package dev.jdino.data;

import dev.jdino.augment.Image;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The one place where image files become {@link Image}s: every file-based dataset decodes through
 * here, so EXIF orientation, reduced-resolution decoding and the handling of damaged files are the
 * same everywhere.
 *
 * <p>Conversion rules, chosen to match what torchvision's {@code pil_loader} feeds DINO ({@code
 * Image.convert("RGB")}) as closely as possible:
 *
 * <ul>
 *   <li>Grayscale (8 or 16 bit) is read straight from the raster and replicated to 3 channels.
 *       Going through {@link BufferedImage#getRGB} would apply Java's linear-gray to sRGB
 *       conversion and turn gray 128 into 186, which PIL never does.
 *   <li>sRGB images with component samples (PNG, JPEG, 16-bit PNG) are read from the raster and
 *       scaled by their own bit depth, keeping 16-bit precision.
 *   <li>Everything else (palette, packed ints, CMYK/YCCK JPEG via TwelveMonkeys, ICC-profiled
 *       colour spaces) goes through the colour model to 8-bit sRGB.
 *   <li>Alpha is composited on <b>black</b> ({@code rgb * alpha}): transparent pixels usually store
 *       black already, so this is what PIL's alpha-dropping convert gives in the common case, and
 *       it is defined even where the stored colour under alpha 0 is garbage.
 * </ul>
 *
 * <p>Beyond PIL's loader: a JPEG's EXIF orientation is honoured (the image comes out upright, as
 * every photo viewer shows it; PIL needs an explicit {@code exif_transpose}); images may be decoded
 * at reduced resolution by {@link DecodeSize}'s rule and always within its pixel budget; a JPEG
 * that ends early (which libjpeg would silently pad with gray) is an error, and its decode stops at
 * the first sign of it. Multi-frame GIFs yield their first frame. Thread-safe: every call has its
 * own reader.
 */
public final class ImageDecoder {

  /** Source images above this many pixels (32768 x 32768) are refused rather than scanned. */
  public static final long MAX_SOURCE_PIXELS = 1L << 30;

  /**
   * Size and orientation of an image file, from its header.
   *
   * @param width upright width (after the EXIF orientation)
   * @param height upright height
   * @param orientation how the stored grid is turned to be upright
   * @param format the ImageIO format name, e.g. {@code jpeg}, {@code png}
   */
  public record Info(int width, int height, Orientation orientation, String format) {}

  private ImageDecoder() {}

  /**
   * Decodes an image file to 3-channel float [0, 1] pixels, upright, at full resolution (within
   * {@link DecodeSize#MAX_PIXELS}).
   *
   * @throws IOException naming the path if the file cannot be read or is not a decodable image
   */
  public static Image decode(Path path) throws IOException {
    return decode(path, 0);
  }

  /**
   * Decodes an image, subsampled as far as {@link DecodeSize#subsampling} allows for a shorter side
   * of at least {@code minShorterSide} pixels ({@code <= 0}: full resolution).
   */
  public static Image decode(Path path, int minShorterSide) throws IOException {
    return decodeRegion(path, null, minShorterSide);
  }

  /**
   * Decodes the rectangle {@code region = {x, y, w, h}} of the upright image (clipped to it; null
   * for the whole image), subsampled as in {@link #decode(Path, int)} with the region's sides. Only
   * the stored rows and columns under the region are converted.
   *
   * @throws IOException also if the region lies entirely outside the image
   */
  public static Image decodeRegion(Path path, int[] region, int minShorterSide) throws IOException {
    try (ImageSource src = ImageSource.open(path)) {
      return src.read(region, minShorterSide);
    }
  }

  /**
   * Decodes the box ({@code x}, {@code y}, {@code w}, {@code h}) given in the coordinates of a
   * {@code declaredW x declaredH} image (as in a COCO file), widened to whole pixels. When the file
   * turns out to have another size (a resized copy), the box is scaled to it; a declared size of 0
   * means "the file's own".
   */
  public static Image decodeBox(
      Path path,
      double x,
      double y,
      double w,
      double h,
      int declaredW,
      int declaredH,
      int minShorterSide)
      throws IOException {
    try (ImageSource src = ImageSource.open(path)) {
      Info info = src.info();
      double sx = declaredW > 0 ? info.width() / (double) declaredW : 1;
      double sy = declaredH > 0 ? info.height() / (double) declaredH : 1;
      int x0 = (int) Math.floor(x * sx);
      int y0 = (int) Math.floor(y * sy);
      int x1 = Math.max(x0 + 1, (int) Math.ceil((x + w) * sx));
      int y1 = Math.max(y0 + 1, (int) Math.ceil((y + h) * sy));
      return src.read(new int[] {x0, y0, x1 - x0, y1 - y0}, minShorterSide);
    }
  }

  /** Width, height (upright) and format from the file's header, without decoding pixels. */
  public static Info probe(Path path) throws IOException {
    try (ImageSource src = ImageSource.open(path)) {
      return src.info();
    }
  }

  /** Converts any {@link BufferedImage} to 3-channel float [0, 1], by the rules above. */
  public static Image toImage(BufferedImage img) {
    int h = img.getHeight();
    int w = img.getWidth();
    ColorModel cm = img.getColorModel();
    int transfer = cm.getTransferType();
    boolean integerSamples = transfer == DataBuffer.TYPE_BYTE || transfer == DataBuffer.TYPE_USHORT;
    if (cm instanceof ComponentColorModel && integerSamples) {
      int type = cm.getColorSpace().getType();
      if (type == ColorSpace.TYPE_GRAY && cm.getNumColorComponents() == 1) {
        return fromRaster(img.getRaster(), cm, h, w, true);
      }
      if (cm.getColorSpace().isCS_sRGB() && cm.getNumColorComponents() == 3) {
        return fromRaster(img.getRaster(), cm, h, w, false);
      }
    }
    return fromArgb(img, h, w);
  }

  private static Image fromRaster(Raster r, ColorModel cm, int h, int w, boolean gray) {
    int colorBands = gray ? 1 : 3;
    // Premultiplied samples are already composited on black.
    boolean multiplyAlpha = cm.hasAlpha() && !cm.isAlphaPremultiplied();
    int plane = h * w;
    float[] out = new float[3 * plane];
    int[] samples = new int[w];
    float[] alpha = multiplyAlpha ? new float[w] : null;
    for (int y = 0; y < h; y++) {
      if (multiplyAlpha) {
        r.getSamples(0, y, w, 1, colorBands, samples);
        float max = maxValue(cm, colorBands);
        for (int x = 0; x < w; x++) {
          alpha[x] = samples[x] / max;
        }
      }
      for (int band = 0; band < colorBands; band++) {
        r.getSamples(0, y, w, 1, band, samples);
        float max = maxValue(cm, band);
        int o = band * plane + y * w;
        for (int x = 0; x < w; x++) {
          // Division, not multiplication by 1/max, so 8-bit values match IdxDataset bit for bit.
          float v = samples[x] / max;
          out[o + x] = multiplyAlpha ? v * alpha[x] : v;
        }
      }
    }
    if (gray) {
      System.arraycopy(out, 0, out, plane, plane);
      System.arraycopy(out, 0, out, 2 * plane, plane);
    }
    return new Image(h, w, out);
  }

  private static float maxValue(ColorModel cm, int band) {
    return (1 << cm.getComponentSize(band)) - 1;
  }

  private static Image fromArgb(BufferedImage img, int h, int w) {
    int plane = h * w;
    float[] out = new float[3 * plane];
    int[] row = new int[w];
    boolean alpha = img.getColorModel().hasAlpha();
    for (int y = 0; y < h; y++) {
      img.getRGB(0, y, w, 1, row, 0, w);
      for (int x = 0; x < w; x++) {
        int argb = row[x];
        int o = y * w + x;
        float r = ((argb >> 16) & 0xff) / 255f;
        float g = ((argb >> 8) & 0xff) / 255f;
        float b = (argb & 0xff) / 255f;
        if (alpha) {
          float a = (argb >>> 24) / 255f;
          r *= a;
          g *= a;
          b *= a;
        }
        out[o] = r;
        out[plane + o] = g;
        out[2 * plane + o] = b;
      }
    }
    return new Image(h, w, out);
  }
}
