package dev.jdino.data;

import dev.jdino.augment.Image;
import java.io.IOException;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/** In-memory test doubles for the loader: images that carry their own index. */
final class FakeData {
  private FakeData() {}

  static final int GLOBAL = 4;
  static final int LOCALS = 3;
  static final int LOCAL = 2;

  /** Crop c of image i is filled with i + CROP_STEP * c, so layout errors show up as values. */
  static final float CROP_STEP = 100_000f;

  /** n 1x1 images; image i has value i; loads of {@code failing} throw IOException. */
  static final class Dataset implements ImageDataset {
    final int n;
    final Set<Integer> failing;
    final long sleepMillis;
    final AtomicInteger loads = new AtomicInteger();

    Dataset(int n, Set<Integer> failing, long sleepMillis) {
      this.n = n;
      this.failing = failing;
      this.sleepMillis = sleepMillis;
    }

    Dataset(int n) {
      this(n, Set.of(), 0);
    }

    @Override
    public int size() {
      return n;
    }

    @Override
    public Image load(int index) throws IOException {
      loads.incrementAndGet();
      if (sleepMillis > 0) {
        try {
          Thread.sleep(sleepMillis);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted");
        }
      }
      if (failing.contains(index)) {
        throw new IOException(describe(index) + ": broken on purpose");
      }
      float v = index;
      return new Image(1, 1, new float[] {v, v, v});
    }

    @Override
    public String describe(int index) {
      return "fake#" + index;
    }

    @Override
    public String name() {
      return "fake(" + n + ")";
    }
  }

  /**
   * Crop c is filled with image value + CROP_STEP * c, except element 1 which holds 24 bits of the
   * seed, so a wrong seed is as visible as a wrong image.
   */
  static CropSampler sampler() {
    return CropSampler.of(
        GLOBAL,
        LOCALS,
        LOCAL,
        (img, seed) -> {
          float[][] crops = new float[2 + LOCALS][];
          for (int c = 0; c < crops.length; c++) {
            int size = c < 2 ? GLOBAL : LOCAL;
            crops[c] = new float[3 * size * size];
          }
          write(img, seed, crops, new int[crops.length]);
          return crops;
        });
  }

  /** The same crops as {@link #sampler()}, written in place. */
  static CropSampler inPlaceSampler() {
    return CropSampler.writing(GLOBAL, LOCALS, LOCAL, FakeData::write);
  }

  private static void write(Image img, long seed, float[][] out, int[] offsets) {
    for (int c = 0; c < out.length; c++) {
      int size = c < 2 ? GLOBAL : LOCAL;
      int len = 3 * size * size;
      Arrays.fill(out[c], offsets[c], offsets[c] + len, img.data()[0] + CROP_STEP * c);
      out[c][offsets[c] + 1] = (float) (seed >>> 40);
    }
  }
}
