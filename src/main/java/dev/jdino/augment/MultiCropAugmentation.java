package dev.jdino.augment;

import java.util.SplittableRandom;

/**
 * DINO's multi-crop augmentation (the official {@code DataAugmentationDINO}): one source image
 * becomes 2 global crops and {@code L} local crops, each a normalised planar {@code 3 x S x S}
 * float array.
 *
 * <ul>
 *   <li>crop 0 (global 1): RandomResizedCrop(global) - flip - colour jitter - grayscale - blur(p =
 *       {@code blur.pGlobal1}) - normalise
 *   <li>crop 1 (global 2): the same with blur(p = {@code blur.pGlobal2}), then solarise(p = {@code
 *       solarizeP}), then normalise
 *   <li>crops 2.. (local): RandomResizedCrop(local) - flip - colour jitter - grayscale - blur(p =
 *       {@code blur.pLocal}) - normalise
 * </ul>
 *
 * <p>All randomness of one call comes from {@code new SplittableRandom(seed)}, consumed in crop
 * order and, within a crop, in pipeline order, so the output is a pure function of (image, seed):
 * worker count, scheduling and earlier calls never change it. Instances are immutable and safe to
 * share between threads.
 */
public final class MultiCropAugmentation {
  private final AugmentConfig config;
  private final float[] mean;
  private final float[] std;

  /** An augmentation following {@code config}. */
  public MultiCropAugmentation(AugmentConfig config) {
    this.config = config;
    this.mean = config.normalize().mean();
    this.std = config.normalize().std();
  }

  /** The configuration this augmentation follows. */
  public AugmentConfig config() {
    return config;
  }

  /** Number of crops per image: 2 global + L local. */
  public int crops() {
    return config.cropsPerImage();
  }

  /** Side of crop {@code c} in pixels. */
  public int cropSize(int c) {
    checkCrop(c);
    return c < 2 ? config.globalCropSize() : config.localCropSize();
  }

  /** Number of floats of crop {@code c}: {@code 3 * S * S}. */
  public int cropLength(int c) {
    int s = cropSize(c);
    return Image.CHANNELS * s * s;
  }

  /**
   * Augments {@code src} into freshly allocated arrays.
   *
   * @return {@link #crops()} arrays; array {@code c} holds crop {@code c} in CHW order
   */
  public float[][] apply(Image src, long seed) {
    float[][] out = new float[crops()][];
    int[] offsets = new int[out.length];
    for (int c = 0; c < out.length; c++) {
      out[c] = new float[cropLength(c)];
    }
    applyInto(src, seed, out, offsets);
    return out;
  }

  /**
   * Augments {@code src} straight into caller-owned buffers: crop {@code c} is written to {@code
   * out[c]} at {@code offsets[c]} ({@link #cropLength}{@code (c)} floats), and nothing else is
   * touched. The result is bit-identical to {@link #apply}.
   */
  public void applyInto(Image src, long seed, float[][] out, int[] offsets) {
    int n = crops();
    if (out.length != n || offsets.length != n) {
      throw new IllegalArgumentException(
          "expected "
              + n
              + " output buffers and offsets, got "
              + out.length
              + " and "
              + offsets.length);
    }
    for (int c = 0; c < n; c++) {
      if (offsets[c] < 0 || offsets[c] > out[c].length - cropLength(c)) {
        throw new IllegalArgumentException(
            "crop "
                + c
                + " ("
                + cropLength(c)
                + " floats) does not fit buffer of "
                + out[c].length
                + " at offset "
                + offsets[c]);
      }
    }
    SplittableRandom rng = new SplittableRandom(seed);
    boolean gray = Grayscale.isGray(src);
    for (int c = 0; c < n; c++) {
      augmentCrop(src, gray, c, rng, out[c], offsets[c]);
    }
  }

  /**
   * Augments {@code src} as sample {@code index} of a batch: {@code batches[c]} is the {@code (B,
   * 3, S_c, S_c)} buffer of crop index {@code c}, and this sample's crop {@code c} goes to position
   * {@code index}. Distinct indices touch disjoint ranges, so worker threads may fill the same
   * batch buffers concurrently.
   */
  public void applyIntoBatch(Image src, long seed, float[][] batches, int index) {
    int[] offsets = new int[crops()];
    for (int c = 0; c < offsets.length; c++) {
      offsets[c] = index * cropLength(c);
    }
    applyInto(src, seed, batches, offsets);
  }

  private void augmentCrop(
      Image src, boolean gray, int c, SplittableRandom rng, float[] dst, int off) {
    AugmentConfig cfg = config;
    boolean global = c < 2;
    int size = global ? cfg.globalCropSize() : cfg.localCropSize();
    int plane = size * size;

    Crops kind = global ? cfg.globalCrops() : cfg.localCrops();
    int[] box =
        RandomResizedCrop.sampleBox(
            src.height(),
            src.width(),
            kind.scale().min(),
            kind.scale().max(),
            cfg.ratio().min(),
            cfg.ratio().max(),
            rng);
    RandomResizedCrop.resizeBox(src, gray, box, size, dst, off);

    if (happens(cfg.hflipP(), rng)) {
      HorizontalFlip.apply(dst, off, size, size);
    }
    ColorJitterConfig cj = cfg.colorJitter();
    if (happens(cj.p(), rng)) {
      ColorJitter.Params p =
          ColorJitter.sample(cj.brightness(), cj.contrast(), cj.saturation(), cj.hue(), rng);
      ColorJitter.apply(dst, off, plane, p);
    }
    if (happens(cfg.grayscaleP(), rng)) {
      Grayscale.apply(dst, off, plane);
    }
    BlurConfig blur = cfg.blur();
    double blurP = c == 0 ? blur.pGlobal1() : c == 1 ? blur.pGlobal2() : blur.pLocal();
    if (happens(blurP, rng)) {
      double sigma = RandomResizedCrop.uniform(rng, blur.sigma().min(), blur.sigma().max());
      GaussianBlur.apply(dst, off, size, size, sigma);
    }
    if (c == 1 && happens(cfg.solarizeP(), rng)) {
      Solarize.apply(dst, off, Image.CHANNELS * plane);
    }
    Normalize.apply(dst, off, plane, mean, std);
  }

  /** One Bernoulli draw; it consumes a number even when p is 0 or 1. */
  private static boolean happens(double p, SplittableRandom rng) {
    return rng.nextDouble() < p;
  }

  private void checkCrop(int c) {
    if (c < 0 || c >= crops()) {
      throw new IndexOutOfBoundsException("crop " + c + " of " + crops());
    }
  }
}
