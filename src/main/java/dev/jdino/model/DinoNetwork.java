package dev.jdino.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.List;

/**
 * Backbone + DINO head with the multi-crop forward (reference section 3): crops of one size go
 * through the backbone as one batch, the CLS features of all crops are concatenated in crop order
 * and the head runs once on all of them.
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
    ParameterLayout.Builder b = ParameterLayout.builder();
    this.backbone = new VisionTransformer(vit, BACKBONE, b, manager);
    this.head = new DinoHead(headConfig, vit.embedDim(), b.scoped(HEAD));
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
   * Logits for all crops, (sum of group batch sizes, outDim), in the order of {@code cropGroups}
   * (each group: crops of one size, already ordered crop-major).
   */
  public NDArray forward(ParameterSet p, List<NDArray> cropGroups, DropPath dropPath) {
    NDList features = new NDList(cropGroups.size());
    for (NDArray group : cropGroups) {
      features.add(backbone.forward(p, group, dropPath));
    }
    NDArray all = features.size() == 1 ? features.get(0) : NDArrays.concat(features, 0);
    NDArray logits = head.forward(p, all);
    if (features.size() > 1) {
      features.close();
    }
    return logits;
  }

  @Override
  public void close() {
    backbone.close();
  }
}
