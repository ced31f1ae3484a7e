package dev.jdino.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jdino.augment.Image;
import dev.jdino.augment.MultiCropAugmentation;
import dev.jdino.train.DinoConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The crops' size need travels from the sampler through the loader to the decoder. */
class DecodeHintTest {
  @TempDir Path dir;

  @Test
  void loaderPassesTheSamplersNeedToTheDataset() {
    Set<Integer> hints = ConcurrentHashMap.newKeySet();
    FakeData.Dataset fake = new FakeData.Dataset(8);
    ImageDataset ds =
        new ImageDataset() {
          @Override
          public int size() {
            return fake.size();
          }

          @Override
          public Image load(int index) throws IOException {
            throw new AssertionError("the loader must pass its size hint");
          }

          @Override
          public Image load(int index, int minShorterSide) throws IOException {
            hints.add(minShorterSide);
            return fake.load(index);
          }

          @Override
          public String describe(int index) {
            return fake.describe(index);
          }

          @Override
          public String name() {
            return fake.name();
          }
        };
    CropSampler base = FakeData.sampler();
    CropSampler needs45 =
        new CropSampler() {
          @Override
          public int globalCropSize() {
            return base.globalCropSize();
          }

          @Override
          public int localCropsNumber() {
            return base.localCropsNumber();
          }

          @Override
          public int localCropSize() {
            return base.localCropSize();
          }

          @Override
          public int minSourceSide() {
            return 45;
          }

          @Override
          public float[][] sample(Image src, long seed) {
            return base.sample(src, seed);
          }
        };
    try (MultiCropLoader l =
        MultiCropLoader.builder()
            .setDataset(ds)
            .setSampler(needs45)
            .setBatchSize(4)
            .optWorkers(2)
            .build()) {
      l.forEachRemaining(b -> {});
    }
    assertEquals(Set.of(45), hints);
    assertEquals(0, FakeData.sampler().minSourceSide(), "samplers ask for full size by default");
  }

  @Test
  void augmentingSamplerDecodesFolderImagesSmall() throws Exception {
    Files.write(dir.resolve("frame.jpg"), TestImages.jpeg(TestImages.quadrants(1280, 720), 0.8f));
    ImageFolderDataset ds = ImageFolderDataset.open(dir);
    CropSampler s =
        CropSampler.augmenting(
            new MultiCropAugmentation(DinoConfig.preset("fmnist-small").augment()));
    assertEquals(45, s.minSourceSide());
    Image img = ds.load(0, s.minSourceSide());
    assertEquals(45, img.height());
    assertTrue(ds.load(0).height() == 720);
    // The crops of the small image are the configured sizes and finite.
    float[][] crops = s.sample(img, 7);
    assertEquals(2 + 4, crops.length);
    assertEquals(3 * 28 * 28, crops[0].length);
    for (float v : crops[5]) {
      assertTrue(Float.isFinite(v));
    }
  }
}
