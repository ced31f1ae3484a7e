package dev.jdino.train;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jdino.augment.AugmentConfig;
import dev.jdino.io.BadInputException;
import dev.jdino.io.Json;
import dev.jdino.model.HeadConfig;
import dev.jdino.model.VitConfig;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Everything that defines a DINO run's mathematics: backbone, head, augmentation, optimisation.
 * Saved in {@code args.json} and in every checkpoint.
 *
 * <p>{@link #toFlags()} / {@link #withFlags(Map)} map it to and from the command line's flag names,
 * so a preset, a checkpoint's configuration or the defaults can each be the base that explicit
 * flags override.
 */
public record DinoConfig(VitConfig vit, HeadConfig head, AugmentConfig augment, TrainConfig train) {

  public DinoConfig {
    int p = vit.patchSize();
    if (augment.globalCropSize() % p != 0) {
      throw new IllegalArgumentException(
          "--global-crop-size " + augment.globalCropSize()
              + " is not a multiple of the patch size " + p);
    }
    if (augment.localCropsNumber() > 0 && augment.localCropSize() % p != 0) {
      throw new IllegalArgumentException(
          "--local-crop-size " + augment.localCropSize()
              + " is not a multiple of the patch size " + p);
    }
    if (vit.imgSize() != augment.globalCropSize()) {
      throw new IllegalArgumentException(
          "the backbone's training resolution " + vit.imgSize()
              + " must equal the global crop size " + augment.globalCropSize());
    }
  }

  /** The reference's defaults: ViT-S/16 at 224 px, K = 65536, 2 x 224 + 8 x 96 crops. */
  public static DinoConfig defaults() {
    return new DinoConfig(
        VitConfig.preset("vit_small", 16, 224, 0.1),
        HeadConfig.defaults(),
        AugmentConfig.imagenet(),
        TrainConfig.defaults());
  }

  /** A named preset; {@code fmnist-small} is exactly {@code shared/bench/fmnist-small.json}. */
  public static DinoConfig preset(String name) {
    String file = "/presets/" + name.toLowerCase(Locale.ROOT) + ".json";
    try (InputStream in = DinoConfig.class.getResourceAsStream(file)) {
      if (in == null) {
        throw new BadInputException("unknown preset '" + name + "': expected fmnist-small");
      }
      return fromBenchJson(Json.MAPPER.readTree(in));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read preset " + name, e);
    }
  }

  /** Reads the benchmark description format of {@code shared/bench/*.json}. */
  static DinoConfig fromBenchJson(JsonNode j) {
    JsonNode m = j.get("model");
    JsonNode h = j.get("head");
    JsonNode a = j.get("augmentation");
    JsonNode t = j.get("training");
    if (m.get("drop_path_rate_teacher").asDouble() != 0 || h.get("use_bn").asBoolean()
        || !m.get("qkv_bias").asBoolean() || m.get("layernorm_eps").asDouble() != 1e-6
        || !t.get("precision").asText().equals("fp32") || !a.get("crop_interpolation").asText().equals("bicubic")
        || t.get("adamw_betas").get(0).asDouble() != 0.9 || t.get("adamw_betas").get(1).asDouble() != 0.999
        || t.get("adamw_eps").asDouble() != 1e-8 || !t.get("drop_last").asBoolean()
        || !t.get("shuffle").asBoolean() || a.get("global_crops").get("number").asInt() != 2
        || a.get("solarization_threshold").asInt() != 128) {
      throw new IllegalStateException("preset uses a setting jdino fixes differently");
    }
    VitConfig vit = new VitConfig(m.get("img_size").asInt(), m.get("patch_size").asInt(),
        m.get("embed_dim").asInt(), m.get("depth").asInt(), m.get("num_heads").asInt(),
        m.get("mlp_ratio").asDouble(), true, m.get("drop_path_rate_student").asDouble());
    HeadConfig head = new HeadConfig(h.get("out_dim").asInt(), h.get("hidden_dim").asInt(),
        h.get("bottleneck_dim").asInt(), h.get("nlayers").asInt(), h.get("norm_last_layer").asBoolean());
    JsonNode g = a.get("global_crops");
    JsonNode l = a.get("local_crops");
    JsonNode cj = a.get("color_jitter");
    JsonNode bl = a.get("gaussian_blur");
    AugmentConfig aug = new AugmentConfig(
        g.get("size").asInt(), g.get("scale").get(0).asDouble(), g.get("scale").get(1).asDouble(),
        l.get("number").asInt(), l.get("size").asInt(), l.get("scale").get(0).asDouble(),
        l.get("scale").get(1).asDouble(), a.get("crop_ratio").get(0).asDouble(),
        a.get("crop_ratio").get(1).asDouble(), a.get("hflip_p").asDouble(), cj.get("p").asDouble(),
        cj.get("brightness").asDouble(), cj.get("contrast").asDouble(),
        cj.get("saturation").asDouble(), cj.get("hue").asDouble(), a.get("grayscale_p").asDouble(),
        bl.get("p_global1").asDouble(), bl.get("p_global2").asDouble(), bl.get("p_local").asDouble(),
        bl.get("sigma_min").asDouble(), bl.get("sigma_max").asDouble(),
        a.get("solarization_p_global2").asDouble(), floats(a.get("normalize_mean")),
        floats(a.get("normalize_std")));
    TrainConfig train = new TrainConfig(t.get("epochs").asInt(), t.get("batch_size").asInt(),
        t.get("lr").asDouble(), t.get("min_lr").asDouble(), t.get("warmup_epochs").asInt(),
        t.get("weight_decay").asDouble(), t.get("weight_decay_end").asDouble(),
        t.get("momentum_teacher").asDouble(), t.get("teacher_temp").asDouble(),
        t.get("warmup_teacher_temp").asDouble(), t.get("warmup_teacher_temp_epochs").asInt(),
        t.get("student_temp").asDouble(), t.get("center_momentum").asDouble(),
        t.get("clip_grad").asDouble(), t.get("freeze_last_layer").asInt(), t.get("seed").asLong());
    return new DinoConfig(vit, head, aug, train);
  }

  private static float[] floats(JsonNode n) {
    float[] f = new float[n.size()];
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) n.get(i).asDouble();
    }
    return f;
  }

  /** Every setting under its command-line flag name. */
  public Map<String, Object> toFlags() {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("--patch-size", vit.patchSize());
    f.put("--embed-dim", vit.embedDim());
    f.put("--depth", vit.depth());
    f.put("--num-heads", vit.numHeads());
    f.put("--mlp-ratio", vit.mlpRatio());
    f.put("--drop-path-rate", vit.dropPathRate());
    f.put("--out-dim", head.outDim());
    f.put("--hidden-dim", head.hiddenDim());
    f.put("--bottleneck-dim", head.bottleneckDim());
    f.put("--head-nlayers", head.nlayers());
    f.put("--norm-last-layer", head.normLastLayer());
    f.put("--global-crop-size", augment.globalCropSize());
    f.put("--global-crops-scale", new double[] {augment.globalScaleMin(), augment.globalScaleMax()});
    f.put("--local-crops-number", augment.localCropsNumber());
    f.put("--local-crop-size", augment.localCropSize());
    f.put("--local-crops-scale", new double[] {augment.localScaleMin(), augment.localScaleMax()});
    f.put("--crop-ratio", new double[] {augment.ratioMin(), augment.ratioMax()});
    f.put("--hflip-p", augment.hflipP());
    f.put("--color-jitter-p", augment.colorJitterP());
    f.put("--brightness", augment.brightness());
    f.put("--contrast", augment.contrast());
    f.put("--saturation", augment.saturation());
    f.put("--hue", augment.hue());
    f.put("--grayscale-p", augment.grayscaleP());
    f.put("--blur-p", new double[] {augment.blurPGlobal1(), augment.blurPGlobal2(), augment.blurPLocal()});
    f.put("--blur-sigma", new double[] {augment.blurSigmaMin(), augment.blurSigmaMax()});
    f.put("--solarization-p", augment.solarizeP());
    f.put("--normalize-mean", toDoubles(augment.mean()));
    f.put("--normalize-std", toDoubles(augment.std()));
    f.put("--epochs", train.epochs());
    f.put("--batch-size", train.batchSize());
    f.put("--lr", train.lr());
    f.put("--min-lr", train.minLr());
    f.put("--warmup-epochs", train.warmupEpochs());
    f.put("--weight-decay", train.weightDecay());
    f.put("--weight-decay-end", train.weightDecayEnd());
    f.put("--momentum-teacher", train.momentumTeacher());
    f.put("--teacher-temp", train.teacherTemp());
    f.put("--warmup-teacher-temp", train.warmupTeacherTemp());
    f.put("--warmup-teacher-temp-epochs", train.warmupTeacherTempEpochs());
    f.put("--student-temp", train.studentTemp());
    f.put("--center-momentum", train.centerMomentum());
    f.put("--clip-grad", train.clipGrad());
    f.put("--freeze-last-layer", train.freezeLastLayer());
    f.put("--seed", train.seed());
    return f;
  }

  /**
   * This configuration with some settings replaced, keyed by flag name. {@code --arch} sets
   * embed dim, depth and heads first, so {@code --arch vit_small --depth 6} means ViT-S with 6
   * blocks. Unknown keys are an error.
   */
  public DinoConfig withFlags(Map<String, Object> overrides) {
    Map<String, Object> f = toFlags();
    Object arch = overrides.get("--arch");
    if (arch != null) {
      VitConfig a = VitConfig.preset(arch.toString(), vit.patchSize(), vit.imgSize(), vit.dropPathRate());
      f.put("--embed-dim", a.embedDim());
      f.put("--depth", a.depth());
      f.put("--num-heads", a.numHeads());
      f.put("--mlp-ratio", a.mlpRatio());
    }
    for (Map.Entry<String, Object> e : overrides.entrySet()) {
      if (e.getKey().equals("--arch")) {
        continue;
      }
      if (!f.containsKey(e.getKey())) {
        throw new IllegalArgumentException("unknown setting " + e.getKey());
      }
      f.put(e.getKey(), e.getValue());
    }
    return fromFlags(f);
  }

  private static DinoConfig fromFlags(Map<String, Object> f) {
    int globalSize = i(f, "--global-crop-size");
    int patch = i(f, "--patch-size");
    if (patch >= 1 && globalSize % patch != 0) {
      throw new IllegalArgumentException(
          "--global-crop-size " + globalSize + " is not a multiple of the patch size " + patch);
    }
    VitConfig vit = new VitConfig(globalSize, i(f, "--patch-size"), i(f, "--embed-dim"),
        i(f, "--depth"), i(f, "--num-heads"), d(f, "--mlp-ratio"), true, d(f, "--drop-path-rate"));
    HeadConfig head = new HeadConfig(i(f, "--out-dim"), i(f, "--hidden-dim"),
        i(f, "--bottleneck-dim"), i(f, "--head-nlayers"), (Boolean) f.get("--norm-last-layer"));
    double[] gs = ds(f, "--global-crops-scale", 2);
    double[] ls = ds(f, "--local-crops-scale", 2);
    double[] ratio = ds(f, "--crop-ratio", 2);
    double[] blur = ds(f, "--blur-p", 3);
    double[] sigma = ds(f, "--blur-sigma", 2);
    AugmentConfig aug = new AugmentConfig(globalSize, gs[0], gs[1], i(f, "--local-crops-number"),
        i(f, "--local-crop-size"), ls[0], ls[1], ratio[0], ratio[1], d(f, "--hflip-p"),
        d(f, "--color-jitter-p"), d(f, "--brightness"), d(f, "--contrast"), d(f, "--saturation"),
        d(f, "--hue"), d(f, "--grayscale-p"), blur[0], blur[1], blur[2], sigma[0], sigma[1],
        d(f, "--solarization-p"), toFloats(ds(f, "--normalize-mean", 3)),
        toFloats(ds(f, "--normalize-std", 3)));
    TrainConfig train = new TrainConfig(i(f, "--epochs"), i(f, "--batch-size"), d(f, "--lr"),
        d(f, "--min-lr"), i(f, "--warmup-epochs"), d(f, "--weight-decay"),
        d(f, "--weight-decay-end"), d(f, "--momentum-teacher"), d(f, "--teacher-temp"),
        d(f, "--warmup-teacher-temp"), i(f, "--warmup-teacher-temp-epochs"),
        d(f, "--student-temp"), d(f, "--center-momentum"), d(f, "--clip-grad"),
        i(f, "--freeze-last-layer"), ((Number) f.get("--seed")).longValue());
    return new DinoConfig(vit, head, aug, train);
  }

  private static int i(Map<String, Object> f, String k) {
    return ((Number) f.get(k)).intValue();
  }

  private static double d(Map<String, Object> f, String k) {
    return ((Number) f.get(k)).doubleValue();
  }

  private static double[] ds(Map<String, Object> f, String k, int n) {
    Object v = f.get(k);
    double[] out;
    if (v instanceof double[] arr) {
      out = arr;
    } else if (v instanceof float[] arr) {
      out = toDoubles(arr);
    } else if (v instanceof java.util.List<?> list) {
      out = list.stream().mapToDouble(x -> ((Number) x).doubleValue()).toArray();
    } else {
      throw new IllegalArgumentException(k + " expects " + n + " numbers");
    }
    if (out.length != n) {
      throw new IllegalArgumentException(k + " expects " + n + " numbers, got " + out.length);
    }
    return out;
  }

  private static double[] toDoubles(float[] a) {
    double[] d = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      d[i] = a[i];
    }
    return d;
  }

  private static float[] toFloats(double[] a) {
    float[] f = new float[a.length];
    for (int i = 0; i < a.length; i++) {
      f[i] = (float) a[i];
    }
    return f;
  }

  /** The configuration as JSON (for args.json and checkpoints). */
  public JsonNode toJson() {
    return Json.MAPPER.valueToTree(this);
  }

  public static DinoConfig fromJson(JsonNode n) {
    try {
      return Json.MAPPER.treeToValue(n, DinoConfig.class);
    } catch (IOException | IllegalArgumentException e) {
      throw new BadInputException("configuration is not a jdino DINO configuration: " + e.getMessage());
    }
  }
}
