package dev.jdino.viz;

import dev.jdino.augment.EvalTransform;
import dev.jdino.io.BadInputException;
import java.util.Locale;

/**
 * How an image is resized before a visualisation feeds it to the model ({@code --image-size}).
 * Every mode is followed by the crop to whole patches ({@link ModelInput}).
 *
 * @param mode what {@code size}, {@code width} and {@code height} mean
 * @param size the shorter side ({@link Mode#SHORTER_SIDE}) or the side ({@link Mode#SQUARE})
 * @param width target width ({@link Mode#EXACT})
 * @param height target height ({@link Mode#EXACT})
 */
public record ImageSizing(Mode mode, int size, int width, int height) {

  /** The resize rules. */
  public enum Mode {
    /** No resize: the image as decoded. */
    NATIVE,
    /** Shorter side to {@code size}, aspect ratio kept (torchvision's {@code Resize(int)}). */
    SHORTER_SIDE,
    /** Both sides to {@code size} (aspect ratio not kept). */
    SQUARE,
    /** Exactly {@code width x height}. */
    EXACT
  }

  public ImageSizing {
    if (mode != Mode.NATIVE && mode != Mode.EXACT && size < 1) {
      throw new IllegalArgumentException("image size must be >= 1, got " + size);
    }
    if (mode == Mode.EXACT && (width < 1 || height < 1)) {
      throw new IllegalArgumentException("image size must be >= 1, got " + width + "x" + height);
    }
  }

  /** The image as decoded. */
  public static ImageSizing nativeSize() {
    return new ImageSizing(Mode.NATIVE, 0, 0, 0);
  }

  /** Shorter side to {@code size}, keeping the aspect ratio. */
  public static ImageSizing shorterSide(int size) {
    return new ImageSizing(Mode.SHORTER_SIDE, size, 0, 0);
  }

  /**
   * Parses {@code --image-size}: {@code native}, a number (the shorter side, or both sides when
   * {@code keepAspect} is false) or {@code WxH}.
   *
   * @throws BadInputException for anything else
   */
  public static ImageSizing parse(String spec, boolean keepAspect) {
    String s = spec.strip().toLowerCase(Locale.ROOT);
    if (s.equals("native")) {
      return nativeSize();
    }
    try {
      int x = s.indexOf('x');
      if (x > 0) {
        int w = Integer.parseInt(s.substring(0, x));
        int h = Integer.parseInt(s.substring(x + 1));
        if (w >= 1 && h >= 1) {
          return new ImageSizing(Mode.EXACT, 0, w, h);
        }
      } else {
        int n = Integer.parseInt(s);
        if (n >= 1) {
          return new ImageSizing(keepAspect ? Mode.SHORTER_SIDE : Mode.SQUARE, n, 0, 0);
        }
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new BadInputException(
        "--image-size " + spec + ": expected a positive number (the shorter side), WxH, or native");
  }

  /** The size {@code {height, width}} an image of {@code h x w} is resized to (before the crop). */
  public int[] resized(int h, int w) {
    return switch (mode) {
      case NATIVE -> new int[] {h, w};
      case SHORTER_SIDE -> EvalTransform.resizedSize(h, w, size);
      case SQUARE -> new int[] {size, size};
      case EXACT -> new int[] {height, width};
    };
  }

  @Override
  public String toString() {
    return switch (mode) {
      case NATIVE -> "native";
      case SHORTER_SIDE -> "shorter side " + size;
      case SQUARE -> size + "x" + size;
      case EXACT -> width + "x" + height;
    };
  }
}
