package dev.jdino.eval;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jdino.augment.EvalTransform;
import dev.jdino.augment.Image;
import dev.jdino.augment.Normalization;
import dev.jdino.augment.Normalize;
import dev.jdino.io.Json;
import dev.jdino.model.Backbone;
import dev.jdino.train.DinoConfig;
import java.util.Arrays;

/**
 * How evaluation images are prepared (the official eval_knn.py: no augmentation): torchvision's
 * {@code Resize(resize, bicubic)} and {@code CenterCrop(crop)} ({@link EvalTransform}), then {@code
 * Normalize(mean, std)} with the statistics the backbone was trained with.
 *
 * @param resize shorter side after resizing; {@link #defaultResize} keeps the official 256/224
 *     ratio (32 for 28 px crops)
 * @param crop side of the centre crop, normally the backbone's training resolution
 * @param mean per-channel mean (RGB, 3 values)
 * @param std per-channel standard deviation (RGB, 3 positive values)
 */
public record Preprocessing(int resize, int crop, float[] mean, float[] std) {

  public Preprocessing {
    if (crop < 1 || resize < crop) {
      throw new IllegalArgumentException(
          "need 1 <= --crop <= --resize, got resize " + resize + ", crop " + crop);
    }
    if (mean == null || std == null || mean.length != 3 || std.length != 3) {
      throw new IllegalArgumentException("--mean and --std need 3 values each (R G B)");
    }
    for (float s : std) {
      if (!(s > 0)) {
        throw new IllegalArgumentException(
            "--std values must be positive, got " + Arrays.toString(std));
      }
    }
    mean = mean.clone();
    std = std.clone();
  }

  /** The official ratio: 256 px resize for 224 px crops, i.e. {@code round(crop * 256 / 224)}. */
  public static int defaultResize(int crop) {
    return (int) Math.round(crop * 256.0 / 224.0);
  }

  /**
   * The preparation matching {@code backbone}: crop = its training resolution, mean and std from
   * its jdino metadata ({@code config.augment}), ImageNet statistics when the file has none (e.g.
   * converted official weights). Any argument given (non-null) overrides.
   */
  public static Preprocessing forBackbone(
      Backbone backbone, Integer resize, Integer crop, float[] mean, float[] std) {
    int c = crop != null ? crop : backbone.config().imgSize();
    Normalization n = backbone.normalization();
    return new Preprocessing(
        resize != null ? resize : defaultResize(c),
        c,
        mean != null ? mean : n.mean(),
        std != null ? std : n.std());
  }

  /** {@link #forBackbone(Backbone, Integer, Integer, float[], float[])} with nothing overridden. */
  public static Preprocessing forBackbone(Backbone backbone) {
    return forBackbone(backbone, null, null, null, null);
  }

  /** The preparation for a network being trained with {@code config} (online k-NN). */
  public static Preprocessing forTraining(DinoConfig config) {
    int c = config.vit().imgSize();
    Normalization n = config.augment().normalize();
    return new Preprocessing(defaultResize(c), c, n.mean(), n.std());
  }

  /** Floats per prepared image: 3 x crop x crop. */
  public int sampleLength() {
    return 3 * crop * crop;
  }

  /** True when every channel is normalised alike, so a gray image stays 3 equal planes. */
  public boolean channelsAlike() {
    return mean[0] == mean[1] && mean[1] == mean[2] && std[0] == std[1] && std[1] == std[2];
  }

  /** Resizes, centre-crops and normalises {@code src} into {@code dst} from {@code off}. */
  public void apply(Image src, float[] dst, int off) {
    if (src == null || dst == null) {
      throw new IllegalArgumentException("apply needs an image and a destination array, got null");
    }
    // Checked first: the resize is the costly part, and arraycopy's message names no image size.
    if (off < 0 || off > dst.length - sampleLength()) {
      throw new IllegalArgumentException(
          "dst of "
              + dst.length
              + " floats has no room for a "
              + sampleLength()
              + "-float image (3 x crop x crop) at offset "
              + off);
    }
    Image out = EvalTransform.apply(src, resize, crop);
    System.arraycopy(out.data(), 0, dst, off, sampleLength());
    Normalize.apply(dst, off, crop * crop, mean, std);
  }

  /** A description for output files. */
  public ObjectNode toJson() {
    ObjectNode o = Json.object();
    o.put("resize", resize);
    o.put("crop", crop);
    o.put("interpolation", "bicubic");
    var m = o.putArray("mean");
    var s = o.putArray("std");
    for (int i = 0; i < 3; i++) {
      m.add(mean[i]);
      s.add(std[i]);
    }
    return o;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Preprocessing p
        && p.resize == resize
        && p.crop == crop
        && Arrays.equals(p.mean, mean)
        && Arrays.equals(p.std, std);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * resize + crop) + 7 * Arrays.hashCode(mean) + Arrays.hashCode(std);
  }

  @Override
  public String toString() {
    return "resize "
        + resize
        + " (bicubic), centre crop "
        + crop
        + ", mean "
        + Arrays.toString(mean)
        + ", std "
        + Arrays.toString(std);
  }
}
