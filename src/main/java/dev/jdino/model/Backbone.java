package dev.jdino.model;

import dev.jdino.engine.Torch;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import com.fasterxml.jackson.databind.JsonNode;
import dev.jdino.augment.Normalization;
import dev.jdino.io.BadInputException;
import dev.jdino.io.Json;
import dev.jdino.io.Safetensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A trained ViT backbone ready for use from Java: features (the normalised CLS token),
 * attention maps, patch tokens. Loads the teacher (or student) of a jdino run directory or
 * checkpoint, a training snapshot, or a flat backbone file with the official names (for example
 * the released DINO weights converted to safetensors).
 *
 * <pre>{@code
 * try (Backbone b = Backbone.load(Path.of("runs/dino"));
 *     NDManager m = b.manager().newSubManager()) {
 *   NDArray images = ...;                 // (B, 3, H, W), normalised like the training data
 *   float[] features = b.features(images).toFloatArray();   // (B, D)
 * }
 * }</pre>
 *
 * <p>Inputs of any size work: the position embedding is resized bicubically as in DINO. Results
 * are attached to the input's manager; wrap calls in an {@code NDScope} to free intermediates.
 */
public final class Backbone implements AutoCloseable {
  private static final Pattern BLOCK = Pattern.compile("^blocks\\.(\\d+)\\.");

  private final NDManager manager;
  private final VisionTransformer vit;
  private final ParameterSet params;
  private final String source;
  private final JsonNode description;

  private Backbone(VitConfig config, float[] values, String source, JsonNode description) {
    this.manager = Torch.newManager();
    ParameterLayout.Builder b = ParameterLayout.builder();
    this.vit = new VisionTransformer(config.withoutDropPath(), "", b, manager);
    ParameterLayout layout = b.build();
    this.params = new ParameterSet(layout, manager, values != null ? values : layout.initialValues(0), false);
    this.source = source;
    this.description = description;
  }

  /**
   * Loads a backbone.
   *
   * @param path a run directory (its checkpoint), a checkpoint or snapshot file, or a flat
   *     backbone safetensors file
   * @param key {@code teacher} (what DINO evaluates) or {@code student}; ignored for snapshots and
   *     flat files
   */
  public static Backbone load(Path path, String key) {
    if (!key.equals("teacher") && !key.equals("student")) {
      throw new BadInputException("--checkpoint-key " + key + ": expected teacher or student");
    }
    Path file = path;
    if (Files.isDirectory(path)) {
      file = path.resolve("checkpoint.safetensors");
      if (!Files.isRegularFile(file)) {
        throw new BadInputException(path + ": no checkpoint.safetensors in this directory (is it a jdino run?)");
      }
    }
    if (!Files.isRegularFile(file)) {
      throw new BadInputException(path + ": checkpoint not found");
    }
    if (!Safetensors.looksLike(file)) {
      throw new BadInputException(file + ": not a checkpoint (expected a safetensors file written by jdino"
          + " or a backbone with the official parameter names)");
    }
    Safetensors st = Safetensors.open(file);
    JsonNode meta = metadata(st);
    String prefix;
    VitConfig config;
    if (st.contains(key + ".backbone.cls_token")) {
      prefix = key + ".backbone.";
      config = configFrom(meta, st, prefix);
    } else if (st.contains("cls_token")) {
      prefix = "";
      config = configFrom(meta, st, prefix);
    } else if (st.contains("backbone.cls_token")) {
      prefix = "backbone.";
      config = configFrom(meta, st, prefix);
    } else {
      throw new BadInputException(file + ": holds no ViT backbone (no cls_token tensor under "
          + key + ".backbone., backbone. or the top level)");
    }
    ParameterLayout.Builder b = ParameterLayout.builder();
    try (NDManager tmp = Torch.newManager(); VisionTransformer v = new VisionTransformer(config, "", b, tmp)) {
      ParameterLayout layout = b.build();
      float[] values = layout.valuesFrom(st, prefix);
      return new Backbone(config, values, file + (prefix.isEmpty() ? "" : " (" + key + ")"), meta);
    }
  }

  public static Backbone load(Path path) {
    return load(path, "teacher");
  }

  /** A randomly initialised backbone of the given shape (the "no training" floor). */
  public static Backbone random(VitConfig config, long seed) {
    ParameterLayout.Builder b = ParameterLayout.builder();
    float[] values;
    try (NDManager tmp = Torch.newManager(); VisionTransformer v = new VisionTransformer(config, "", b, tmp)) {
      values = b.build().initialValues(seed);
    }
    return new Backbone(config, values, "random init (seed " + seed + ")", Json.object());
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

  /** The architecture: from jdino metadata when present, else inferred from tensor shapes. */
  private static VitConfig configFrom(JsonNode meta, Safetensors st, String prefix) {
    JsonNode vit = meta.has("vit") ? meta.get("vit") : meta.path("config").path("vit");
    if (!vit.isMissingNode() && vit.has("embedDim")) {
      try {
        return Json.MAPPER.treeToValue(vit, VitConfig.class).withoutDropPath();
      } catch (IOException | IllegalArgumentException e) {
        throw new BadInputException(st.file() + ": architecture metadata is invalid: " + e.getMessage());
      }
    }
    // A flat file (e.g. converted official weights): read the shapes; heads = D / 64 as in every
    // official ViT.
    long[] pos = shape(st, prefix + "pos_embed");
    long[] patch = shape(st, prefix + "patch_embed.proj.weight");
    long[] fc1 = shape(st, prefix + "blocks.0.mlp.fc1.weight");
    int depth = 0;
    for (String n : st.tensors().keySet()) {
      if (n.startsWith(prefix)) {
        Matcher m = BLOCK.matcher(n.substring(prefix.length()));
        if (m.find()) {
          depth = Math.max(depth, Integer.parseInt(m.group(1)) + 1);
        }
      }
    }
    int dim = (int) pos[2];
    int p = (int) patch[2];
    int grid = (int) Math.round(Math.sqrt(pos[1] - 1));
    if (grid * grid != pos[1] - 1) {
      throw new BadInputException(st.file() + ": pos_embed of " + (pos[1] - 1) + " patches is not a square grid");
    }
    int heads = Integer.getInteger("jdino.heads", Math.max(1, dim / 64));
    return new VitConfig(grid * p, p, dim, depth, heads, fc1[0] / (double) dim, st.contains(prefix + "blocks.0.attn.qkv.bias"), 0);
  }

  private static long[] shape(Safetensors st, String name) {
    Safetensors.TensorInfo t = st.tensors().get(name);
    if (t == null) {
      throw new BadInputException(st.file() + ": no tensor " + name);
    }
    return t.shape();
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
    return manager;
  }

  /** The parameters (for code that needs the network directly). */
  public ParameterSet parameters() {
    return params;
  }

  public VisionTransformer network() {
    return vit;
  }

  /** The feature: final-norm CLS token, (B, D). */
  public NDArray features(NDArray images) {
    return vit.forward(params, images, null);
  }

  /** The frozen feature of {@code kind} (see {@link FeatureKind}). */
  public NDArray features(NDArray images, FeatureKind kind) {
    return vit.feature(params, images, kind);
  }

  /** The last block's attention softmax, (B, heads, 1+N, 1+N). */
  public NDArray lastSelfAttention(NDArray images) {
    return vit.lastSelfAttention(params, images);
  }

  /** All tokens after the final norm, (B, 1+N, D). */
  public NDArray tokens(NDArray images) {
    return vit.forwardTokens(params, images);
  }

  /** Final-norm outputs of the last {@code n} blocks. */
  public List<NDArray> intermediateLayers(NDArray images, int n) {
    return vit.intermediateLayers(params, images, n);
  }

  /** Features of a float batch (B, 3, H, W), as Java arrays; intermediates are freed. */
  public float[][] features(float[] images, int batch, int height, int width) {
    try (NDScope scope = new NDScope()) {
      NDArray x = manager.create(images, new ai.djl.ndarray.types.Shape(batch, 3, height, width));
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
    return String.format(Locale.ROOT, "ViT %d/%d/%d heads, patch %d, from %s", c.embedDim(), c.depth(),
        c.numHeads(), c.patchSize(), source);
  }

  @Override
  public void close() {
    vit.close();
    manager.close();
  }
}
