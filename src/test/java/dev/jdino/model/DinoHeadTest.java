package dev.jdino.model;

import static dev.jdino.testing.Fixtures.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.jdino.engine.Torch;
import dev.jdino.io.Safetensors;
import dev.jdino.model.ParameterLayout.Group;
import dev.jdino.testing.Fixtures;
import org.junit.jupiter.api.Test;

class DinoHeadTest {

  @Test
  void logitsMatchPyTorchWithATrainedGain() {
    Safetensors fx = Fixtures.open("model/head.safetensors");
    try (NDManager m = Torch.newManager();
        NDScope s = new NDScope()) {
      ParameterLayout.Builder b = ParameterLayout.builder();
      DinoHead head = new DinoHead(new HeadConfig(40, 24, 12, 3, false), 32, b);
      ParameterLayout layout = b.build();
      ParameterSet p = new ParameterSet(layout, m, layout.valuesFrom(fx, ""), false);
      NDArray logits = head.forward(p, fx.load(m, "in.feats"));
      assertClose(fx.loadFloats("out.logits"), logits, 1e-5, 1e-4, "head logits");
    }
  }

  @Test
  void normalisedLastLayerGivesCosinesAndFreezesTheGain() {
    try (NDManager m = Torch.newManager();
        NDScope s = new NDScope()) {
      ParameterLayout.Builder b = ParameterLayout.builder();
      DinoHead head = new DinoHead(new HeadConfig(64, 16, 8, 3, true), 10, b);
      ParameterLayout layout = b.build();
      assertEquals(Group.FROZEN, layout.spec("last_layer.weight_g").group());
      assertEquals(Group.LAST_LAYER, layout.spec("last_layer.weight_v").group());
      assertFalse(layout.spec("last_layer.weight_g").trainable());
      ParameterSet p = new ParameterSet(layout, m, layout.initialValues(7), true);
      NDArray x = m.randomNormal(new Shape(5, 10)).mul(3);
      float[] logits = head.forward(p, x).toFloatArray();
      for (float v : logits) {
        assertTrue(v >= -1.00001f && v <= 1.00001f, "cosine out of range: " + v);
      }
    }
  }

  @Test
  void optimiserGroupsFollowDinoRules() {
    try (NDManager m = Torch.newManager()) {
      DinoNetwork net =
          new DinoNetwork(
              new VitConfig(8, 4, 16, 1, 2, 4, true, 0.1), new HeadConfig(32, 16, 8, 3, true), m);
      ParameterLayout l = net.layout();
      assertEquals(Group.DECAY, l.spec("backbone.cls_token").group());
      assertEquals(Group.DECAY, l.spec("backbone.pos_embed").group());
      assertEquals(Group.DECAY, l.spec("backbone.blocks.0.attn.qkv.weight").group());
      assertEquals(Group.NO_DECAY, l.spec("backbone.blocks.0.attn.qkv.bias").group());
      assertEquals(Group.NO_DECAY, l.spec("backbone.norm.weight").group());
      assertEquals(Group.DECAY, l.spec("head.mlp.4.weight").group());
      assertEquals(Group.NO_DECAY, l.spec("head.mlp.4.bias").group());
      // Segments tile the buffer in group order.
      assertEquals(0, l.segment(Group.DECAY)[0]);
      assertEquals(l.segment(Group.DECAY)[1], l.segment(Group.NO_DECAY)[0]);
      assertEquals(l.numel(), l.segment(Group.FROZEN)[1]);
      assertEquals(32, l.segmentLength(Group.FROZEN));
      net.close();
    }
  }
}
