package dev.jdino.data;

import dev.jdino.augment.Image;
import java.io.IOException;
import java.util.List;
import java.util.Objects;

/**
 * A finite, indexable collection of images, optionally labelled. Implementations must be safe for
 * concurrent {@link #load} calls from several worker threads.
 */
public interface ImageDataset {

  /** Number of images (including any that may later fail to decode). */
  int size();

  /**
   * Decodes image {@code index} into 3-channel float [0, 1] pixels.
   *
   * @throws IOException if the file is missing, unreadable or not a decodable image; the caller
   *     skips and counts it
   */
  Image load(int index) throws IOException;

  /**
   * Decodes image {@code index}, possibly at reduced resolution as long as its shorter side keeps
   * at least {@code minShorterSide} pixels ({@link DecodeSize}); the multi-crop loader passes what
   * its crops need. The default ignores the hint; file-based datasets use it to decode large images
   * faster and in less memory.
   *
   * @throws IOException as {@link #load(int)}
   */
  default Image load(int index, int minShorterSide) throws IOException {
    return load(index);
  }

  /** Human-readable origin of image {@code index}, for messages (a path, or file#index). */
  String describe(int index);

  /** A short description of the whole dataset, for logs and {@code args.json}. */
  String name();

  /** True if every image has a class label. */
  default boolean hasLabels() {
    return false;
  }

  /** Class index of image {@code index}; only valid when {@link #hasLabels()}. */
  default int label(int index) {
    throw new UnsupportedOperationException(name() + " has no labels");
  }

  /** Class names by index; empty when unlabelled (or when classes are unnamed). */
  default List<String> classNames() {
    return List.of();
  }

  /** The first {@code n} images of this dataset (labels and decoding hints pass through). */
  default ImageDataset head(int n) {
    if (n < 0 || n > size()) {
      throw new IllegalArgumentException("cannot take " + n + " of " + size() + " images");
    }
    ImageDataset all = this;
    return new ImageDataset() {
      @Override
      public int size() {
        return n;
      }

      @Override
      public Image load(int index) throws IOException {
        return all.load(Objects.checkIndex(index, n));
      }

      @Override
      public Image load(int index, int minShorterSide) throws IOException {
        return all.load(Objects.checkIndex(index, n), minShorterSide);
      }

      @Override
      public String describe(int index) {
        return all.describe(Objects.checkIndex(index, n));
      }

      @Override
      public String name() {
        return all.name() + "[:" + n + "]";
      }

      @Override
      public boolean hasLabels() {
        return all.hasLabels();
      }

      @Override
      public int label(int index) {
        return all.label(Objects.checkIndex(index, n));
      }

      @Override
      public List<String> classNames() {
        return all.classNames();
      }
    };
  }
}
