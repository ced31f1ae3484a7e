package dev.jdino.augment;

/**
 * A decoded image as the augmentation pipeline sees it: always 3 channels (grayscale sources are
 * replicated), planar CHW float32, values in [0, 1].
 *
 * <p>Float pixels avoid the uint8 rounding between PIL operations in the official pipeline; the
 * operations themselves follow torchvision's definitions.
 */
public final class Image {
  public static final int CHANNELS = 3;

  private final int height;
  private final int width;
  private final float[] data;

  /** Wraps {@code data} (not copied): length must be 3 * height * width, layout CHW. */
  public Image(int height, int width, float[] data) {
    if (height < 1 || width < 1) {
      throw new IllegalArgumentException(
          "image size must be positive, got " + height + "x" + width);
    }
    if (data.length != CHANNELS * height * width) {
      throw new IllegalArgumentException(
          "expected "
              + (CHANNELS * height * width)
              + " floats for 3x"
              + height
              + "x"
              + width
              + ", got "
              + data.length);
    }
    this.height = height;
    this.width = width;
    this.data = data;
  }

  public static Image zeros(int height, int width) {
    return new Image(height, width, new float[CHANNELS * height * width]);
  }

  /** A grayscale plane (row-major, [0, 1]) replicated into 3 identical channels. */
  public static Image fromGray(int height, int width, float[] gray) {
    int plane = height * width;
    if (gray.length != plane) {
      throw new IllegalArgumentException("expected " + plane + " gray values, got " + gray.length);
    }
    float[] d = new float[CHANNELS * plane];
    for (int c = 0; c < CHANNELS; c++) {
      System.arraycopy(gray, 0, d, c * plane, plane);
    }
    return new Image(height, width, d);
  }

  public int height() {
    return height;
  }

  public int width() {
    return width;
  }

  /** The backing CHW array (shared, not copied). */
  public float[] data() {
    return data;
  }

  public float get(int c, int y, int x) {
    return data[(c * height + y) * width + x];
  }

  public void set(int c, int y, int x, float v) {
    data[(c * height + y) * width + x] = v;
  }

  public Image copy() {
    return new Image(height, width, data.clone());
  }
}
