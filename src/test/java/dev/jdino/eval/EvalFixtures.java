package dev.jdino.eval;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jdino.augment.Image;
import dev.jdino.data.DataSources;
import dev.jdino.data.ImageDataset;
import dev.jdino.io.Json;
import dev.jdino.io.Safetensors;
import dev.jdino.model.Backbone;
import dev.jdino.model.VitConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** Small models and data files for evaluation tests (also used by the command-line tests). */
public final class EvalFixtures {
  private EvalFixtures() {}

  /**
   * A ViT that runs in a few milliseconds per batch: 28 px, patch 7 (16 patches), 32 wide, 2
   * blocks.
   */
  public static final VitConfig TINY = new VitConfig(28, 7, 32, 2, 2, 2.0, true, 0);

  /** Fashion-MNIST's normalisation, written into the fixture backbone's metadata. */
  public static final float[] MEAN = {0.286f, 0.286f, 0.286f};

  public static final float[] STD = {0.353f, 0.353f, 0.353f};

  /**
   * Writes a randomly initialised backbone as a flat safetensors file with jdino metadata: the
   * architecture under {@code vit} and the normalisation under {@code config.augment}.
   */
  public static Path backbone(Path file, VitConfig config, long seed) throws IOException {
    try (Backbone b = Backbone.random(config, seed)) {
      Map<String, NDArray> t = new LinkedHashMap<>(b.parameters().named());
      ObjectNode meta = Json.object();
      meta.put("format", "jdino-backbone");
      meta.set("vit", Json.MAPPER.valueToTree(config));
      ObjectNode aug = meta.putObject("config").putObject("augment");
      var m = aug.putArray("mean");
      var s = aug.putArray("std");
      for (int i = 0; i < 3; i++) {
        m.add(MEAN[i]);
        s.add(STD[i]);
      }
      Safetensors.write(file, t, Map.of("format", "jdino-backbone", "jdino", Json.compact(meta)));
    }
    return file;
  }

  /**
   * Writes images {@code from .. from+n-1} of the bundled sample's training split as an IDX pair
   * {@code <name>-images-idx3-ubyte} / {@code <name>-labels-idx1-ubyte} in {@code dir} (the label
   * file is found automatically next to the images).
   *
   * @param labels how many labels to write (n for a consistent pair, -1 for no label file)
   * @return the image file
   */
  public static Path sampleIdx(Path dir, String name, int from, int n, int labels)
      throws IOException {
    ImageDataset sample = DataSources.open(DataSources.SAMPLE);
    ByteBuffer img = ByteBuffer.allocate(16 + n * 28 * 28);
    img.putInt(0x00000803).putInt(n).putInt(28).putInt(28);
    for (int i = 0; i < n; i++) {
      float[] px = sample.load(from + i).data();
      for (int p = 0; p < 28 * 28; p++) {
        img.put((byte) Math.round(px[p] * 255f));
      }
    }
    Path images = dir.resolve(name + "-images-idx3-ubyte");
    Files.write(images, img.array());
    if (labels >= 0) {
      ByteBuffer lab = ByteBuffer.allocate(8 + labels);
      lab.putInt(0x00000801).putInt(labels);
      for (int i = 0; i < labels; i++) {
        lab.put((byte) sample.label(from + (i % n)));
      }
      Files.write(dir.resolve(name + "-labels-idx1-ubyte"), lab.array());
    }
    return images;
  }

  /**
   * n synthetic 1-row images whose pixels encode their index (value {@code index / 1000}); label
   * {@code index % 3}; loads of {@code failing} throw.
   */
  public static ImageDataset synthetic(int n, Set<Integer> failing) {
    return new ImageDataset() {
      @Override
      public int size() {
        return n;
      }

      @Override
      public Image load(int index) throws IOException {
        if (failing.contains(index)) {
          throw new IOException("broken on purpose");
        }
        float v = index / 1000f;
        float[] d = new float[3 * 4 * 4];
        Arrays.fill(d, v);
        return new Image(4, 4, d);
      }

      @Override
      public String describe(int index) {
        return "synthetic#" + index;
      }

      @Override
      public String name() {
        return "synthetic(" + n + ")";
      }

      @Override
      public boolean hasLabels() {
        return true;
      }

      @Override
      public int label(int index) {
        return index % 3;
      }
    };
  }
}
