package dev.jdino.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import dev.jdino.model.ParameterLayout.Init;
import java.util.ArrayList;
import java.util.List;

/**
 * The ViT backbone (Dosovitskiy et al. 2021; the official {@code VisionTransformer} in
 * vision_transformer.py): patch embedding, a learned [CLS] token and position embedding, pre-norm
 * blocks, a final LayerNorm. The output "feature" is the normalised CLS token.
 *
 * <p>This object is the architecture only; weights come from a {@link ParameterSet} passed to every
 * call, so the student and the teacher share it. Results attach to the input's manager; call it
 * inside an {@code NDScope} (every jdino entry point does) so intermediates are freed.
 */
public final class VisionTransformer implements AutoCloseable {
  private final VitConfig config;
  private final String prefix;
  private final int clsToken;
  private final int posEmbed;
  private final PatchEmbed patchEmbed;
  private final Block[] blocks;
  private final LayerNorm norm;
  private final NDManager cacheManager;
  private final PositionEmbedding positions;
  private final Compute compute;

  /**
   * Declares the backbone's parameters under {@code prefix} (e.g. {@code ""} for a released
   * backbone file, {@code "backbone."} inside a DINO network).
   */
  public VisionTransformer(
      VitConfig config, String prefix, ParameterLayout.Builder b, NDManager manager) {
    this(config, prefix, b, manager, Compute.REFERENCE);
  }

  /** The same with {@code compute}'s arithmetic (precision, fused attention). */
  public VisionTransformer(
      VitConfig config,
      String prefix,
      ParameterLayout.Builder b,
      NDManager manager,
      Compute compute) {
    this.compute = compute;
    this.config = config;
    this.prefix = prefix;
    int d = config.embedDim();
    ParameterLayout.Builder pb = b.scoped(prefix);
    this.clsToken = pb.add("cls_token", new long[] {1, 1, d}, new Init.TruncNormal(0.02), true);
    this.posEmbed =
        pb.add(
            "pos_embed",
            new long[] {1, config.numPatches() + 1, d},
            new Init.TruncNormal(0.02),
            true);
    this.patchEmbed = new PatchEmbed(pb, 3, config.patchSize(), d);
    this.blocks = new Block[config.depth()];
    for (int i = 0; i < blocks.length; i++) {
      blocks[i] = new Block(pb, i, config, compute);
    }
    this.norm = new LayerNorm(pb, "norm", d);
    this.cacheManager = manager.newSubManager();
    this.positions = new PositionEmbedding(config.gridSize(), cacheManager);
  }

  public VitConfig config() {
    return config;
  }

  public Compute compute() {
    return compute;
  }

  public String prefix() {
    return prefix;
  }

  /** Patch tokens with the [CLS] token prepended and position embeddings added: (B, 1+N, D). */
  NDArray prepareTokens(ParameterSet p, NDArray images) {
    // Checked here so that a mistaken array is named, not met inside libtorch's convolution.
    if (images == null) {
      throw new IllegalArgumentException("images null: expected a (B, 3, H, W) float32 array");
    }
    if (images.isReleased()) {
      throw new IllegalArgumentException(
          "images: the array was closed (its manager or NDScope closed) before this call");
    }
    if (images.getDataType() != DataType.FLOAT32) {
      throw new IllegalArgumentException(
          "images of type "
              + images.getDataType()
              + ": expected float32 (images.toType(DataType.FLOAT32, false) converts)");
    }
    long[] s = images.getShape().getShape();
    if (s.length != 4 || s[1] != 3) {
      throw new IllegalArgumentException(
          "expected images of shape (B, 3, H, W), got " + images.getShape());
    }
    int h = (int) s[2];
    int w = (int) s[3];
    int ps = config.patchSize();
    if (h < ps || w < ps) {
      throw new IllegalArgumentException(
          "image of " + h + "x" + w + " px is smaller than one " + ps + " px patch");
    }
    NDArray x = patchEmbed.forward(p, images);
    NDArray cls = p.get(clsToken).broadcast(s[0], 1, config.embedDim());
    x = NDArrays.concat(new NDList(cls, x), 1);
    NDArray pos = positions.forward(p.get(posEmbed), h, w, h / ps, w / ps);
    return x.add(pos);
  }

  /** The feature: final-norm CLS token, (B, D). */
  public NDArray forward(ParameterSet p, NDArray images, DropPath dropPath) {
    NDArray x = encode(p, images, dropPath, blocks.length, null);
    NDArray cls = Scopes.keep(() -> norm.forward(p, x).get(new NDIndex(":, 0")));
    x.close();
    return cls;
  }

  /** The frozen feature of {@code kind}: (B, D) for CLS, (B, 2D) for CLS + mean patch token. */
  public NDArray feature(ParameterSet p, NDArray images, FeatureKind kind) {
    if (kind == null) {
      // Without this, null would fall through to CLS_AVGPOOL and give twice the width.
      throw new IllegalArgumentException("kind null: expected a FeatureKind (CLS or CLS_AVGPOOL)");
    }
    if (kind == FeatureKind.CLS) {
      return forward(p, images, null);
    }
    NDArray tokens = forwardTokens(p, images);
    NDArray cls = tokens.get(new NDIndex(":, 0"));
    NDArray patches = tokens.get(new NDIndex(":, 1:")).mean(new int[] {1});
    return NDArrays.concat(new NDList(unit(cls), unit(patches)), 1);
  }

  private static NDArray unit(NDArray x) {
    return x.div(x.norm(new int[] {1}, true).maximum(1e-12));
  }

  /** All tokens after the final norm, (B, 1+N, D): CLS then patches in row-major order. */
  public NDArray forwardTokens(ParameterSet p, NDArray images) {
    NDArray x = encode(p, images, null, blocks.length, null);
    return norm.forward(p, x);
  }

  /** Final-norm outputs (B, 1+N, D) of each of the last {@code n} blocks, oldest first. */
  public List<NDArray> intermediateLayers(ParameterSet p, NDArray images, int n) {
    if (n < 1 || n > blocks.length) {
      throw new IllegalArgumentException(
          "n must lie in [1, " + blocks.length + "] (the depth), got " + n);
    }
    List<NDArray> out = new ArrayList<>();
    encode(
            p,
            images,
            null,
            blocks.length,
            (i, x) -> {
              if (i >= blocks.length - n) {
                out.add(norm.forward(p, x));
              }
            })
        .close();
    return out;
  }

  /** The last block's attention softmax, (B, heads, 1+N, 1+N). */
  public NDArray lastSelfAttention(ParameterSet p, NDArray images) {
    NDArray x = encode(p, images, null, blocks.length - 1, null);
    NDArray attention = Scopes.keep(() -> blocks[blocks.length - 1].attention(p, x));
    x.close();
    return attention;
  }

  /** Sees the tokens after each block (0-based index), before the next block runs. */
  @FunctionalInterface
  private interface BlockTap {
    void after(int block, NDArray tokens);
  }

  /**
   * The one block loop: tokens of {@code images} through the first {@code count} blocks. Each
   * block's intermediates are freed as soon as it returns (autograd keeps what backward needs), so
   * a deep network holds one block's temporaries at a time.
   */
  private NDArray encode(
      ParameterSet p, NDArray images, DropPath dropPath, int count, BlockTap tap) {
    NDArray x = Scopes.keep(() -> prepareTokens(p, images));
    for (int i = 0; i < count; i++) {
      Block blk = blocks[i];
      NDArray in = x;
      x = Scopes.keep(() -> blk.forward(p, in, dropPath));
      in.close();
      if (tap != null) {
        tap.after(i, x);
      }
    }
    return x;
  }

  @Override
  public void close() {
    cacheManager.close();
  }
}
