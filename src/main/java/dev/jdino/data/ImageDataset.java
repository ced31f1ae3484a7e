package dev.jdino.data;

import dev.jdino.augment.Image;
import java.io.IOException;
import java.util.List;

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
}
