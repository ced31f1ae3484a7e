package dev.jdino.data;

import java.util.List;
import java.util.Objects;

/**
 * What the datasets with optional class labels share ({@link IdxDataset}, {@link
 * ImageFolderDataset}, {@link CocoDataset}, the latter never labelled): one label per image or none
 * at all, and the class names.
 */
abstract class LabelledImages implements ImageDataset {
  private final int[] labels;
  private final List<String> classNames;

  /**
   * @param labels one class index per image, or null when unlabelled
   * @param classNames names by class index; empty when unnamed or unlabelled
   */
  LabelledImages(int[] labels, List<String> classNames) {
    this.labels = labels;
    this.classNames = List.copyOf(classNames);
  }

  @Override
  public final boolean hasLabels() {
    return labels != null;
  }

  @Override
  public final int label(int index) {
    if (labels == null) {
      throw new UnsupportedOperationException(name() + " has no labels");
    }
    return labels[Objects.checkIndex(index, labels.length)];
  }

  @Override
  public final List<String> classNames() {
    return classNames;
  }
}
