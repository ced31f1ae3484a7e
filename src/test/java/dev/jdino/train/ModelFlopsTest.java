package dev.jdino.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ModelFlopsTest {
  @Test
  void fmnistSmallByHand() {
    DinoConfig c = DinoConfig.preset("fmnist-small");
    // 28 px global: T = 50; block = 2*50*128*384 + 4*50^2*128 + 2*50*128^2 + 4*50*128*512
    double block28 = 4_915_200 + 1_280_000 + 1_638_400 + 13_107_200;
    double patch28 = 2.0 * 49 * 48 * 128;
    double head = 2.0 * (128 * 1024 + 1024 * 1024 + 1024 * 256 + 256 * 4096);
    double g = patch28 + 4 * block28 + head;
    assertEquals(g, ModelFlops.forward(c.vit(), c.head(), 28), 1e-6);
    // 12 px local: T = 10
    double block12 = 2 * 10 * 128 * 384 + 4 * 100 * 128 + 2 * 10 * 128 * 128 + 4 * 10 * 128 * 512;
    double l = 2.0 * 9 * 48 * 128 + 4 * block12 + head;
    assertEquals(3 * (2 * g + 4 * l) + 2 * g, ModelFlops.perSourceImage(c), 1e-3);
    // the figure: about 0.96 GFLOP per source image
    assertEquals(0.96e9, ModelFlops.perSourceImage(c), 0.01e9);
  }
}
