package dev.jdino.weights;

import dev.jdino.io.BadInputException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Where a weight file keeps its ViT backbone (and DINO head), under which names, mapped to jdino's
 * names, which are the official ones ({@code vision_transformer.py}: {@code cls_token}, {@code
 * blocks.0.attn.qkv.weight}, ...; the head's {@code mlp.0.weight}, {@code last_layer.weight_g},
 * ...).
 *
 * <p>Recognised layouts (names after {@link WeightFile}'s flattening):
 *
 * <ul>
 *   <li>a backbone state dict: the released {@code dino_*_pretrain.pth}, and timm's ViT, whose
 *       parameter names are the same ({@code timm/models/vision_transformer.py}); timm's classifier
 *       {@code head.weight}/{@code head.bias} is left out, with a note;
 *   <li>the official full checkpoint ({@code main_dino.py}): {@code student.module.backbone.*} and
 *       {@code student.module.head.*} (the student is wrapped in DistributedDataParallel), {@code
 *       teacher.backbone.*} and {@code teacher.head.*}, beside {@code optimizer}, {@code epoch},
 *       {@code args}, {@code dino_loss.center};
 *   <li>jdino's training checkpoint ({@code student.backbone.*}, {@code teacher.backbone.*});
 *   <li>a DINO network state dict ({@code backbone.*}, {@code head.*}, or with {@code module.});
 *   <li>a timm or DeiT training checkpoint: the state dict under {@code state_dict} or {@code
 *       model}, as timm's {@code checkpoint_filter_fn} unwraps it.
 * </ul>
 *
 * Every tensor under the backbone's prefix must be a parameter of DINO's ViT: features of other
 * ViTs (fc_norm pooling, register tokens, LayerScale, ...) are refused by name rather than silently
 * dropped, since the backbone would then compute something else.
 */
public final class CheckpointLayout {
  /** What kind of file it is. */
  public enum Kind {
    BACKBONE(
        "a ViT backbone state dict (the layout of the released DINO *_pretrain.pth files"
            + " and of timm's ViT)"),
    DINO_CHECKPOINT("an official DINO training checkpoint (main_dino.py)"),
    JDINO_CHECKPOINT("a jdino training checkpoint"),
    NETWORK("a DINO network state dict (backbone and head)"),
    TIMM_CHECKPOINT("a timm or DeiT training checkpoint (weights under state_dict or model)");

    private final String description;

    Kind(String description) {
      this.description = description;
    }

    public String description() {
      return description;
    }
  }

  private static final Pattern VIT_NAME =
      Pattern.compile(
          "cls_token|pos_embed|patch_embed\\.proj\\.(weight|bias)|norm\\.(weight|bias)"
              + "|blocks\\.\\d{1,4}\\.(norm1|norm2|attn\\.qkv|attn\\.proj|mlp\\.fc1|mlp\\.fc2)"
              + "\\.(weight|bias)");
  private static final Pattern HEAD_NAME =
      Pattern.compile("mlp(\\.\\d{1,3})?\\.(weight|bias)|last_layer\\.weight_[gv]");

  /** Tensors of other models than DINO's, by name, and what they say about the file. */
  private record Foreign(Pattern name, String why) {
    Foreign(String regex, String why) {
      this(Pattern.compile(regex), why);
    }
  }

  /** Features of other ViTs, under the backbone's prefix; the first match names the file. */
  private static final List<Foreign> NOT_DINO_VIT =
      List.of(
          new Foreign(
              "fc_norm\\..*",
              "a timm ViT that pools with fc_norm (global average pooling); DINO's feature is the"
                  + " [CLS] token after norm"),
          new Foreign(
              "reg_token|register_tokens",
              "register tokens (a DINOv2-style ViT), which DINO's ViT does not have"),
          new Foreign(
              "mask_token", "a mask token (an iBOT or DINOv2 ViT), which DINO's ViT does not have"),
          new Foreign(
              "dist_token",
              "a distillation token (a DeiT-distilled ViT), which DINO's ViT does not have"),
          new Foreign(
              "blocks\\.\\d+\\.ls[12]\\..*|.*gamma.*",
              "LayerScale (a DeiT III or DINOv2 ViT), which DINO's ViT does not have"),
          new Foreign(
              "norm_pre\\..*",
              "a norm before the blocks (a CLIP-style ViT), which DINO's ViT does not have"),
          new Foreign(
              "blocks\\.\\d+\\.attn\\.(q_norm|k_norm|norm)\\..*",
              "normalisation inside attention (qk_norm), which DINO's ViT does not have"),
          new Foreign(
              "head\\..*",
              "a head that is neither DINO's nor a plain classifier (head.weight, head.bias)"));

  /** Features of other heads, under the head's prefix. */
  private static final List<Foreign> NOT_DINO_HEAD =
      List.of(
          new Foreign(
              "mlp\\.\\d+\\.(running_mean|running_var|num_batches_tracked)",
              "batch norm in the DINO head (use_bn_in_head), which jdino's head does not have"),
          new Foreign(
              "last_layer\\.weight",
              "a last layer without weight normalisation (weight_g, weight_v)"),
          new Foreign(
              "last_layer\\.parametrizations\\..*",
              "weight normalisation as a parametrization (torch.nn.utils.parametrizations"
                  + ".weight_norm); jdino reads the weight_g/weight_v layout of"
                  + " nn.utils.weight_norm, which the official code uses"));

  private final Kind kind;
  private final String key;
  private final String backbonePrefix;
  private final String headPrefix;
  private final Map<String, String> backbone;
  private final Map<String, String> head;
  private final List<String> notes;

  private CheckpointLayout(
      Kind kind,
      String key,
      String backbonePrefix,
      String headPrefix,
      Map<String, String> backbone,
      Map<String, String> head,
      List<String> notes) {
    this.kind = kind;
    this.key = key;
    this.backbonePrefix = backbonePrefix;
    this.headPrefix = headPrefix;
    this.backbone = Collections.unmodifiableMap(backbone);
    this.head = Collections.unmodifiableMap(head);
    this.notes = Collections.unmodifiableList(notes);
  }

  /**
   * Finds the backbone and head in {@code f}.
   *
   * @param key {@code teacher} or {@code student}: which network of a training checkpoint (the
   *     teacher is what DINO evaluates); other layouts hold one network and ignore it
   */
  public static CheckpointLayout of(WeightFile f, String key) {
    if (!"teacher".equals(key) && !"student".equals(key)) {
      throw new BadInputException("checkpoint key " + key + ": expected teacher or student");
    }
    String other = key.equals("teacher") ? "student" : "teacher";
    Kind kind;
    String prefix;
    String chosenKey = null;
    if (hasUnder(f, "teacher.") || hasUnder(f, "student.")) {
      prefix = firstWith(f, key + ".backbone.", key + ".module.backbone.");
      if (prefix == null) {
        boolean otherHas = firstWith(f, other + ".backbone.", other + ".module.backbone.") != null;
        throw new BadInputException(
            f.file()
                + ": holds no "
                + key
                + " ViT (no "
                + key
                + ".backbone.cls_token or "
                + key
                + ".module.backbone.cls_token)"
                + (otherHas ? "; it has a " + other + ": use --checkpoint-key " + other : ""));
      }
      chosenKey = key;
      kind =
          "jdino-dino-checkpoint".equals(f.data().path("format").asText())
              ? Kind.JDINO_CHECKPOINT
              : Kind.DINO_CHECKPOINT;
    } else if ((prefix =
            firstWith(f, "state_dict.", "state_dict.module.", "model.", "model.module."))
        != null) {
      kind = Kind.TIMM_CHECKPOINT;
    } else if ((prefix = firstWith(f, "backbone.", "module.backbone.")) != null) {
      kind = Kind.NETWORK;
    } else if ((prefix = firstWith(f, "", "module.")) != null) {
      kind = Kind.BACKBONE;
    } else {
      throw new BadInputException(
          f.file()
              + ": holds no ViT backbone (no cls_token at the top level or under"
              + " backbone., teacher.backbone., student.module.backbone., state_dict. or model.;"
              + " its tensors: "
              + sample(f)
              + ")");
    }
    String headPrefix = null;
    if (prefix.endsWith("backbone.")) {
      String h = prefix.substring(0, prefix.length() - "backbone.".length()) + "head.";
      if (hasUnder(f, h)) {
        headPrefix = h;
      }
    }
    boolean classifierAllowed = kind == Kind.BACKBONE || kind == Kind.TIMM_CHECKPOINT;
    Map<String, String> backbone = new LinkedHashMap<>();
    Map<String, String> head = new LinkedHashMap<>();
    List<String> notes = new ArrayList<>();
    List<String> classifier = new ArrayList<>();
    for (String name : f.tensors().keySet()) {
      if (headPrefix != null && name.startsWith(headPrefix)) {
        String local = name.substring(headPrefix.length());
        checkHeadName(f, name, local);
        head.put(local, name);
      } else if (name.startsWith(prefix)) {
        String local = name.substring(prefix.length());
        if (classifierAllowed && (local.equals("head.weight") || local.equals("head.bias"))) {
          classifier.add(name);
          continue;
        }
        checkVitName(f, name, local);
        backbone.put(local, name);
      }
    }
    List<String> network = new ArrayList<>(backbone.values());
    network.addAll(head.values());
    long bytes = f.bytesOf(network);
    if (bytes > f.size()) {
      throw new BadInputException(
          f.file()
              + ": its backbone and head tensors add up to "
              + bytes
              + " bytes, more than"
              + " the file's "
              + f.size()
              + " (parameters that overlap in storage); not a"
              + " checkpoint");
    }
    if (!classifier.isEmpty()) {
      long classes = f.tensors().get(classifier.get(0)).shape()[0];
      notes.add(
          String.join(", ", classifier)
              + ": a classifier of "
              + classes
              + " classes on top of the backbone, not part of DINO; left out");
    }
    return new CheckpointLayout(kind, chosenKey, prefix, headPrefix, backbone, head, notes);
  }

  private static void checkVitName(WeightFile f, String name, String local) {
    checkName(
        f,
        name,
        local,
        VIT_NAME,
        NOT_DINO_VIT,
        "not a parameter of DINO's ViT (vision_transformer.py)");
  }

  private static void checkHeadName(WeightFile f, String name, String local) {
    checkName(
        f,
        name,
        local,
        HEAD_NAME,
        NOT_DINO_HEAD,
        "not a parameter of DINO's head (vision_transformer.py, DINOHead)");
  }

  /**
   * Refuses a tensor whose name (under the backbone's or head's prefix) is not {@code allowed},
   * saying what it is when {@code known} recognises it, else {@code otherwise}.
   */
  private static void checkName(
      WeightFile f,
      String name,
      String local,
      Pattern allowed,
      List<Foreign> known,
      String otherwise) {
    if (allowed.matcher(local).matches()) {
      return;
    }
    String why = otherwise;
    for (Foreign k : known) {
      if (k.name().matcher(local).matches()) {
        why = k.why();
        break;
      }
    }
    throw new BadInputException(f.file() + ": tensor " + name + " is " + why);
  }

  private static boolean hasUnder(WeightFile f, String prefix) {
    for (String n : f.tensors().keySet()) {
      if (n.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }

  /** The first prefix p with a tensor named {@code p + "cls_token"}. */
  private static String firstWith(WeightFile f, String... prefixes) {
    for (String p : prefixes) {
      if (f.contains(p + "cls_token")) {
        return p;
      }
    }
    return null;
  }

  private static String sample(WeightFile f) {
    List<String> names = new ArrayList<>(f.tensors().keySet());
    if (names.isEmpty()) {
      return "none";
    }
    String s = String.join(", ", names.subList(0, Math.min(4, names.size())));
    return names.size() > 4 ? s + ", ... (" + names.size() + " in all)" : s;
  }

  public Kind kind() {
    return kind;
  }

  /** {@code teacher} or {@code student} for training checkpoints; null for other layouts. */
  public String key() {
    return key;
  }

  /** The prefix of the backbone's tensors in the file ({@code ""} for a flat backbone). */
  public String backbonePrefix() {
    return backbonePrefix;
  }

  /** The prefix of the DINO head's tensors, or null when the file has no head. */
  public String headPrefix() {
    return headPrefix;
  }

  /** Backbone tensors: official name to the file's name, in file order. */
  public Map<String, String> backbone() {
    return backbone;
  }

  /** DINO head tensors: official name within the head ({@code mlp.0.weight}) to the file's. */
  public Map<String, String> head() {
    return head;
  }

  public boolean hasHead() {
    return !head.isEmpty();
  }

  /** What was left out, and why (one sentence each). */
  public List<String> notes() {
    return notes;
  }
}
