package dev.jdino.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jdino.io.BadInputException;
import dev.jdino.io.Json;
import dev.jdino.io.pth.DType;
import dev.jdino.io.pth.PthWriter;
import dev.jdino.io.pth.PyDict;
import dev.jdino.testing.Fixtures;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Layouts, architecture and heads, on torch-written fixtures and on hand-made variants. */
class CheckpointLayoutTest {
  @TempDir Path tmp;

  private static WeightFile fixture(String name) {
    return WeightFile.open(Fixtures.path("pth/" + name));
  }

  /** The fixture ViT's tensors (depth 2, dim 16, patch 4, 16 px, MLP 64) as shapes. */
  static Map<String, long[]> vitShapes(String prefix) {
    Map<String, long[]> m = new LinkedHashMap<>();
    m.put(prefix + "cls_token", new long[] {1, 1, 16});
    m.put(prefix + "pos_embed", new long[] {1, 17, 16});
    m.put(prefix + "patch_embed.proj.weight", new long[] {16, 3, 4, 4});
    m.put(prefix + "patch_embed.proj.bias", new long[] {16});
    for (int b = 0; b < 2; b++) {
      String p = prefix + "blocks." + b + ".";
      for (String norm : new String[] {"norm1", "norm2"}) {
        m.put(p + norm + ".weight", new long[] {16});
        m.put(p + norm + ".bias", new long[] {16});
      }
      m.put(p + "attn.qkv.weight", new long[] {48, 16});
      m.put(p + "attn.qkv.bias", new long[] {48});
      m.put(p + "attn.proj.weight", new long[] {16, 16});
      m.put(p + "attn.proj.bias", new long[] {16});
      m.put(p + "mlp.fc1.weight", new long[] {64, 16});
      m.put(p + "mlp.fc1.bias", new long[] {64});
      m.put(p + "mlp.fc2.weight", new long[] {16, 64});
      m.put(p + "mlp.fc2.bias", new long[] {16});
    }
    m.put(prefix + "norm.weight", new long[] {16});
    m.put(prefix + "norm.bias", new long[] {16});
    return m;
  }

  /** A .pth of zero-valued tensors with these names and shapes, in one flat state dict. */
  Path write(String name, Map<String, long[]> shapes) throws Exception {
    PyDict d = new PyDict(true);
    shapes.forEach((k, s) -> d.put(k, zeros(s)));
    Path f = tmp.resolve(name);
    PthWriter.write(f, d);
    return f;
  }

  static PthWriter.Tensor zeros(long[] shape) {
    long n = 1;
    for (long x : shape) {
      n *= x;
    }
    int bytes = (int) n * 4;
    return new PthWriter.Tensor(DType.FLOAT32, shape, () -> new byte[bytes]);
  }

  @Test
  void theReleasedLayoutIsAFlatBackbone() {
    WeightFile f = fixture("vit_flat.pth");
    CheckpointLayout l = CheckpointLayout.of(f, "teacher");
    assertEquals(CheckpointLayout.Kind.BACKBONE, l.kind());
    assertEquals("", l.backbonePrefix());
    assertNull(l.key(), "a flat file holds one network");
    assertEquals(30, l.backbone().size());
    assertEquals("blocks.1.mlp.fc2.bias", l.backbone().get("blocks.1.mlp.fc2.bias"));
    assertFalse(l.hasHead());
    assertEquals(new VitShape(16, 4, 16, 2, 64, true), VitShape.of(f, l));
  }

  @Test
  void theOfficialFullCheckpointHasBothNetworksAndTheirHeads() {
    WeightFile f = fixture("vit_full.pth");
    CheckpointLayout t = CheckpointLayout.of(f, "teacher");
    assertEquals(CheckpointLayout.Kind.DINO_CHECKPOINT, t.kind());
    assertEquals("teacher", t.key());
    assertEquals("teacher.backbone.", t.backbonePrefix());
    assertEquals("teacher.head.", t.headPrefix());
    assertEquals("teacher.head.last_layer.weight_v", t.head().get("last_layer.weight_v"));
    assertEquals(8, t.head().size());
    CheckpointLayout s = CheckpointLayout.of(f, "student");
    assertEquals("student.module.backbone.", s.backbonePrefix());
    assertEquals("student.module.head.", s.headPrefix());
    assertEquals("student.module.backbone.cls_token", s.backbone().get("cls_token"));
    assertEquals(30, s.backbone().size());
    // What is not a network is data: epoch, args, the loss centre and the optimizer.
    assertEquals(3, f.data().path("epoch").asInt());
    assertEquals("vit_custom", f.data().path("args").path("arch").asText());
    assertTrue(f.contains("dino_loss.center"));
    assertTrue(f.contains("optimizer.state.0.exp_avg"));
    assertEquals(
        0.9,
        f.data().path("optimizer").path("param_groups").get(0).path("betas").get(0).asDouble());
  }

  @Test
  void timmsCheckpointIsUnwrappedAndItsClassifierLeftOut() {
    WeightFile f = fixture("vit_timm.pth");
    CheckpointLayout l = CheckpointLayout.of(f, "teacher");
    assertEquals(CheckpointLayout.Kind.TIMM_CHECKPOINT, l.kind());
    assertEquals("state_dict.", l.backbonePrefix());
    assertEquals(30, l.backbone().size());
    assertEquals(
        List.of(
            "state_dict.head.weight, state_dict.head.bias: a classifier of 10 classes"
                + " on top of the backbone, not part of DINO; left out"),
        l.notes());
    assertEquals(
        VitShape.of(
            fixture("vit_flat.pth"), CheckpointLayout.of(fixture("vit_flat.pth"), "teacher")),
        VitShape.of(f, l));
  }

  @Test
  void headsComeFromArgsOrMustBeGiven() {
    WeightFile full = fixture("vit_full.pth");
    VitShape s = VitShape.of(full, CheckpointLayout.of(full, "teacher"));
    Heads h = Heads.resolve(full, s, null);
    assertEquals(2, h.numHeads());
    assertEquals("the checkpoint's args.num_heads", h.source());
    BadInputException contra =
        assertThrows(BadInputException.class, () -> Heads.resolve(full, s, 4));
    assertTrue(contra.getMessage().startsWith("--num-heads 4 contradicts "), contra.getMessage());

    WeightFile flat = fixture("vit_flat.pth");
    BadInputException unknown =
        assertThrows(BadInputException.class, () -> Heads.resolve(flat, s, null));
    assertTrue(
        unknown
            .getMessage()
            .contains(
                "cannot tell the number of attention heads of this ViT (embed dim 16, 2 blocks is"
                    + " not a released DINO model and the file records none): give it with"
                    + " --num-heads N"),
        unknown.getMessage());
    assertEquals(4, Heads.resolve(flat, s, 4).numHeads());
    BadInputException divisor =
        assertThrows(BadInputException.class, () -> Heads.resolve(flat, s, 3));
    assertTrue(
        divisor
            .getMessage()
            .startsWith("--num-heads 3: expected a divisor of the embed" + " dim 16"),
        divisor.getMessage());
  }

  @Test
  void theReleasedModelsHeadsFollowFromTheirShapes() throws Exception {
    Path p = Path.of("dino_deitsmall16_pretrain.pth");
    VitShape vitS = new VitShape(224, 16, 384, 12, 1536, true);
    VitShape vitB = new VitShape(224, 8, 768, 12, 3072, true);
    JsonNode none = Json.object();
    assertEquals(6, Heads.from(none, vitS, p).orElseThrow().numHeads());
    assertEquals(12, Heads.from(none, vitB, p).orElseThrow().numHeads());
    assertEquals(
        3, Heads.from(none, new VitShape(224, 16, 192, 12, 768, true), p).orElseThrow().numHeads());
    assertFalse(Heads.from(none, vitS, p).orElseThrow().recorded(), "a shape only suggests");
    // Not the released shapes: 384 wide but 6 blocks, or another MLP ratio.
    assertEquals(Optional.empty(), Heads.from(none, new VitShape(224, 16, 384, 6, 1536, true), p));
    assertEquals(Optional.empty(), Heads.from(none, new VitShape(224, 16, 384, 12, 768, true), p));
    // main_dino.py's args name the architecture; timm's name the model.
    JsonNode args = Json.parse("{\"args\": {\"arch\": \"vit_small\"}}");
    Heads fromArgs = Heads.from(args, new VitShape(224, 16, 384, 6, 1536, true), p).orElseThrow();
    assertEquals(6, fromArgs.numHeads());
    assertEquals("the checkpoint's args.arch (vit_small)", fromArgs.source());
    JsonNode timm = Json.parse("{\"args\": {\"model\": \"vit_base_patch16_224.dino\"}}");
    assertEquals(12, Heads.from(timm, vitB, p).orElseThrow().numHeads());
    BadInputException wrong =
        assertThrows(
            BadInputException.class,
            () -> Heads.from(Json.parse("{\"args\": {\"arch\": \"vit_base\"}}"), vitS, p));
    assertEquals(
        "dino_deitsmall16_pretrain.pth: args.arch is vit_base (embed dim 768) but the"
            + " weights have embed dim 384",
        wrong.getMessage());
    // An explicit number overrides a shape's suggestion (a custom 384-wide ViT).
    WeightFile any = fixture("vit_flat.pth");
    assertEquals(8, Heads.resolve(any, vitS, 8).numHeads());
  }

  @Test
  void theHeadShapeAndItsNormComeFromTheFile() {
    WeightFile f = fixture("vit_full.pth");
    HeadShape h = HeadShape.of(f, CheckpointLayout.of(f, "teacher"));
    assertEquals(new HeadShape(16, 20, 24, 12, 3, false, "args.norm_last_layer"), h);
  }

  @Test
  void otherViTsAreRefusedByWhatTheyHave() throws Exception {
    String[][] cases = {
      {"fc_norm.weight", "a timm ViT that pools with fc_norm"},
      {"reg_token", "register tokens (a DINOv2-style ViT)"},
      {"mask_token", "a mask token (an iBOT or DINOv2 ViT)"},
      {"blocks.0.ls1.gamma", "LayerScale"},
      {"blocks.1.attn.q_norm.weight", "normalisation inside attention"},
      {"norm_pre.weight", "a norm before the blocks"},
      {"dist_token", "a distillation token"},
      {"blocks.0.attn.relative_position_bias", "not a parameter of DINO's ViT"},
    };
    for (String[] c : cases) {
      Map<String, long[]> shapes = vitShapes("");
      shapes.put(c[0], new long[] {16});
      Path file = write(c[0] + ".pth", shapes);
      BadInputException e =
          assertThrows(
              BadInputException.class,
              () -> CheckpointLayout.of(WeightFile.open(file), "teacher"),
              c[0]);
      assertEquals(
          file + ": tensor " + c[0] + " is ",
          e.getMessage().substring(0, (file + ": tensor " + c[0] + " is ").length()));
      assertTrue(e.getMessage().contains(c[1]), e.getMessage());
    }
  }

  @Test
  void aPositionEmbeddingWithoutTheClassSlotIsNamed() throws Exception {
    Map<String, long[]> shapes = vitShapes("");
    shapes.put("pos_embed", new long[] {1, 16, 16});
    WeightFile f = WeightFile.open(write("noclass.pth", shapes));
    BadInputException e =
        assertThrows(
            BadInputException.class, () -> VitShape.of(f, CheckpointLayout.of(f, "teacher")));
    assertTrue(
        e.getMessage()
            .endsWith(
                "pos_embed has 15 patch positions, not a square grid; 16 is a square: a position"
                    + " embedding without the [CLS] slot (timm's no_embed_class), which DINO's ViT"
                    + " does not use"),
        e.getMessage());
  }

  @Test
  void aMissingBlockIsNamed() throws Exception {
    Map<String, long[]> shapes = vitShapes("");
    shapes.keySet().removeIf(k -> k.startsWith("blocks.0."));
    WeightFile f = WeightFile.open(write("gap.pth", shapes));
    BadInputException e =
        assertThrows(
            BadInputException.class, () -> VitShape.of(f, CheckpointLayout.of(f, "teacher")));
    assertTrue(
        e.getMessage().endsWith("the backbone has blocks up to 1 but no block 0"), e.getMessage());
  }

  @Test
  void networkStateDictsAndTheirHeadVariants() throws Exception {
    Map<String, long[]> shapes = vitShapes("module.backbone.");
    shapes.put("module.head.mlp.0.weight", new long[] {24, 16});
    shapes.put("module.head.mlp.0.bias", new long[] {24});
    shapes.put("module.head.mlp.1.running_mean", new long[] {24});
    WeightFile bn = WeightFile.open(write("bn.pth", shapes));
    BadInputException e =
        assertThrows(BadInputException.class, () -> CheckpointLayout.of(bn, "teacher"));
    assertTrue(
        e.getMessage()
            .contains(
                "module.head.mlp.1.running_mean is batch norm in the DINO"
                    + " head (use_bn_in_head)"),
        e.getMessage());

    shapes = vitShapes("backbone.");
    shapes.put("head.mlp.weight", new long[] {12, 16});
    shapes.put("head.mlp.bias", new long[] {12});
    shapes.put("head.last_layer.weight_g", new long[] {20, 1});
    shapes.put("head.last_layer.weight_v", new long[] {20, 12});
    WeightFile one = WeightFile.open(write("onelayer.pth", shapes));
    CheckpointLayout l = CheckpointLayout.of(one, "student");
    assertEquals(CheckpointLayout.Kind.NETWORK, l.kind());
    assertEquals(
        new HeadShape(16, 20, 12, 12, 1, true, "the official default"), HeadShape.of(one, l));

    shapes.remove("head.last_layer.weight_g");
    shapes.remove("head.last_layer.weight_v");
    shapes.put("head.last_layer.parametrizations.weight.original0", new long[] {20, 1});
    WeightFile param = WeightFile.open(write("param.pth", shapes));
    BadInputException p =
        assertThrows(BadInputException.class, () -> CheckpointLayout.of(param, "teacher"));
    assertTrue(
        p.getMessage().contains("weight normalisation as a parametrization"), p.getMessage());
  }

  @Test
  void aTrainingCheckpointWithoutTheRequestedNetworkSaysWhichItHas() throws Exception {
    WeightFile f = WeightFile.open(write("student-only.pth", vitShapes("student.backbone.")));
    BadInputException e =
        assertThrows(BadInputException.class, () -> CheckpointLayout.of(f, "teacher"));
    assertTrue(
        e.getMessage()
            .endsWith(
                "holds no teacher ViT (no teacher.backbone.cls_token or"
                    + " teacher.module.backbone.cls_token); it has a student: use --checkpoint-key"
                    + " student"),
        e.getMessage());
    WeightFile none = WeightFile.open(write("none.pth", Map.of("weight", new long[] {2, 2})));
    BadInputException n =
        assertThrows(BadInputException.class, () -> CheckpointLayout.of(none, "teacher"));
    assertTrue(
        n.getMessage().contains("holds no ViT backbone")
            && n.getMessage().endsWith("its tensors: weight)"),
        n.getMessage());
  }
}
