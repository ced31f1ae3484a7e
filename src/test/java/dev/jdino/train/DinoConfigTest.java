package dev.jdino.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;

class DinoConfigTest {

  @Test
  void fmnistSmallPresetIsTheBenchmarkFile() {
    DinoConfig c = DinoConfig.preset("fmnist-small");
    assertEquals(28, c.vit().imgSize());
    assertEquals(4, c.vit().patchSize());
    assertEquals(128, c.vit().embedDim());
    assertEquals(4, c.vit().depth());
    assertEquals(4, c.vit().numHeads());
    assertEquals(0.1, c.vit().dropPathRate());
    assertEquals(4096, c.head().outDim());
    assertEquals(1024, c.head().hiddenDim());
    assertEquals(256, c.head().bottleneckDim());
    assertEquals(4, c.augment().localCropsNumber());
    assertEquals(12, c.augment().localCropSize());
    assertEquals(0.1, c.augment().localScaleMin());
    assertEquals(1.0, c.augment().blurSigmaMax());
    assertArrayEquals(new float[] {0.286f, 0.286f, 0.286f}, c.augment().mean());
    assertEquals(3, c.train().epochs());
    assertEquals(128, c.train().batchSize());
    assertEquals(1, c.train().warmupEpochs());
    assertEquals(0.00025, c.train().peakLr(), 1e-12);
  }

  @Test
  void flagsRoundTripAndOverride() {
    DinoConfig c = DinoConfig.preset("fmnist-small");
    assertEquals(c.toJson(), c.withFlags(Map.of()).toJson());
    DinoConfig d = c.withFlags(Map.of("--arch", "vit_tiny", "--depth", 2, "--out-dim", 512));
    assertEquals(192, d.vit().embedDim());
    assertEquals(3, d.vit().numHeads());
    assertEquals(2, d.vit().depth());
    assertEquals(512, d.head().outDim());
    assertEquals(c.toJson(), DinoConfig.fromJson(c.toJson()).toJson());
  }

  @Test
  void defaultsAreTheReference() {
    DinoConfig d = DinoConfig.defaults();
    assertEquals(384, d.vit().embedDim());
    assertEquals(16, d.vit().patchSize());
    assertEquals(65536, d.head().outDim());
    assertEquals(8, d.augment().localCropsNumber());
    assertEquals(96, d.augment().localCropSize());
    assertEquals(0.05, d.augment().localScaleMin());
    assertEquals(100, d.train().epochs());
    assertEquals(0.996, d.train().momentumTeacher());
  }

  @Test
  void unknownSettingsAreRejected() {
    assertThrows(IllegalArgumentException.class,
        () -> DinoConfig.defaults().withFlags(Map.of("--nope", 1)));
  }
}
