package dev.jdino.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jdino.io.BadInputException;
import dev.jdino.io.ConfigException;
import dev.jdino.io.Json;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class DinoConfigTest {

  /** The benchmark definition, in its own (official-argument) vocabulary. */
  private static JsonNode benchmark() throws Exception {
    try (InputStream in =
        DinoConfigTest.class.getResourceAsStream("/benchmarks/fmnist-small.json")) {
      return Json.MAPPER.readTree(in);
    }
  }

  @Test
  void fmnistSmallPresetIsTheBenchmarkDefinition() throws Exception {
    JsonNode j = benchmark();
    DinoConfig c = DinoConfig.preset("fmnist-small");
    JsonNode m = j.get("model");
    assertEquals(m.get("img_size").asInt(), c.vit().imgSize());
    assertEquals(m.get("patch_size").asInt(), c.vit().patchSize());
    assertEquals(m.get("embed_dim").asInt(), c.vit().embedDim());
    assertEquals(m.get("depth").asInt(), c.vit().depth());
    assertEquals(m.get("num_heads").asInt(), c.vit().numHeads());
    assertEquals(m.get("mlp_ratio").asDouble(), c.vit().mlpRatio());
    assertEquals(m.get("drop_path_rate_student").asDouble(), c.vit().dropPathRate());
    JsonNode h = j.get("head");
    assertEquals(h.get("out_dim").asInt(), c.head().outDim());
    assertEquals(h.get("hidden_dim").asInt(), c.head().hiddenDim());
    assertEquals(h.get("bottleneck_dim").asInt(), c.head().bottleneckDim());
    assertEquals(h.get("nlayers").asInt(), c.head().nlayers());
    assertEquals(h.get("norm_last_layer").asBoolean(), c.head().normLastLayer());
    JsonNode a = j.get("augmentation");
    var g = c.augment().globalCrops();
    var l = c.augment().localCrops();
    assertEquals(a.at("/global_crops/size").asInt(), g.size());
    assertEquals(a.at("/global_crops/scale/0").asDouble(), g.scale().min());
    assertEquals(a.at("/global_crops/scale/1").asDouble(), g.scale().max());
    assertEquals(a.at("/local_crops/number").asInt(), l.number());
    assertEquals(a.at("/local_crops/size").asInt(), l.size());
    assertEquals(a.at("/local_crops/scale/0").asDouble(), l.scale().min());
    assertEquals(a.at("/local_crops/scale/1").asDouble(), l.scale().max());
    assertEquals(a.at("/crop_ratio/0").asDouble(), c.augment().ratio().min());
    assertEquals(a.at("/crop_ratio/1").asDouble(), c.augment().ratio().max());
    assertEquals(a.at("/hflip_p").asDouble(), c.augment().hflipP());
    assertEquals(a.at("/color_jitter/p").asDouble(), c.augment().colorJitter().p());
    assertEquals(
        a.at("/color_jitter/brightness").asDouble(), c.augment().colorJitter().brightness());
    assertEquals(a.at("/color_jitter/hue").asDouble(), c.augment().colorJitter().hue());
    assertEquals(a.at("/grayscale_p").asDouble(), c.augment().grayscaleP());
    assertEquals(a.at("/gaussian_blur/p_global1").asDouble(), c.augment().blur().pGlobal1());
    assertEquals(a.at("/gaussian_blur/p_global2").asDouble(), c.augment().blur().pGlobal2());
    assertEquals(a.at("/gaussian_blur/p_local").asDouble(), c.augment().blur().pLocal());
    assertEquals(a.at("/gaussian_blur/sigma_max").asDouble(), c.augment().blur().sigma().max());
    assertEquals(a.at("/solarization_p_global2").asDouble(), c.augment().solarizeP());
    assertArrayEquals(new float[] {0.286f, 0.286f, 0.286f}, c.augment().normalize().mean());
    assertArrayEquals(new float[] {0.353f, 0.353f, 0.353f}, c.augment().normalize().std());
    JsonNode t = j.get("training");
    assertEquals(t.get("epochs").asDouble(), c.train().epochs());
    assertEquals(t.get("batch_size").asInt(), c.train().batchSize());
    assertEquals(t.get("lr").asDouble(), c.train().lr());
    assertEquals(t.get("min_lr").asDouble(), c.train().minLr());
    assertEquals(t.get("warmup_epochs").asDouble(), c.train().warmupEpochs());
    assertEquals(t.get("weight_decay").asDouble(), c.train().weightDecay());
    assertEquals(t.get("weight_decay_end").asDouble(), c.train().weightDecayEnd());
    assertEquals(t.get("momentum_teacher").asDouble(), c.train().momentumTeacher());
    assertEquals(t.get("clip_grad").asDouble(), c.train().clipGrad());
    assertEquals(t.get("freeze_last_layer").asDouble(), c.train().freezeLastLayer());
    assertEquals(t.get("seed").asLong(), c.train().seed());
    assertEquals(t.get("teacher_temp").asDouble(), c.loss().teacherTemp());
    assertEquals(t.get("warmup_teacher_temp").asDouble(), c.loss().warmupTeacherTemp());
    assertEquals(t.get("warmup_teacher_temp_epochs").asInt(), c.loss().warmupTeacherTempEpochs());
    assertEquals(t.get("student_temp").asDouble(), c.loss().studentTemp());
    assertEquals(t.get("center_momentum").asDouble(), c.loss().centerMomentum());
    assertEquals(LossConfig.Centering.EMA, c.loss().centering());
    assertEquals(0.0, c.loss().koleoWeight());
    assertEquals(0.00025, c.train().peakLr(), 1e-12);
  }

  @Test
  void jsonRoundTripsAndSettingsAreReplacedByPath() {
    DinoConfig c = DinoConfig.preset("fmnist-small");
    assertEquals(c, DinoConfig.fromJson(c.toJson()));
    assertEquals(c, c.with(Map.of()));
    DinoConfig d =
        c.with(
            Map.of(
                "vit.depth",
                2,
                "head.outDim",
                512,
                "augment.normalize.mean",
                new double[] {0.5, 0.4, 0.3},
                "loss.centering",
                "SINKHORN_KNOPP"));
    assertEquals(2, d.vit().depth());
    assertEquals(512, d.head().outDim());
    assertArrayEquals(new float[] {0.5f, 0.4f, 0.3f}, d.augment().normalize().mean());
    assertEquals(LossConfig.Centering.SINKHORN_KNOPP, d.loss().centering());
    assertNotEquals(c, d);
  }

  @Test
  void errorsNameTheSettingByItsPath() {
    DinoConfig c = DinoConfig.preset("fmnist-small");
    ConfigException e =
        assertThrows(ConfigException.class, () -> c.with(Map.of("augment.localCrops.size", 0)));
    assertEquals("augment.localCrops.size", e.setting());
    e = assertThrows(ConfigException.class, () -> c.with(Map.of("train.warmupEpochs", 4)));
    assertEquals("train.warmupEpochs", e.setting());
    assertTrue(e.getMessage().contains("longer than the run of 3 epochs"), e.getMessage());
    e = assertThrows(ConfigException.class, () -> c.with(Map.of("vit.patchSize", 5)));
    assertEquals("vit.imgSize", e.setting());
    e = assertThrows(ConfigException.class, () -> c.with(Map.of("train.nope", 1)));
    assertEquals("train.nope", e.setting());
  }

  @Test
  void nonFiniteValuesAreRefusedNamingTheSetting() {
    DinoConfig c = DinoConfig.preset("fmnist-small");
    for (String path :
        new String[] {
          "train.lr",
          "train.minLr",
          "train.warmupEpochs",
          "train.weightDecay",
          "train.weightDecayEnd",
          "train.clipGrad",
          "train.freezeLastLayer",
          "loss.studentTemp",
          "loss.teacherTemp",
          "loss.warmupTeacherTemp",
          "loss.koleoWeight",
          "vit.mlpRatio",
          "augment.colorJitter.brightness",
          "augment.colorJitter.contrast",
          "augment.colorJitter.saturation"
        }) {
      for (double v : new double[] {Double.POSITIVE_INFINITY, Double.NaN}) {
        ConfigException e = assertThrows(ConfigException.class, () -> c.with(Map.of(path, v)));
        assertEquals(path, e.setting(), path + " " + v);
        assertTrue(e.getMessage().endsWith("got " + v), e.getMessage());
        assertTrue(e.getMessage().contains("finite number"), e.getMessage());
      }
    }
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () ->
                c.with(
                    Map.of(
                        "augment.normalize.std", new double[] {1, Double.POSITIVE_INFINITY, 1})));
    assertEquals("augment.normalize.std", e.setting());
    assertEquals(
        "normalisation std values must be finite numbers > 0, got Infinity", e.getMessage());
    e =
        assertThrows(
            ConfigException.class,
            () -> c.with(Map.of("augment.normalize.mean", new double[] {Double.NaN, 0, 0})));
    assertEquals("augment.normalize.mean", e.setting());
    assertEquals("normalisation mean values must be finite, got NaN", e.getMessage());
  }

  @Test
  void theLongestRunIsSaidAsAnUpperBound() {
    DinoConfig c = DinoConfig.preset("fmnist-small");
    for (double epochs : new double[] {3e7, 1e12, Double.POSITIVE_INFINITY}) {
      ConfigException e =
          assertThrows(ConfigException.class, () -> c.with(Map.of("train.epochs", epochs)));
      assertEquals("train.epochs", e.setting());
      assertEquals(
          "the run can last at most 1000000 epochs, got " + TrainConfig.fmt(epochs),
          e.getMessage());
    }
    ConfigException e =
        assertThrows(ConfigException.class, () -> c.with(Map.of("train.epochs", 0)));
    assertEquals("the run must last more than 0 epochs, got 0.0", e.getMessage());
  }

  @Test
  void defaultsAreTheReference() {
    DinoConfig d = DinoConfig.defaults();
    assertEquals(d, DinoConfig.preset("reference"));
    assertEquals(384, d.vit().embedDim());
    assertEquals(16, d.vit().patchSize());
    assertEquals(65536, d.head().outDim());
    assertEquals(8, d.augment().localCropsNumber());
    assertEquals(96, d.augment().localCropSize());
    assertEquals(0.05, d.augment().localCrops().scale().min());
    assertEquals(100, d.train().epochs());
    assertEquals(0.996, d.train().momentumTeacher());
  }

  @Test
  void versionOneConfigurationsAreMigrated() throws Exception {
    // What jdino 0.1 wrote into args.json and checkpoints for fmnist-small.
    ObjectNode v1 =
        (ObjectNode)
            Json.parse(
                "{\"vit\":{\"imgSize\":28,\"patchSize\":4,"
                    + "\"embedDim\":128,\"depth\":4,\"numHeads\":4,\"mlpRatio\":4.0,\"qkvBias\":true,"
                    + "\"dropPathRate\":0.1},\"head\":{\"outDim\":4096,\"hiddenDim\":1024,"
                    + "\"bottleneckDim\":256,\"nlayers\":3,\"normLastLayer\":true},\"augment\":{"
                    + "\"globalCropSize\":28,\"globalScaleMin\":0.4,\"globalScaleMax\":1.0,"
                    + "\"localCropsNumber\":4,\"localCropSize\":12,\"localScaleMin\":0.1,"
                    + "\"localScaleMax\":0.4,\"ratioMin\":0.75,\"ratioMax\":1.3333333333333333,"
                    + "\"hflipP\":0.5,\"colorJitterP\":0.8,\"brightness\":0.4,\"contrast\":0.4,"
                    + "\"saturation\":0.2,\"hue\":0.1,\"grayscaleP\":0.2,\"blurPGlobal1\":1.0,"
                    + "\"blurPGlobal2\":0.1,\"blurPLocal\":0.5,\"blurSigmaMin\":0.1,\"blurSigmaMax\":1.0,"
                    + "\"solarizeP\":0.2,\"mean\":[0.286,0.286,0.286],\"std\":[0.353,0.353,0.353]},"
                    + "\"train\":{\"epochs\":3,\"batchSize\":128,\"lr\":5.0E-4,\"minLr\":1.0E-6,"
                    + "\"warmupEpochs\":1,\"weightDecay\":0.04,\"weightDecayEnd\":0.4,"
                    + "\"momentumTeacher\":0.996,\"teacherTemp\":0.04,\"warmupTeacherTemp\":0.04,"
                    + "\"warmupTeacherTempEpochs\":0,\"studentTemp\":0.1,\"centerMomentum\":0.9,"
                    + "\"clipGrad\":3.0,\"freezeLastLayer\":1,\"seed\":0}}");
    assertEquals(DinoConfig.preset("fmnist-small"), DinoConfig.fromJson(v1));
  }

  @Test
  void versionTwoConfigurationsEndTheTeacherMomentumAtOne() {
    // Version 2 had no final momentum: the official cosine to 1 was the only schedule.
    ObjectNode v2 = DinoConfig.preset("fmnist-fast").toJson();
    v2.put("version", 2);
    ((ObjectNode) v2.get("train")).remove("momentumTeacherEnd");
    DinoConfig read = DinoConfig.fromJson(v2);
    assertEquals(1.0, read.train().momentumTeacherEnd());
    assertEquals(DinoConfig.preset("fmnist-fast"), read);
  }

  @Test
  void aSettingMissingFromACurrentFileIsAnError() {
    ObjectNode v3 = DinoConfig.preset("fmnist-fast").toJson();
    ((ObjectNode) v3.get("train")).remove("momentumTeacherEnd");
    BadInputException e = assertThrows(BadInputException.class, () -> DinoConfig.fromJson(v3));
    assertTrue(e.getMessage().contains("momentumTeacherEnd"), e.getMessage());
  }

  /**
   * tools/reference-batch8.json is the official harness's input for BENCHMARKS.md's ViT-S/16 side
   * by side: it must be the defaults (what {@code --preset reference} runs) at batch 8, spelled out
   * with every setting the harness reads (the ones the fmnist-small preset gives it).
   */
  @Test
  void referenceBatch8IsTheDefaultsAtBatch8() throws Exception {
    JsonNode file = Json.MAPPER.readTree(Files.readString(Path.of("tools/reference-batch8.json")));
    JsonNode settings = file.get("config");
    DinoConfig read =
        DinoConfig.fromJson(DinoConfig.merge(DinoConfig.defaults().toJson(), settings));
    assertEquals(DinoConfig.defaults().with(Map.of("train.batchSize", 8)), read);
    try (InputStream in = DinoConfigTest.class.getResourceAsStream("/presets/fmnist-small.json")) {
      assertEquals(
          settingNames(Json.MAPPER.readTree(in).get("config"), ""), settingNames(settings, ""));
    }
  }

  private static TreeSet<String> settingNames(JsonNode n, String prefix) {
    TreeSet<String> names = new TreeSet<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      names.add(prefix + e.getKey());
      if (e.getValue().isObject()) {
        names.addAll(settingNames(e.getValue(), prefix + e.getKey() + "."));
      }
    }
    return names;
  }
}
