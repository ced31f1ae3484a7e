package dev.jdino.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jdino.io.BadInputException;
import dev.jdino.io.Json;
import dev.jdino.weights.CheckpointLayout;
import dev.jdino.weights.HeadShape;
import dev.jdino.weights.Heads;
import dev.jdino.weights.VitShape;
import dev.jdino.weights.WeightFile;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.DoubleFunction;

/**
 * Weights from a file jdino did not necessarily write: the released DINO backbones ({@code
 * dino_deitsmall16_pretrain.pth}, ...), the official full checkpoints, timm ViTs, jdino's own
 * checkpoints, and flat safetensors files with the official names ({@link CheckpointLayout}). The
 * architecture comes from the file ({@link VitShape}, {@link Heads}, {@link HeadShape}); the values
 * go into a {@link ParameterLayout}, each tensor checked against its parameter's shape.
 *
 * <pre>{@code
 * Path file = Path.of("dino_deitsmall16_pretrain.pth");
 * PretrainedWeights w = PretrainedWeights.open(file, "teacher");
 * VitConfig vit = w.architecture(null).vit();          // ViT-S/16, 6 heads, 224 px
 * float[] values = w.initialValues(network.layout(), seed).values();
 * }</pre>
 */
public final class PretrainedWeights {
  private static final String BACKBONE = "backbone.";
  private static final String HEAD = "head.";

  private final WeightFile file;
  private final CheckpointLayout layout;

  /**
   * What a file holds, as jdino's configuration records.
   *
   * @param vit the backbone (no drop path: that is a training choice)
   * @param head the DINO head, when the file has one
   * @param numHeadsSource where the number of attention heads came from
   */
  public record Architecture(VitConfig vit, Optional<HeadConfig> head, String numHeadsSource) {
    public Architecture {
      if (vit == null || head == null || numHeadsSource == null) {
        throw new IllegalArgumentException(
            "an architecture needs a ViT, a head option and a source");
      }
    }
  }

  /**
   * Initial parameter values for a network.
   *
   * @param values the whole flat buffer of the layout
   * @param headFromFile true if the head's values came from the file, false if they are the
   *     layout's fresh initialisation (or the layout has no head)
   * @param description one line saying what came from where
   */
  public record InitialValues(float[] values, boolean headFromFile, String description) {
    public InitialValues {
      if (values == null || description == null) {
        throw new IllegalArgumentException("initial values need values and a description");
      }
    }
  }

  private PretrainedWeights(WeightFile file, CheckpointLayout layout) {
    this.file = file;
    this.layout = layout;
  }

  /**
   * Opens {@code path} (a {@code .pth} or safetensors file) and finds its backbone.
   *
   * @param key {@code teacher} or {@code student}, for files holding both
   */
  public static PretrainedWeights open(Path path, String key) {
    if (path == null) {
      throw new IllegalArgumentException("path null: expected a .pth or safetensors file");
    }
    WeightFile f = WeightFile.open(path);
    return new PretrainedWeights(f, CheckpointLayout.of(f, key));
  }

  /** Shortcut for {@code open(path, key).architecture(numHeads)}. */
  public static Architecture architecture(Path path, String key, Integer numHeads) {
    return open(path, key).architecture(numHeads);
  }

  /** Shortcut for {@code open(path, key).initialValues(layout, seed)}. */
  public static InitialValues initialValues(
      Path path, ParameterLayout layout, String key, long seed) {
    return open(path, key).initialValues(layout, seed);
  }

  public WeightFile file() {
    return file;
  }

  public CheckpointLayout layout() {
    return layout;
  }

  /**
   * The architecture the file holds.
   *
   * @param numHeads the number of attention heads if the caller knows it ({@code --num-heads}),
   *     else null: then the file must record it or have the shapes of a released model
   */
  public Architecture architecture(Integer numHeads) {
    long params = 0;
    for (String n : layout.backbone().values()) {
      params += file.tensors().get(n).numel();
    }
    if (params > Integer.MAX_VALUE - 8) {
      // ParameterLayout keeps a network in one float buffer.
      throw new BadInputException(
          file.file() + ": a backbone of " + params + " parameters; jdino supports up to 2^31");
    }
    VitShape s = VitShape.of(file, layout);
    Heads h = Heads.resolve(file, s, numHeads);
    Optional<HeadConfig> head = Optional.empty();
    if (layout.hasHead()) {
      HeadShape hs = HeadShape.of(file, layout);
      try {
        head =
            Optional.of(
                new HeadConfig(
                    hs.outDim(),
                    hs.hiddenDim(),
                    hs.bottleneckDim(),
                    hs.nlayers(),
                    hs.normLastLayer()));
      } catch (IllegalArgumentException e) {
        throw new BadInputException(file.file() + ": its DINO head: " + e.getMessage());
      }
    }
    return new Architecture(vitConfig(s, h), head, h.source());
  }

  private VitConfig vitConfig(VitShape s, Heads h) {
    double ratio = s.mlpHiddenDim() / (double) s.embedDim();
    DoubleFunction<VitConfig> withRatio =
        r ->
            new VitConfig(
                s.imgSize(),
                s.patchSize(),
                s.embedDim(),
                s.depth(),
                h.numHeads(),
                r,
                s.qkvBias(),
                0);
    try {
      VitConfig c = withRatio.apply(ratio);
      if (c.mlpHiddenDim() != s.mlpHiddenDim()) {
        // (int) (D * (H / D)) can land one below H in floating point.
        c = withRatio.apply(Math.nextUp(ratio));
      }
      if (c.mlpHiddenDim() != s.mlpHiddenDim()) {
        throw new BadInputException(
            file.file()
                + ": an MLP "
                + s.mlpHiddenDim()
                + " wide on an embed dim of "
                + s.embedDim()
                + " is not a ratio jdino can represent");
      }
      return c;
    } catch (IllegalArgumentException e) {
      throw new BadInputException(file.file() + ": " + e.getMessage());
    }
  }

  /**
   * Values for every parameter of {@code target}: names {@code backbone.*} (or no prefix, for a
   * bare backbone) from the file's backbone, {@code head.*} from the file's head when it has one,
   * else the layout's fresh initialisation with {@code seed}. A parameter the file lacks, a tensor
   * of another shape, or a file tensor the network has no place for (another depth) is a {@link
   * BadInputException} naming both shapes.
   */
  public InitialValues initialValues(ParameterLayout target, long seed) {
    float[] values = target.initialValues(seed);
    boolean wantsHead = target.specs().stream().anyMatch(s -> s.name().startsWith(HEAD));
    boolean headFromFile = wantsHead && layout.hasHead();
    Set<String> usedBackbone = new HashSet<>();
    Set<String> usedHead = new HashSet<>();
    String resized = "";
    for (ParameterLayout.Spec spec : target.specs()) {
      String name = spec.name();
      boolean isHead = name.startsWith(HEAD);
      if (isHead && !headFromFile) {
        continue;
      }
      String local =
          isHead
              ? name.substring(HEAD.length())
              : name.startsWith(BACKBONE) ? name.substring(BACKBONE.length()) : name;
      Map<String, String> source = isHead ? layout.head() : layout.backbone();
      String stored = source.get(local);
      if (stored == null) {
        throw new BadInputException(
            file.file()
                + ": has no tensor for "
                + name
                + " (looked for "
                + (isHead ? layout.headPrefix() : layout.backbonePrefix())
                + local
                + "; a file of another architecture?)");
      }
      long[] shape = file.tensors().get(stored).shape();
      if (local.equals("pos_embed")
          && !Arrays.equals(shape, spec.shape())
          && resizable(shape, spec.shape())) {
        // Another training resolution: the grid is resized once, as the official code resizes
        // it for every input of another size.
        int gIn = (int) Math.round(Math.sqrt(shape[1] - 1));
        int gOut = (int) Math.round(Math.sqrt(spec.shape()[1] - 1));
        float[] v = PositionEmbedding.resizeSquare(file.floats(stored), gIn, gOut, (int) shape[2]);
        System.arraycopy(v, 0, values, (int) spec.offset(), v.length);
        usedBackbone.add(local);
        resized =
            " (position embedding resized from "
                + gIn
                + "x"
                + gIn
                + " to "
                + gOut
                + "x"
                + gOut
                + " patches)";
        continue;
      }
      if (!Arrays.equals(shape, spec.shape())) {
        throw new BadInputException(
            file.file()
                + ": tensor "
                + stored
                + " has shape "
                + Arrays.toString(shape)
                + ", the network's "
                + name
                + " is "
                + Arrays.toString(spec.shape())
                + " (configure the network as the file is: jdino info "
                + file.file()
                + ")");
      }
      float[] v = file.floats(stored);
      System.arraycopy(v, 0, values, (int) spec.offset(), v.length);
      (isHead ? usedHead : usedBackbone).add(local);
    }
    unused(layout.backbone(), usedBackbone, "backbone");
    if (headFromFile) {
      unused(layout.head(), usedHead, "head");
    }
    String from = file.file() + (layout.key() != null ? " (" + layout.key() + ")" : "");
    String description =
        "backbone from "
            + from
            + (!wantsHead
                ? ""
                : headFromFile
                    ? ", head from the file"
                    : ", head freshly initialised (the file has no DINO head)")
            + resized;
    return new InitialValues(values, headFromFile, description);
  }

  /** Both (1, 1 + g², D) with square grids and the same D. */
  private static boolean resizable(long[] a, long[] b) {
    return a.length == 3
        && b.length == 3
        && a[0] == 1
        && b[0] == 1
        && a[2] == b[2]
        && square(a[1] - 1)
        && square(b[1] - 1);
  }

  private static boolean square(long n) {
    long r = Math.round(Math.sqrt(n));
    return n > 0 && r * r == n;
  }

  private void unused(Map<String, String> names, Set<String> used, String what) {
    for (Map.Entry<String, String> e : names.entrySet()) {
      if (!used.contains(e.getKey())) {
        throw new BadInputException(
            file.file()
                + ": tensor "
                + e.getValue()
                + " has no place in the network's "
                + what
                + " (a file of another architecture? jdino info "
                + file.file()
                + ")");
      }
    }
  }

  /** Where the weights came from, for messages. */
  public String source() {
    return file.file() + (layout.key() != null ? " (" + layout.key() + ")" : "");
  }

  /** A description for {@link Backbone#description()}: format, layout, what was left out. */
  public JsonNode description(Architecture a) {
    ObjectNode d = Json.object();
    d.put("format", file.format().name().toLowerCase(Locale.ROOT));
    d.put("layout", layout.kind().name().toLowerCase(Locale.ROOT));
    if (layout.key() != null) {
      d.put("key", layout.key());
    }
    d.put("num_heads_source", a.numHeadsSource());
    var notes = d.putArray("notes");
    layout.notes().forEach(notes::add);
    return d;
  }
}
