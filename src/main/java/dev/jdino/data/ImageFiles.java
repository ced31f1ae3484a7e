package dev.jdino.data;

import dev.jdino.augment.Image;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A dataset of image files decoded on each {@link #load} by {@link ImageDecoder} (so a corrupt file
 * surfaces when it is used): what {@link ImageFolderDataset} and {@link CocoDataset} share.
 */
abstract class ImageFiles extends LabelledImages {
  private final List<Path> files;

  ImageFiles(List<Path> files, int[] labels, List<String> classNames) {
    super(labels, classNames);
    this.files = List.copyOf(files);
  }

  @Override
  public final int size() {
    return files.size();
  }

  @Override
  public final Image load(int index) throws IOException {
    return ImageDecoder.decode(files.get(index));
  }

  @Override
  public final Image load(int index, int minShorterSide) throws IOException {
    return ImageDecoder.decode(files.get(index), minShorterSide);
  }

  /** The file of image {@code index}. */
  public final Path path(int index) {
    return files.get(index);
  }

  @Override
  public final String describe(int index) {
    return files.get(index).toString();
  }
}
