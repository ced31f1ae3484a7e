package dev.jdino.data;

import dev.jdino.augment.Image;

/**
 * The eight EXIF orientations (TIFF tag 0x0112): how the stored pixel grid must be turned to be
 * shown upright. Cameras and phones store the sensor's grid and set this tag instead of rotating
 * the pixels, so a decoder that ignores it trains on sideways images.
 *
 * <p>Each constant maps a display pixel to the stored pixel it shows; everything else ({@link
 * #apply}, {@link #storedRect}) is derived from that one mapping, so the eight cases are written
 * once.
 */
public enum Orientation {
  /** 1: stored upright. */
  NORMAL,
  /** 2: mirrored left-right. */
  FLIP_HORIZONTAL,
  /** 3: upside down. */
  ROTATE_180,
  /** 4: mirrored top-bottom. */
  FLIP_VERTICAL,
  /** 5: mirrored across the main diagonal. */
  TRANSPOSE,
  /** 6: must be turned 90 degrees clockwise to be upright. */
  ROTATE_90,
  /** 7: mirrored across the anti-diagonal. */
  TRANSVERSE,
  /** 8: must be turned 90 degrees counter-clockwise to be upright. */
  ROTATE_270;

  /** The orientation of an EXIF tag value; values outside 1..8 (broken files) mean upright. */
  public static Orientation ofExif(int value) {
    return value >= 1 && value <= 8 ? values()[value - 1] : NORMAL;
  }

  /** The EXIF tag value, 1..8. */
  public int exifValue() {
    return ordinal() + 1;
  }

  /** True for the orientations that exchange width and height (5..8). */
  public boolean swapsAxes() {
    return ordinal() >= TRANSPOSE.ordinal();
  }

  /**
   * The stored pixel {@code {row, column}} shown at display position ({@code y}, {@code x}) of an
   * image stored as {@code storedH x storedW}.
   */
  int[] storedPixel(int y, int x, int storedH, int storedW) {
    return switch (this) {
      case NORMAL -> new int[] {y, x};
      case FLIP_HORIZONTAL -> new int[] {y, storedW - 1 - x};
      case ROTATE_180 -> new int[] {storedH - 1 - y, storedW - 1 - x};
      case FLIP_VERTICAL -> new int[] {storedH - 1 - y, x};
      case TRANSPOSE -> new int[] {x, y};
      case ROTATE_90 -> new int[] {storedH - 1 - x, y};
      case TRANSVERSE -> new int[] {storedH - 1 - x, storedW - 1 - y};
      case ROTATE_270 -> new int[] {x, storedW - 1 - y};
    };
  }

  /** Turns a decoded (stored-grid) image upright. Returns {@code stored} itself for NORMAL. */
  public Image apply(Image stored) {
    if (this == NORMAL) {
      return stored;
    }
    int sh = stored.height();
    int sw = stored.width();
    int dh = swapsAxes() ? sw : sh;
    int dw = swapsAxes() ? sh : sw;
    float[] src = stored.data();
    float[] dst = new float[src.length];
    int plane = sh * sw;
    for (int y = 0; y < dh; y++) {
      for (int x = 0; x < dw; x++) {
        int[] s = storedPixel(y, x, sh, sw);
        int from = s[0] * sw + s[1];
        int to = y * dw + x;
        for (int c = 0; c < Image.CHANNELS; c++) {
          dst[c * plane + to] = src[c * plane + from];
        }
      }
    }
    return new Image(dh, dw, dst);
  }

  /**
   * The stored-grid rectangle {@code {x, y, w, h}} that holds the display rectangle ({@code x},
   * {@code y}, {@code w}, {@code h}) of an image stored as {@code storedW x storedH}: what to ask
   * the decoder for when only a region of the upright image is needed.
   */
  public int[] storedRect(int x, int y, int w, int h, int storedW, int storedH) {
    int[] a = storedPixel(y, x, storedH, storedW);
    int[] b = storedPixel(y + h - 1, x + w - 1, storedH, storedW);
    int top = Math.min(a[0], b[0]);
    int left = Math.min(a[1], b[1]);
    return new int[] {left, top, Math.abs(a[1] - b[1]) + 1, Math.abs(a[0] - b[0]) + 1};
  }
}
