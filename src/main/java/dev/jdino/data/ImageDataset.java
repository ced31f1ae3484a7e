package dev.jdino.data;

import dev.jdino.augment.Image;
import dev.jdino.io.BadInputException;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
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

  /** Images {@link #firstReadable} tries, spread over the dataset, before giving up. */
  int PROBE_IMAGES = 64;

  /**
   * The first image that decodes among up to {@link #PROBE_IMAGES} spread evenly over the dataset
   * (all of a smaller one): the check, before a run writes anything, that its data can be read at
   * all. A folder whose first files are corrupt but which holds good ones passes; one with nothing
   * readable among the images tried is refused, naming how many were tried and why the first
   * failed.
   *
   * @param minShorterSide passed to {@link #load(int, int)}
   * @throws BadInputException if none of the images tried decodes
   */
  default Image firstReadable(int minShorterSide) {
    int n = size();
    int tries = Math.min(n, PROBE_IMAGES);
    String first = null;
    for (int i = 0; i < tries; i++) {
      int index = (int) ((long) i * n / tries);
      try {
        Image img = load(index, minShorterSide);
        if (img != null) {
          return img;
        }
      } catch (IOException | RuntimeException unreadable) {
        if (first == null) {
          String why = String.valueOf(unreadable.getMessage());
          first = why.startsWith(describe(index)) ? why : describe(index) + ": " + why;
        }
      }
    }
    throw new BadInputException(
        String.format(
            Locale.ROOT,
            "%s: none of the %s could be read; the first: %s",
            name(),
            tries == n
                ? String.format(Locale.ROOT, "%,d images", n)
                : String.format(Locale.ROOT, "%,d images tried (spread over its %,d)", tries, n),
            first != null ? first : "no image returned"));
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
