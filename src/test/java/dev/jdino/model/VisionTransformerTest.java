package dev.jdino.model;

import static dev.jdino.testing.Fixtures.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.jdino.engine.Torch;
import dev.jdino.io.Safetensors;
import dev.jdino.testing.Fixtures;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The backbone against PyTorch (tools/make_model_fixtures.py, fixture vit_forward). */
class VisionTransformerTest {
  static NDManager manager;
  static Safetensors fx;
  static VisionTransformer vit;
  static ParameterSet params;

  @BeforeAll
  static void load() {
    manager = Torch.newManager();
    fx = Fixtures.open("model/vit_forward.safetensors");
    ParameterLayout.Builder b = ParameterLayout.builder();
    vit = new VisionTransformer(new VitConfig(16, 4, 32, 2, 4, 4.0, true, 0), "", b, manager);
    ParameterLayout layout = b.build();
    params = new ParameterSet(layout, manager, layout.valuesFrom(fx, ""), false);
  }

  @AfterAll
  static void close() {
    manager.close();
  }

  private NDArray in(String name) {
    return fx.load(manager, "in." + name);
  }

  @Test
  void parameterNamesFollowTheOfficialLayout() {
    List<String> names = params.specs().stream().map(ParameterLayout.Spec::name).limit(6).toList();
    assertEquals(
        List.of(
            "cls_token",
            "pos_embed",
            "patch_embed.proj.weight",
            "patch_embed.proj.bias",
            "blocks.0.norm1.weight",
            "blocks.0.norm1.bias"),
        names);
    assertEquals(
        fx.tensors().keySet().stream()
            .filter(
                n ->
                    !n.contains(".")
                        || n.startsWith("blocks")
                        || n.startsWith("patch")
                        || n.startsWith("norm"))
            .count(),
        params.size());
  }

  @Test
  void clsFeaturesMatchPyTorchAtTrainingResolution() {
    try (NDScope s = new NDScope()) {
      assertClose(
          fx.loadFloats("out.cls.x1"), vit.forward(params, in("x1"), null), 1e-5, 1e-4, "x1");
    }
  }

  @Test
  void clsFeaturesMatchPyTorchForOtherSizes() {
    try (NDScope s = new NDScope()) {
      // 12x21 px: a 3x5 grid, width not a multiple of the patch; 8x8: 2x2; 16x20: 4x5.
      assertClose(
          fx.loadFloats("out.cls.x2"), vit.forward(params, in("x2"), null), 1e-5, 1e-4, "x2");
      assertClose(
          fx.loadFloats("out.cls.x3"), vit.forward(params, in("x3"), null), 1e-5, 1e-4, "x3");
      assertClose(
          fx.loadFloats("out.cls.x4"), vit.forward(params, in("x4"), null), 1e-5, 1e-4, "x4");
    }
  }

  @Test
  void interpolatedPositionEmbeddingMatchesPyTorch() {
    try (NDScope s = new NDScope()) {
      NDArray pos =
          new PositionEmbedding(4, manager).forward(params.get("pos_embed"), 12, 21, 3, 5);
      assertArrayEquals(new long[] {1, 16, 32}, pos.getShape().getShape());
      assertClose(fx.loadFloats("out.pos.x2"), pos, 1e-6, 1e-5, "pos");
    }
  }

  @Test
  void lastSelfAttentionMatchesPyTorch() {
    try (NDScope s = new NDScope()) {
      NDArray a1 = vit.lastSelfAttention(params, in("x1"));
      assertArrayEquals(new long[] {2, 4, 17, 17}, a1.getShape().getShape());
      assertClose(fx.loadFloats("out.attn.x1"), a1, 1e-6, 1e-4, "attn x1");
      NDArray a2 = vit.lastSelfAttention(params, in("x2"));
      assertArrayEquals(new long[] {2, 4, 16, 16}, a2.getShape().getShape());
      assertClose(fx.loadFloats("out.attn.x2"), a2, 1e-6, 1e-4, "attn x2");
    }
  }

  @Test
  void intermediateLayersMatchPyTorch() {
    try (NDScope s = new NDScope()) {
      List<NDArray> layers = vit.intermediateLayers(params, in("x1"), 2);
      assertEquals(2, layers.size());
      assertClose(fx.loadFloats("out.inter0.x1"), layers.get(0), 1e-5, 1e-4, "block 0");
      assertClose(fx.loadFloats("out.inter1.x1"), layers.get(1), 1e-5, 1e-4, "block 1");
    }
  }

  @Test
  void rejectsImagesSmallerThanAPatch() {
    try (NDScope s = new NDScope()) {
      NDArray tiny = manager.zeros(new Shape(1, 3, 3, 8));
      assertThrows(IllegalArgumentException.class, () -> vit.forward(params, tiny, null));
    }
  }
}
