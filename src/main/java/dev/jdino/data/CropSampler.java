package dev.jdino.data;

import dev.jdino.augment.AugmentConfig;
import dev.jdino.augment.Image;
import dev.jdino.augment.MultiCropAugmentation;

/**
 * Turns one source image into its multi-crop views for {@link MultiCropLoader}: 2 global crops of
 * {@link #globalCropSize()} pixels, then {@link #localCropsNumber()} local crops of {@link
 * #localCropSize()} pixels, each a normalised CHW float array with 3 channels.
 *
 * <p>Implementations must be pure functions of (image, seed) and safe to call from several threads
 * at once: that is what makes a loader's output independent of its thread count. An augmentation
 * adapts in one line, either copying from freshly allocated crops, {@code
 * CropSampler.of(cfg.globalCropSize(), cfg.localCropsNumber(), cfg.localCropSize(), aug::apply)},
 * or writing straight into the batch, {@code CropSampler.writing(..., aug::applyInto)}.
 */
public interface CropSampler {

  /** Side of the 2 global crops, in pixels. */
  int globalCropSize();

  /** Number L of local crops (0 for none). */
  int localCropsNumber();

  /** Side of the local crops, in pixels. */
  int localCropSize();

  /**
   * The shorter side a source image must keep for these crops ({@link DecodeSize#minSourceSide});
   * the loader lets datasets decode large images down to it. 0 (the default) asks for full
   * resolution.
   */
  default int minSourceSide() {
    return 0;
  }

  /**
   * The 2 + L crops of {@code src}: global 1, global 2, local 1 .. local L, each of length 3 x size
   * x size in CHW order.
   */
  float[][] sample(Image src, long seed);

  /**
   * Writes the crops of batch sample {@code sample} into the batch buffers laid out as described by
   * {@link MultiCropBatch} (crop-major, then sample). The default copies from {@link #sample};
   * implementations that can write in place may override it to save the copy.
   */
  default void sampleInto(
      Image src, long seed, float[] global, float[] local, int sample, int batchSize) {
    float[][] crops = sample(src, seed);
    int l = localCropsNumber();
    if (crops.length != 2 + l) {
      throw new IllegalStateException(
          "crop sampler returned " + crops.length + " crops, expected 2 global + " + l + " local");
    }
    for (int c = 0; c < crops.length; c++) {
      boolean isGlobal = c < 2;
      int size = isGlobal ? globalCropSize() : localCropSize();
      int len = 3 * size * size;
      if (crops[c].length != len) {
        throw new IllegalStateException(
            "crop " + c + " has " + crops[c].length + " values, expected 3x" + size + "x" + size);
      }
      int cropInGroup = isGlobal ? c : c - 2;
      int offset = MultiCropBatch.cropOffset(cropInGroup, sample, batchSize, size);
      System.arraycopy(crops[c], 0, isGlobal ? global : local, offset, len);
    }
  }

  /** An augmentation as a function of (image, seed) returning 2 + L crops. */
  @FunctionalInterface
  interface CropFunction {
    float[][] apply(Image src, long seed);
  }

  /**
   * An augmentation that writes crop c at {@code offsets[c]} of {@code out[c]}, e.g. {@code
   * MultiCropAugmentation::applyInto}.
   */
  @FunctionalInterface
  interface CropWriter {
    void applyInto(Image src, long seed, float[][] out, int[] offsets);
  }

  /**
   * This sampler asking datasets for source images whose shorter side keeps at least {@code side}
   * pixels ({@link #minSourceSide()}; 0: full resolution), with the same crops.
   */
  default CropSampler withMinSourceSide(int side) {
    if (side < 0) {
      throw new IllegalArgumentException("a source side must be >= 0 pixels, got " + side);
    }
    CropSampler s = this;
    return new FixedSizeSampler(globalCropSize(), localCropsNumber(), localCropSize(), side) {
      @Override
      public float[][] sample(Image src, long seed) {
        return s.sample(src, seed);
      }

      @Override
      public void sampleInto(
          Image src, long seed, float[] global, float[] local, int sample, int batchSize) {
        s.sampleInto(src, seed, global, local, sample, batchSize);
      }
    };
  }

  /**
   * DINO's multi-crop augmentation as a sampler: crops written straight into the batch buffers, and
   * {@link #minSourceSide()} from {@link DecodeSize#minSourceSide(AugmentConfig)}, so large images
   * are decoded only as large as the crops need. ({@link MultiCropAugmentation#apply} is {@code
   * applyInto} fresh buffers, so {@link #sample} gives the same crops.)
   */
  static CropSampler augmenting(MultiCropAugmentation aug) {
    AugmentConfig a = aug.config();
    return writing(a.globalCropSize(), a.localCropsNumber(), a.localCropSize(), aug::applyInto)
        .withMinSourceSide(DecodeSize.minSourceSide(a));
  }

  /** A sampler from crop sizes and a function producing the crops. */
  static CropSampler of(
      int globalCropSize, int localCropsNumber, int localCropSize, CropFunction function) {
    return new FixedSizeSampler(globalCropSize, localCropsNumber, localCropSize, 0) {
      @Override
      public float[][] sample(Image src, long seed) {
        return function.apply(src, seed);
      }
    };
  }

  /**
   * A sampler that lets {@code writer} fill the batch buffers in place (no copy): {@code
   * CropSampler.writing(g, l, ls, aug::applyInto)}.
   */
  static CropSampler writing(
      int globalCropSize, int localCropsNumber, int localCropSize, CropWriter writer) {
    int crops = 2 + localCropsNumber;
    return new FixedSizeSampler(globalCropSize, localCropsNumber, localCropSize, 0) {
      @Override
      public float[][] sample(Image src, long seed) {
        float[][] out = new float[crops][];
        for (int c = 0; c < crops; c++) {
          int size = c < 2 ? globalCropSize : localCropSize;
          out[c] = new float[3 * size * size];
        }
        writer.applyInto(src, seed, out, new int[crops]);
        return out;
      }

      @Override
      public void sampleInto(
          Image src, long seed, float[] global, float[] local, int sample, int batchSize) {
        float[][] out = new float[crops][];
        int[] offsets = new int[crops];
        for (int c = 0; c < crops; c++) {
          boolean isGlobal = c < 2;
          out[c] = isGlobal ? global : local;
          offsets[c] =
              MultiCropBatch.cropOffset(
                  isGlobal ? c : c - 2,
                  sample,
                  batchSize,
                  isGlobal ? globalCropSize : localCropSize);
        }
        writer.applyInto(src, seed, out, offsets);
      }
    };
  }
}
