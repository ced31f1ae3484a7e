package dev.jdino.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import dev.jdino.augment.Normalization;
import dev.jdino.engine.Torch;
import dev.jdino.io.BadInputException;
import dev.jdino.io.Json;
import dev.jdino.io.Safetensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * A trained ViT backbone ready for use from Java: features (the normalised CLS token), attention
 * maps, patch tokens. Loads the teacher (or student) of a jdino run directory or checkpoint, a
 * training snapshot, a flat backbone file with the official names, or a PyTorch {@code .pth} such
 * as the released DINO weights (read safely, without Python; see {@link PretrainedWeights}).
 *
 * <pre>{@code
 * try (Backbone b = Backbone.load(Path.of("runs/dino"));
 *     NDManager m = b.manager().newSubManager()) {
 *   NDArray images = ...;                 // (B, 3, H, W), normalised like the training data
 *   float[] features = b.features(images).toFloatArray();   // (B, D)
 * }
 * }</pre>
 *
 * <p>Inputs of any size of at least one patch work: the position embedding is resized bicubically
 * as in DINO, and pixels past the last whole patch are ignored, as in PyTorch. Results are attached
 * to the input's manager; wrap calls in an {@code NDScope} to free intermediates. A mistaken
 * argument (shape, type, length, a closed array) is an {@link IllegalArgumentException}, an
 * unsuitable file a {@link BadInputException}, use after {@link #close} an {@link
 * IllegalStateException}.
 */
public final class Backbone implements AutoCloseable {
  private final NDManager manager;
  private final VisionTransformer vit;
  private final ParameterSet params;
  private final String source;
  private final JsonNode description;
  private volatile boolean closed;

  private Backbone(
      VitConfig config, float[] values, String source, JsonNode description, Compute compute) {
    this.manager = Torch.newManager();
    ParameterLayout.Builder b = ParameterLayout.builder();
    // Attention maps always take the explicit softmax, whatever the features' arithmetic.
    this.vit = new VisionTransformer(config.withoutDropPath(), "", b, manager, compute);
    ParameterLayout layout = b.build();
    this.params =
        new ParameterSet(layout, manager, values != null ? values : layout.initialValues(0), false);
    this.source = source;
    this.description = description;
  }

  /**
   * Loads a backbone.
   *
   * @param path a run directory (its checkpoint), a checkpoint or snapshot file, a flat backbone
   *     safetensors file, or a PyTorch {@code .pth} (a released DINO backbone, an official full
   *     checkpoint, a timm ViT; see {@link PretrainedWeights})
   * @param key {@code teacher} (what DINO evaluates) or {@code student}; ignored for snapshots and
   *     flat files
   */
  public static Backbone load(Path path, String key) {
    return load(path, key, null, Compute.forThisProcessor());
  }

  /**
   * The same, computing features with {@code compute}'s arithmetic instead of the processor's
   * default ({@link Compute#forThisProcessor}: as fast as the processor allows, fused attention,
   * bf16 products where it has bf16 units).
   */
  public static Backbone load(Path path, String key, Compute compute) {
    return load(path, key, null, compute);
  }

  /**
   * Loads a backbone whose number of attention heads the file may not record (a flat file of a
   * custom ViT). A file that does record it must agree.
   */
  public static Backbone load(Path path, String key, int numHeads) {
    return load(path, key, numHeads, Compute.forThisProcessor());
  }

  /** The same, with {@code compute}'s arithmetic. */
  public static Backbone load(Path path, String key, int numHeads, Compute compute) {
    if (numHeads < 1) {
      throw new BadInputException("--num-heads " + numHeads + ": expected at least 1");
    }
    return load(path, key, Integer.valueOf(numHeads), compute);
  }

  private static Backbone load(Path path, String key, Integer numHeads, Compute compute) {
    if (path == null) {
      throw new IllegalArgumentException(
          "path null: expected a run directory, a checkpoint or a weight file");
    }
    requireCompute(compute);
    if (!"teacher".equals(key) && !"student".equals(key)) {
      throw new BadInputException("--checkpoint-key " + key + ": expected teacher or student");
    }
    Path file = path;
    if (Files.isDirectory(path)) {
      file = path.resolve("checkpoint.safetensors");
      if (!Files.isRegularFile(file)) {
        throw new BadInputException(
            path + ": no checkpoint.safetensors in this directory (is it a jdino run?)");
      }
    }
    if (!Files.isRegularFile(file)) {
      throw new BadInputException(path + ": checkpoint not found");
    }
    if (Safetensors.looksLike(file)) {
      Safetensors st = Safetensors.open(file);
      JsonNode meta = metadata(st);
      VitConfig recorded = recordedConfig(meta, st);
      if (recorded != null) {
        return loadRecorded(file, st, meta, recorded, key, numHeads, compute);
      }
    }
    // Everything else (.pth files, safetensors without jdino's architecture record) goes by
    // names and shapes.
    PretrainedWeights w = PretrainedWeights.open(file, key);
    PretrainedWeights.Architecture a = w.architecture(numHeads);
    ParameterLayout.Builder b = ParameterLayout.builder();
    try (NDManager tmp = Torch.newManager();
        VisionTransformer v = new VisionTransformer(a.vit(), "", b, tmp)) {
      float[] values = w.initialValues(b.build(), 0).values();
      return new Backbone(a.vit(), values, w.source(), w.description(a), compute);
    }
  }

  /** A jdino file that records its architecture in its metadata. */
  private static Backbone loadRecorded(
      Path file,
      Safetensors st,
      JsonNode meta,
      VitConfig config,
      String key,
      Integer numHeads,
      Compute compute) {
    if (numHeads != null && numHeads != config.numHeads()) {
      throw new BadInputException(
          "--num-heads "
              + numHeads
              + " contradicts "
              + file
              + ": its metadata gives "
              + config.numHeads()
              + " heads");
    }
    String prefix;
    if (st.contains(key + ".backbone.cls_token")) {
      prefix = key + ".backbone.";
    } else if (st.contains("cls_token")) {
      prefix = "";
    } else if (st.contains("backbone.cls_token")) {
      prefix = "backbone.";
    } else {
      throw new BadInputException(
          file
              + ": holds no ViT backbone (no cls_token tensor under "
              + key
              + ".backbone., backbone. or the top level)");
    }
    ParameterLayout.Builder b = ParameterLayout.builder();
    try (NDManager tmp = Torch.newManager();
        VisionTransformer v = new VisionTransformer(config, "", b, tmp)) {
      ParameterLayout layout = b.build();
      float[] values = layout.valuesFrom(st, prefix);
      return new Backbone(
          config, values, file + (prefix.isEmpty() ? "" : " (" + key + ")"), meta, compute);
    }
  }

  public static Backbone load(Path path) {
    return load(path, "teacher");
  }

  /** A randomly initialised backbone of the given shape (the "no training" floor). */
  public static Backbone random(VitConfig config, long seed) {
    return random(config, seed, Compute.forThisProcessor());
  }

  /** The same, with {@code compute}'s arithmetic (a floor computed as its trained backbone is). */
  public static Backbone random(VitConfig config, long seed, Compute compute) {
    if (config == null) {
      throw new IllegalArgumentException("config null: expected the ViT's shape (a VitConfig)");
    }
    requireCompute(compute);
    ParameterLayout.Builder b = ParameterLayout.builder();
    float[] values;
    try (NDManager tmp = Torch.newManager();
        VisionTransformer v = new VisionTransformer(config, "", b, tmp)) {
      values = b.build().initialValues(seed);
    }
    return new Backbone(config, values, "random init (seed " + seed + ")", Json.object(), compute);
  }

  private static void requireCompute(Compute compute) {
    if (compute == null) {
      throw new IllegalArgumentException(
          "compute null: expected Compute.forThisProcessor(), Compute.fp32() or another Compute");
    }
  }

  /** Fails in one line naming this backbone, rather than with the engine's "released" message. */
  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException("the backbone from " + source + " is closed");
    }
  }

  private static JsonNode metadata(Safetensors st) {
    String raw = st.metadata().get("jdino");
    if (raw == null) {
      return Json.object();
    }
    try {
      return Json.parse(raw);
    } catch (IOException e) {
      throw new BadInputException(st.file() + ": metadata is not valid JSON");
    }
  }

  /** The architecture jdino recorded in the file's metadata, or null when it has none. */
  private static VitConfig recordedConfig(JsonNode meta, Safetensors st) {
    JsonNode vit = meta.has("vit") ? meta.get("vit") : meta.path("config").path("vit");
    if (!vit.isMissingNode() && vit.has("embedDim")) {
      try {
        return Json.MAPPER.treeToValue(vit, VitConfig.class).withoutDropPath();
      } catch (IOException | IllegalArgumentException e) {
        throw new BadInputException(
            st.file() + ": architecture metadata is invalid: " + e.getMessage());
      }
    }
    return null;
  }

  public VitConfig config() {
    return vit.config();
  }

  /** Where the weights came from, for messages. */
  public String source() {
    return source;
  }

  /** The jdino metadata of the file (epoch, step, loss, configuration), or an empty object. */
  /**
   * How images shown to this backbone must be normalised: as in its training (recorded in jdino
   * files), else ImageNet's statistics, which the released DINO weights use.
   */
  public Normalization normalization() {
    return Normalization.recordedIn(description == null ? null : description.path("config"));
  }

  public JsonNode description() {
    return description;
  }

  /** The manager that owns the weights; make input managers from it. */
  public NDManager manager() {
    requireOpen();
    return manager;
  }

  /** The parameters (for code that needs the network directly). */
  public ParameterSet parameters() {
    requireOpen();
    return params;
  }

  /** The network the parameters run in (for code that needs it directly). */
  public VisionTransformer network() {
    requireOpen();
    return vit;
  }

  /** The feature: final-norm CLS token, (B, D). */
  public NDArray features(NDArray images) {
    requireOpen();
    return vit.forward(params, images, null);
  }

  /** The frozen feature of {@code kind} (see {@link FeatureKind}). */
  public NDArray features(NDArray images, FeatureKind kind) {
    requireOpen();
    return vit.feature(params, images, kind);
  }

  /** The arithmetic of {@link #features} (precision, fused attention). */
  public Compute compute() {
    return vit.compute();
  }

  /** The last block's attention softmax, (B, heads, 1+N, 1+N). */
  public NDArray lastSelfAttention(NDArray images) {
    requireOpen();
    return vit.lastSelfAttention(params, images);
  }

  /** All tokens after the final norm, (B, 1+N, D). */
  public NDArray tokens(NDArray images) {
    requireOpen();
    return vit.forwardTokens(params, images);
  }

  /** Final-norm outputs of the last {@code n} blocks. */
  public List<NDArray> intermediateLayers(NDArray images, int n) {
    requireOpen();
    return vit.intermediateLayers(params, images, n);
  }

  /**
   * Features of a float batch (B, 3, H, W), as Java arrays; intermediates are freed.
   *
   * @param images exactly {@code batch * 3 * height * width} floats
   */
  public float[][] features(float[] images, int batch, int height, int width) {
    requireOpen();
    if (images == null) {
      throw new IllegalArgumentException("images null: expected batch x 3 x height x width floats");
    }
    if (batch < 0 || height < 0 || width < 0) {
      throw new IllegalArgumentException(
          "batch " + batch + " of " + height + "x" + width + " images: expected no negative size");
    }
    // A longer array would otherwise be read in part without a word. In double: the product of
    // three ints can overflow a long, and one past 2^53 differs from any array length anyway.
    double need = 3.0 * batch * height * width;
    if (images.length != need) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "images: expected batch x 3 x height x width = %d x 3 x %d x %d = %.0f floats, got"
                  + " %d",
              batch,
              height,
              width,
              need,
              images.length));
    }
    try (NDScope scope = new NDScope()) {
      NDArray x = manager.create(images, new Shape(batch, 3, height, width));
      float[] f = features(x).toFloatArray();
      int d = config().embedDim();
      float[][] out = new float[batch][d];
      for (int i = 0; i < batch; i++) {
        System.arraycopy(f, i * d, out[i], 0, d);
      }
      return out;
    }
  }

  @Override
  public String toString() {
    VitConfig c = config();
    return String.format(
        Locale.ROOT,
        "ViT %d/%d/%d heads, patch %d, from %s",
        c.embedDim(),
        c.depth(),
        c.numHeads(),
        c.patchSize(),
        source);
  }

  @Override
  public void close() {
    closed = true;
    vit.close();
    manager.close();
  }
}
