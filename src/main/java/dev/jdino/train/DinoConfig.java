package dev.jdino.train;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jdino.augment.AugmentConfig;
import dev.jdino.io.BadInputException;
import dev.jdino.io.ConfigException;
import dev.jdino.io.Json;
import dev.jdino.model.HeadConfig;
import dev.jdino.model.VitConfig;
import java.io.IOException;
import java.io.InputStream;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Everything that defines a DINO run's mathematics: backbone, head, augmentation, loss,
 * optimisation. Written by Jackson into {@code args.json} and into every checkpoint, and read back
 * from them; two runs compute the same thing exactly when their configurations are equal.
 *
 * <p>Settings are addressed by their path in that JSON ({@code train.lr}, {@code
 * augment.localCrops.size}): {@link #with(Map)} replaces some, and every record validates itself
 * when built, so a configuration that exists is one that can run.
 */
public record DinoConfig(
    VitConfig vit, HeadConfig head, AugmentConfig augment, LossConfig loss, TrainConfig train) {

  /**
   * The format of {@link #toJson()}. Older ones are migrated on reading: version 1 (jdino 0.1) had
   * a flat augmentation; version 2 had no final teacher momentum (it was 1, as in the official
   * code).
   */
  public static final int VERSION = 3;

  /** The presets shipped in {@code src/main/resources/presets}. */
  public static final List<String> PRESETS =
      List.of("fmnist-fast", "folder-fast", "fmnist-small", "reference");

  public DinoConfig {
    int p = vit.patchSize();
    if (augment.globalCropSize() % p != 0) {
      throw new ConfigException(
          "augment.globalCrops.size",
          "the global crop size "
              + augment.globalCropSize()
              + " is not a multiple of the patch size "
              + p);
    }
    if (augment.localCropsNumber() > 0 && augment.localCropSize() % p != 0) {
      throw new ConfigException(
          "augment.localCrops.size",
          "the local crop size "
              + augment.localCropSize()
              + " is not a multiple of the patch size "
              + p);
    }
    if (vit.imgSize() != augment.globalCropSize()) {
      throw new ConfigException(
          "vit.imgSize",
          "the backbone's training resolution "
              + vit.imgSize()
              + " must equal the global crop size "
              + augment.globalCropSize());
    }
    if (loss.warmupTeacherTempEpochs() > Math.ceil(train.epochs())) {
      throw new ConfigException(
          "loss.warmupTeacherTempEpochs",
          "the teacher-temperature warm-up of "
              + loss.warmupTeacherTempEpochs()
              + " epochs is longer than the run of "
              + TrainConfig.fmt(train.epochs())
              + " epochs",
          "train.epochs");
    }
  }

  /** The official main_dino.py defaults: ViT-S/16 at 224 px, K = 65536, 2 x 224 + 8 x 96 crops. */
  public static DinoConfig defaults() {
    return new DinoConfig(
        VitConfig.preset("vit_small", 16, 224, 0.1),
        HeadConfig.defaults(),
        AugmentConfig.imagenet(),
        LossConfig.defaults(),
        TrainConfig.defaults());
  }

  /**
   * A named preset: the settings in {@code presets/<name>.json} over {@link #defaults()}. {@code
   * fmnist-small} is the benchmark configuration that jdino and the official code are compared on;
   * {@code reference} is the defaults themselves.
   */
  public static DinoConfig preset(String name) {
    String file = "/presets/" + name.toLowerCase(Locale.ROOT) + ".json";
    try (InputStream in = DinoConfig.class.getResourceAsStream(file)) {
      if (in == null) {
        throw new BadInputException(
            "unknown preset '" + name + "': expected one of " + String.join(", ", PRESETS));
      }
      JsonNode settings = Json.MAPPER.readTree(in).path("config");
      return fromJson(merge(defaults().toJson(), settings));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read preset " + name, e);
    }
  }

  /** The configuration as JSON (for args.json and checkpoints), with its format version. */
  public ObjectNode toJson() {
    ObjectNode n = Json.MAPPER.valueToTree(this);
    n.put("version", VERSION);
    return n;
  }

  /**
   * Reads {@link #toJson()}'s output, or the version-1 layout of earlier jdino runs.
   *
   * @throws ConfigException if a value cannot work ({@link ConfigException#setting()} is its full
   *     path)
   * @throws BadInputException if the JSON is not a jdino configuration
   */
  public static DinoConfig fromJson(JsonNode n) {
    if (!(n instanceof ObjectNode)) {
      throw new BadInputException("not a jdino DINO configuration: expected a JSON object");
    }
    int version = n.path("version").asInt(1);
    ObjectNode copy = version < 2 ? migrateV1(n) : n.deepCopy();
    if (version < 3 && copy.path("train") instanceof ObjectNode train) {
      train.put("momentumTeacherEnd", 1.0);
    }
    copy.remove("version");
    try {
      // A setting missing from a file is an error, never a silent 0.
      return Json.MAPPER
          .readerFor(DinoConfig.class)
          .with(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
          .readValue(copy);
    } catch (JsonMappingException e) {
      ConfigException invalid = configCause(e);
      if (invalid != null) {
        throw new ConfigException(
            path(e, invalid.setting()),
            invalid.getMessage(),
            invalid.related().stream().map(r -> path(e, r)).toArray(String[]::new));
      }
      throw new BadInputException(
          "not a jdino DINO configuration: " + Json.firstLine(e.getOriginalMessage()));
    } catch (IOException e) {
      throw new BadInputException("not a jdino DINO configuration: " + e.getMessage());
    }
  }

  /**
   * This configuration with settings replaced, keyed by their JSON path ({@code "train.lr"}).
   * Values are numbers, booleans, strings, arrays of numbers, or enum constants.
   *
   * @throws ConfigException if the result cannot work, or a path names no setting
   */
  public DinoConfig with(Map<String, ?> valuesByPath) {
    ObjectNode tree = toJson();
    for (Map.Entry<String, ?> e : valuesByPath.entrySet()) {
      String[] parts = e.getKey().split("\\.");
      JsonNode parent = tree;
      for (int i = 0; i < parts.length - 1; i++) {
        parent = parent.path(parts[i]);
      }
      String leaf = parts[parts.length - 1];
      if (!(parent instanceof ObjectNode obj) || !obj.has(leaf)) {
        throw new ConfigException(e.getKey(), "no such setting: " + e.getKey());
      }
      obj.set(leaf, Json.MAPPER.valueToTree(e.getValue()));
    }
    return fromJson(tree);
  }

  /** The same mathematics for {@code n} epochs (what a resumed run may change). */
  public DinoConfig withEpochs(double n) {
    return new DinoConfig(vit, head, augment, loss, train.withEpochs(n));
  }

  /** {@code base} with every field present in {@code over} replaced, recursively. */
  static ObjectNode merge(ObjectNode base, JsonNode over) {
    Iterator<Map.Entry<String, JsonNode>> it = over.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode b = base.get(e.getKey());
      if (b instanceof ObjectNode bo && e.getValue().isObject()) {
        merge(bo, e.getValue());
      } else {
        base.set(e.getKey(), e.getValue());
      }
    }
    return base;
  }

  private static ConfigException configCause(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof ConfigException ce) {
        return ce;
      }
    }
    return null;
  }

  /** The full path of {@code setting}, relative to the record Jackson was building. */
  private static String path(JsonMappingException e, String setting) {
    StringBuilder sb = new StringBuilder();
    for (JsonMappingException.Reference r : e.getPath()) {
      if (r.getFieldName() != null) {
        sb.append(r.getFieldName()).append('.');
      }
    }
    return sb + setting;
  }

  /**
   * jdino 0.1 wrote a flat augmentation (globalCropSize, blurPGlobal1, mean, ...) and kept the loss
   * settings in {@code train}; version 2 nests them.
   */
  static ObjectNode migrateV1(JsonNode v1) {
    ObjectNode out = Json.object();
    out.set("vit", v1.path("vit").deepCopy());
    out.set("head", v1.path("head").deepCopy());
    JsonNode a = v1.path("augment");
    ObjectNode aug = out.putObject("augment");
    aug.set(
        "globalCrops",
        crops(2, a.path("globalCropSize"), a.path("globalScaleMin"), a.path("globalScaleMax")));
    aug.set(
        "localCrops",
        crops(
            a.path("localCropsNumber").asInt(),
            a.path("localCropSize"),
            a.path("localScaleMin"),
            a.path("localScaleMax")));
    aug.set("ratio", range(a.path("ratioMin"), a.path("ratioMax")));
    aug.set("hflipP", a.path("hflipP"));
    ObjectNode cj = aug.putObject("colorJitter");
    cj.set("p", a.path("colorJitterP"));
    copy(a, cj, "brightness", "contrast", "saturation", "hue");
    aug.set("grayscaleP", a.path("grayscaleP"));
    ObjectNode blur = aug.putObject("blur");
    blur.set("pGlobal1", a.path("blurPGlobal1"));
    blur.set("pGlobal2", a.path("blurPGlobal2"));
    blur.set("pLocal", a.path("blurPLocal"));
    blur.set("sigma", range(a.path("blurSigmaMin"), a.path("blurSigmaMax")));
    aug.set("solarizeP", a.path("solarizeP"));
    ObjectNode norm = aug.putObject("normalize");
    norm.set("mean", a.path("mean"));
    norm.set("std", a.path("std"));
    JsonNode t = v1.path("train");
    ObjectNode loss = out.putObject("loss");
    copy(
        t,
        loss,
        "studentTemp",
        "teacherTemp",
        "warmupTeacherTemp",
        "warmupTeacherTempEpochs",
        "centerMomentum");
    loss.put("centering", LossConfig.Centering.EMA.name());
    loss.put("koleoWeight", 0.0);
    copy(
        t,
        out.putObject("train"),
        "epochs",
        "batchSize",
        "lr",
        "minLr",
        "warmupEpochs",
        "weightDecay",
        "weightDecayEnd",
        "momentumTeacher",
        "clipGrad",
        "freezeLastLayer",
        "seed");
    return out;
  }

  /** The named fields of {@code from}, unchanged, into {@code to}. */
  private static void copy(JsonNode from, ObjectNode to, String... keys) {
    for (String k : keys) {
      to.set(k, from.path(k));
    }
  }

  private static ObjectNode crops(int number, JsonNode size, JsonNode min, JsonNode max) {
    ObjectNode c = Json.object();
    c.put("number", number);
    c.set("size", size);
    c.set("scale", range(min, max));
    return c;
  }

  private static ObjectNode range(JsonNode min, JsonNode max) {
    ObjectNode r = Json.object();
    r.set("min", min);
    r.set("max", max);
    return r;
  }
}
