package dev.jdino.model;

import static dev.jdino.testing.Fixtures.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import dev.jdino.engine.Torch;
import dev.jdino.eval.EvalFixtures;
import dev.jdino.io.BadInputException;
import dev.jdino.io.Safetensors;
import dev.jdino.testing.Fixtures;
import dev.jdino.weights.Conversion;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Backbones and DINO networks from .pth files that torch.save wrote, against the outputs PyTorch
 * computed from the same weights (tools/make_pth_fixtures.py): features, last-block attention and
 * head logits, on a 16 px input and on a 12x20 px one whose 3x5 grid needs the position embedding
 * interpolated. All within 1e-5.
 */
class PretrainedWeightsTest {
  private static final double ATOL = 1e-5;
  private static final VitConfig VIT = new VitConfig(16, 4, 16, 2, 2, 4.0, true, 0);
  private static final HeadConfig HEAD = new HeadConfig(20, 24, 12, 3, false);

  static Safetensors ref;
  static NDManager manager;

  @BeforeAll
  static void open() {
    ref = Fixtures.open("pth/reference.safetensors");
    manager = Torch.newManager();
  }

  @AfterAll
  static void close() {
    manager.close();
  }

  private static Path fixture(String name) {
    return Fixtures.path("pth/" + name);
  }

  private static void assertBackbone(Backbone b, String net, String what) {
    try (NDScope s = new NDScope()) {
      for (String in : List.of("square", "rect")) {
        NDArray x = ref.load(b.manager(), "in." + in);
        assertClose(
            ref.loadFloats(net + ".features." + in),
            b.features(x),
            ATOL,
            0,
            what + ": features, " + in);
        assertClose(
            ref.loadFloats(net + ".attn." + in),
            b.lastSelfAttention(x),
            ATOL,
            0,
            what + ": last-block attention, " + in);
      }
    }
  }

  @Test
  void theReleasedLayoutGivesPyTorchsFeaturesAndAttention() {
    try (Backbone b = Backbone.load(fixture("vit_flat.pth"), "teacher", 2, Compute.fp32())) {
      assertEquals(VIT, b.config());
      assertBackbone(b, "teacher", "flat .pth");
      assertEquals("pth", b.description().path("format").asText());
      assertEquals("backbone", b.description().path("layout").asText());
    }
  }

  @Test
  void aFlatFileOfACustomViTNeedsItsHeads() {
    BadInputException e =
        assertThrows(
            BadInputException.class, () -> Backbone.load(fixture("vit_flat.pth"), "teacher"));
    assertTrue(e.getMessage().contains("give it with --num-heads N"), e.getMessage());
  }

  @Test
  void theFullCheckpointGivesTeacherOrStudentWithHeadsFromItsArgs() {
    try (Backbone t = Backbone.load(fixture("vit_full.pth"), "teacher", Compute.fp32());
        Backbone s = Backbone.load(fixture("vit_full.pth"), "student", Compute.fp32())) {
      assertEquals(VIT, t.config());
      assertBackbone(t, "teacher", "full checkpoint, teacher");
      assertBackbone(s, "student", "full checkpoint, student");
      assertTrue(t.source().endsWith("vit_full.pth (teacher)"), t.source());
      assertEquals(
          "the checkpoint's args.num_heads", t.description().path("num_heads_source").asText());
    }
  }

  @Test
  void timmsCheckpointGivesTheSameBackbone() {
    try (Backbone b = Backbone.load(fixture("vit_timm.pth"), "teacher", 2, Compute.fp32())) {
      assertBackbone(b, "teacher", "timm checkpoint");
      assertTrue(b.description().path("notes").get(0).asText().contains("a classifier of 10"));
    }
  }

  @Test
  void aConvertedFileLoadsTheSameAndKeepsItsArgs(@TempDir Path tmp) throws Exception {
    Path st = tmp.resolve("full.safetensors");
    Conversion.convert(fixture("vit_full.pth"), st);
    // No --num-heads: the args travel in the safetensors metadata.
    try (Backbone b = Backbone.load(st, "teacher", Compute.fp32())) {
      assertBackbone(b, "teacher", "converted to safetensors");
    }
    Path back = tmp.resolve("full.pth");
    Conversion.convert(st, back);
    try (Backbone b = Backbone.load(back, "student", Compute.fp32())) {
      assertBackbone(b, "student", "converted back to .pth");
    }
  }

  @Test
  void theArchitectureComesFromTheFile() {
    PretrainedWeights.Architecture a =
        PretrainedWeights.architecture(fixture("vit_full.pth"), "teacher", null);
    assertEquals(VIT, a.vit());
    assertEquals(Optional.of(HEAD), a.head());
    assertEquals(
        Optional.empty(),
        PretrainedWeights.architecture(fixture("vit_flat.pth"), "teacher", 2).head());
  }

  @Test
  void aDinoNetworkStartsFromTheFilesBackboneAndHead() {
    try (DinoNetwork net = new DinoNetwork(VIT, HEAD, manager)) {
      PretrainedWeights.InitialValues init =
          PretrainedWeights.initialValues(fixture("vit_full.pth"), net.layout(), "teacher", 0);
      assertTrue(init.headFromFile());
      assertTrue(
          init.description().endsWith("vit_full.pth (teacher), head from the file"),
          init.description());
      try (ParameterSet p = new ParameterSet(net.layout(), manager, init.values(), false);
          NDScope s = new NDScope()) {
        for (String in : List.of("square", "rect")) {
          NDArray x = ref.load(manager, "in." + in);
          assertClose(
              ref.loadFloats("teacher.logits." + in),
              net.logits(p, List.of(x), null),
              ATOL,
              0,
              "head logits, " + in);
        }
      }
      PretrainedWeights.InitialValues student =
          PretrainedWeights.initialValues(fixture("vit_full.pth"), net.layout(), "student", 0);
      try (ParameterSet p = new ParameterSet(net.layout(), manager, student.values(), false);
          NDScope s = new NDScope()) {
        NDArray x = ref.load(manager, "in.square");
        assertClose(
            ref.loadFloats("student.logits.square"),
            net.logits(p, List.of(x), null),
            ATOL,
            0,
            "student head logits");
      }
    }
  }

  @Test
  void aFileWithoutAHeadGivesTheLayoutsFreshHead() {
    try (DinoNetwork net = new DinoNetwork(VIT, HEAD, manager)) {
      ParameterLayout layout = net.layout();
      PretrainedWeights.InitialValues init =
          PretrainedWeights.initialValues(fixture("vit_flat.pth"), layout, "teacher", 5);
      assertFalse(init.headFromFile());
      assertTrue(
          init.description().endsWith("head freshly initialised (the file has no DINO" + " head)"),
          init.description());
      float[] fresh = layout.initialValues(5);
      PretrainedWeights.InitialValues full =
          PretrainedWeights.initialValues(fixture("vit_full.pth"), layout, "teacher", 5);
      for (ParameterLayout.Spec s : layout.specs()) {
        float[] got = slice(init.values(), s);
        if (s.name().startsWith("head.")) {
          assertArrayEquals(slice(fresh, s), got, s.name() + " is the seed's fresh value");
        } else {
          // The flat file is the full checkpoint's teacher backbone.
          assertArrayEquals(slice(full.values(), s), got, s.name() + " comes from the file");
          assertFalse(Arrays.equals(slice(fresh, s), got), s.name() + " is not the init");
        }
      }
    }
  }

  @Test
  void anotherShapeIsRefusedWithBothShapes() {
    try (DinoNetwork net = new DinoNetwork(VIT, new HeadConfig(30, 24, 12, 3, false), manager)) {
      BadInputException e =
          assertThrows(
              BadInputException.class,
              () ->
                  PretrainedWeights.initialValues(
                      fixture("vit_full.pth"), net.layout(), "teacher", 0));
      assertTrue(
          e.getMessage()
              .contains(
                  "tensor teacher.head.last_layer.weight_g has shape"
                      + " [20, 1], the network's head.last_layer.weight_g is [30, 1]"),
          e.getMessage());
    }
    try (DinoNetwork net =
        new DinoNetwork(new VitConfig(16, 4, 16, 1, 2, 4.0, true, 0), HEAD, manager)) {
      BadInputException e =
          assertThrows(
              BadInputException.class,
              () ->
                  PretrainedWeights.initialValues(
                      fixture("vit_full.pth"), net.layout(), "teacher", 0));
      assertTrue(
          e.getMessage()
              .contains(
                  "tensor teacher.backbone.blocks.1.norm1.weight has no"
                      + " place in the network's backbone"),
          e.getMessage());
    }
    // Another training resolution is no mismatch: the position embedding is resized once, as the
    // official interpolate_pos_encoding resizes it for every input of another size.
    try (DinoNetwork net =
        new DinoNetwork(new VitConfig(32, 4, 16, 2, 2, 4.0, true, 0), HEAD, manager)) {
      PretrainedWeights.InitialValues v =
          PretrainedWeights.initialValues(fixture("vit_flat.pth"), net.layout(), "teacher", 0);
      assertTrue(
          v.description().contains("position embedding resized from 4x4 to 8x8 patches"),
          v.description());
      float[] file = new float[17 * 16];
      try (DinoNetwork at16 = new DinoNetwork(VIT, HEAD, manager)) {
        PretrainedWeights.InitialValues same =
            PretrainedWeights.initialValues(fixture("vit_flat.pth"), at16.layout(), "teacher", 0);
        ParameterLayout.Spec p16 = at16.layout().spec("backbone.pos_embed");
        System.arraycopy(same.values(), (int) p16.offset(), file, 0, file.length);
        assertFalse(same.description().contains("resized"), same.description());
      }
      ParameterLayout.Spec p32 = net.layout().spec("backbone.pos_embed");
      float[] got = new float[65 * 16];
      System.arraycopy(v.values(), (int) p32.offset(), got, 0, got.length);
      assertArrayEquals(PositionEmbedding.resizeSquare(file, 4, 8, 16), got);
    }
  }

  @Test
  void aRecordedArchitectureMustAgreeWithAnExplicitOne(@TempDir Path tmp) throws Exception {
    BadInputException e =
        assertThrows(
            BadInputException.class, () -> Backbone.load(fixture("vit_full.pth"), "teacher", 4));
    assertTrue(e.getMessage().contains("--num-heads 4 contradicts"), e.getMessage());
    Path file = EvalFixtures.backbone(tmp.resolve("b.safetensors"), EvalFixtures.TINY, 1);
    BadInputException m =
        assertThrows(BadInputException.class, () -> Backbone.load(file, "teacher", 4));
    assertTrue(m.getMessage().endsWith("its metadata gives 2 heads"), m.getMessage());
    try (Backbone b = Backbone.load(file, "teacher", 2, Compute.fp32())) {
      assertEquals(EvalFixtures.TINY, b.config());
    }
  }

  private static float[] slice(float[] values, ParameterLayout.Spec s) {
    return Arrays.copyOfRange(values, (int) s.offset(), (int) (s.offset() + s.numel()));
  }

  @Test
  void mistakenPathsAndKeysAreNamed(@TempDir Path tmp) {
    BadInputException dir =
        assertThrows(BadInputException.class, () -> PretrainedWeights.open(tmp, "teacher"));
    // It exists: "file not found" sent the user looking in the wrong place.
    assertEquals(tmp + ": a directory, expected a .pth or safetensors file", dir.getMessage());
    for (String f : List.of("vit_flat.pth", "vit_full.pth")) {
      BadInputException key =
          assertThrows(BadInputException.class, () -> PretrainedWeights.open(fixture(f), null));
      assertEquals("checkpoint key null: expected teacher or student", key.getMessage());
    }
    IllegalArgumentException path =
        assertThrows(IllegalArgumentException.class, () -> PretrainedWeights.open(null, "teacher"));
    assertTrue(path.getMessage().contains("path"), path.getMessage());
  }
}
