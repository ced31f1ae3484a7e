package dev.jdino.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.List;

/**
 * Backbone + DINO head with the multi-crop forward (the official {@code MultiCropWrapper} in
 * utils.py): crops of one size go through the backbone as one batch, the CLS features of all crops
 * are concatenated in crop order and the head runs once on all of them.
 *
 * <p>Architecture only: student and teacher are two {@link ParameterSet}s of {@link #layout()}.
 * Parameter names follow the official checkpoint's {@code backbone.*} and {@code head.*}.
 */
public final class DinoNetwork implements AutoCloseable {
  public static final String BACKBONE = "backbone.";
  public static final String HEAD = "head.";

  private final VisionTransformer backbone;
  private final DinoHead head;
  private final ParameterLayout layout;

  public DinoNetwork(VitConfig vit, HeadConfig headConfig, NDManager manager) {
    this(vit, headConfig, manager, Compute.REFERENCE);
  }

  /** The same with {@code compute}'s arithmetic in the backbone and the head. */
  public DinoNetwork(VitConfig vit, HeadConfig headConfig, NDManager manager, Compute compute) {
    ParameterLayout.Builder b = ParameterLayout.builder();
    this.backbone = new VisionTransformer(vit, BACKBONE, b, manager, compute);
    this.head = new DinoHead(headConfig, vit.embedDim(), b.scoped(HEAD), compute);
    this.layout = b.build();
  }

  public VisionTransformer backbone() {
    return backbone;
  }

  public DinoHead head() {
    return head;
  }

  public ParameterLayout layout() {
    return layout;
  }

  /**
   * One multi-crop forward pass.
   *
   * @param features the backbone's CLS features of every crop, (rows, D): the head's input
   * @param logits the head's output, (rows, outDim)
   */
  public record Output(NDArray features, NDArray logits) {}

  /**
   * Features and logits of all crops, rows in the order of {@code cropGroups} (each group: crops of
   * one size, already ordered crop-major).
   */
  public Output forward(ParameterSet p, List<NDArray> cropGroups, DropPath dropPath) {
    NDList features = new NDList(cropGroups.size());
    for (NDArray group : cropGroups) {
      features.add(backbone.forward(p, group, dropPath));
    }
    NDArray all = features.size() == 1 ? features.get(0) : NDArrays.concat(features, 0);
    if (features.size() > 1) {
      features.close();
    }
    return new Output(all, head.forward(p, all));
  }

  /** The logits alone (the teacher's view of the global crops). */
  public NDArray logits(ParameterSet p, List<NDArray> cropGroups, DropPath dropPath) {
    return forward(p, cropGroups, dropPath).logits();
  }

  @Override
  public void close() {
    backbone.close();
  }
}
