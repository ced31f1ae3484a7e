package dev.jdino.augment;

import java.util.SplittableRandom;

/**
 * torchvision's {@code ColorJitter} with the tensor semantics of {@code functional_tensor} (0.14)
 * on float [0, 1] images: brightness, contrast, saturation and hue adjustments applied in a random
 * order with randomly drawn factors.
 *
 * <p>The adjustment functions evaluate in single precision in the same order as torch, with the
 * factor rounded to float the way torch rounds a Python scalar, so results match torchvision to a
 * few ulps.
 */
public final class ColorJitter {
  /** Operation ids, as in torchvision's {@code fn_idx}. */
  public static final int BRIGHTNESS = 0;

  public static final int CONTRAST = 1;
  public static final int SATURATION = 2;
  public static final int HUE = 3;

  private ColorJitter() {}

  /**
   * One draw of the jitter's randomness, as torchvision's {@code ColorJitter.get_params}.
   *
   * @param order the 4 operation ids in application order
   * @param brightness brightness factor, or NaN when that adjustment is disabled; likewise others
   */
  public record Params(
      int[] order, double brightness, double contrast, double saturation, double hue) {
    public Params {
      order = order.clone();
    }

    @Override
    public int[] order() {
      return order.clone();
    }
  }

  /**
   * Draws an order and factors: brightness, contrast and saturation factors uniform in {@code
   * [max(0, 1 - s), 1 + s]}, hue shift uniform in {@code [-hue, hue]}. A strength of 0 disables its
   * adjustment without drawing a factor, as torchvision does.
   */
  public static Params sample(
      double brightness, double contrast, double saturation, double hue, SplittableRandom rng) {
    int[] order = {BRIGHTNESS, CONTRAST, SATURATION, HUE};
    for (int i = order.length - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    return new Params(
        order,
        factor(brightness, rng),
        factor(contrast, rng),
        factor(saturation, rng),
        hue == 0 ? Double.NaN : RandomResizedCrop.uniform(rng, -hue, hue));
  }

  private static double factor(double strength, SplittableRandom rng) {
    return strength == 0
        ? Double.NaN
        : RandomResizedCrop.uniform(rng, Math.max(0, 1 - strength), 1 + strength);
  }

  /** Applies the adjustments of {@code p} in its order, in place, to 3 planes at {@code off}. */
  public static void apply(float[] px, int off, int plane, Params p) {
    for (int id : p.order) {
      switch (id) {
        case BRIGHTNESS -> {
          if (!Double.isNaN(p.brightness)) {
            adjustBrightness(px, off, plane, p.brightness);
          }
        }
        case CONTRAST -> {
          if (!Double.isNaN(p.contrast)) {
            adjustContrast(px, off, plane, p.contrast);
          }
        }
        case SATURATION -> {
          if (!Double.isNaN(p.saturation)) {
            adjustSaturation(px, off, plane, p.saturation);
          }
        }
        case HUE -> {
          if (!Double.isNaN(p.hue)) {
            adjustHue(px, off, plane, p.hue);
          }
        }
        default -> throw new IllegalArgumentException("unknown colour jitter operation " + id);
      }
    }
  }

  /** {@code clamp(f * x, 0, 1)} on every value. */
  public static void adjustBrightness(float[] px, int off, int plane, double factor) {
    float f = (float) factor;
    for (int i = off, end = off + Image.CHANNELS * plane; i < end; i++) {
      px[i] = clamp01(f * px[i]);
    }
  }

  /** Blends every value with the mean luma of the whole image. */
  public static void adjustContrast(float[] px, int off, int plane, double factor) {
    double sum = 0;
    for (int i = 0; i < plane; i++) {
      sum += Grayscale.luma(px[off + i], px[off + plane + i], px[off + 2 * plane + i]);
    }
    float mean = (float) (sum / plane);
    float a = (float) factor;
    float bm = (float) (1.0 - factor) * mean;
    for (int i = off, end = off + Image.CHANNELS * plane; i < end; i++) {
      px[i] = clamp01(a * px[i] + bm);
    }
  }

  /** Blends every pixel with its own luma. */
  public static void adjustSaturation(float[] px, int off, int plane, double factor) {
    float a = (float) factor;
    float b = (float) (1.0 - factor);
    int g = off + plane;
    int bl = g + plane;
    for (int i = 0; i < plane; i++) {
      float l = b * Grayscale.luma(px[off + i], px[g + i], px[bl + i]);
      px[off + i] = clampScalar(a * px[off + i] + l);
      px[g + i] = clampScalar(a * px[g + i] + l);
      px[bl + i] = clampScalar(a * px[bl + i] + l);
    }
  }

  /**
   * Rotates the hue of every pixel by {@code hueFactor} turns (in [-0.5, 0.5]) through
   * torchvision's {@code _rgb2hsv} / {@code _hsv2rgb}.
   */
  public static void adjustHue(float[] px, int off, int plane, double hueFactor) {
    if (!(hueFactor >= -0.5 && hueFactor <= 0.5)) {
      throw new IllegalArgumentException("hue factor must lie in [-0.5, 0.5], got " + hueFactor);
    }
    float shift = (float) hueFactor;
    int g = off + plane;
    int bl = g + plane;
    for (int i = 0; i < plane; i++) {
      float r = px[off + i];
      float gr = px[g + i];
      float b = px[bl + i];
      // _rgb2hsv. Ternaries instead of Math.max/min: no NaN or -0 handling is needed here and
      // they compile to plain compare-and-select.
      float maxc = r > gr ? r : gr;
      maxc = maxc > b ? maxc : b;
      float minc = r < gr ? r : gr;
      minc = minc < b ? minc : b;
      float cr = maxc - minc;
      float h;
      float s;
      if (cr == 0f) {
        h = 0f;
        s = 0f;
      } else {
        s = cr / maxc;
        // Same divisions and operation order as torch, minus the quotients it multiplies by 0.
        if (maxc == r) {
          h = (maxc - b) / cr - (maxc - gr) / cr;
        } else if (maxc == gr) {
          h = 2f + (maxc - r) / cr - (maxc - b) / cr;
        } else {
          h = 4f + (maxc - gr) / cr - (maxc - r) / cr;
        }
      }
      // torch's fmod(h / 6 + 1, 1) and remainder(h + shift, 1). The arguments lie in [-0.5, 2),
      // where subtracting 1 is exact, so this is bit-identical and avoids Java's slow float %.
      h = h / 6f + 1f;
      if (h >= 1f) {
        h -= 1f;
      }
      h += shift;
      if (h >= 1f) {
        h -= 1f;
      } else if (h < 0f) {
        h += 1f;
      }
      // _hsv2rgb
      // h * 6 is never negative, so the int cast is torch's floor without a double round trip.
      int sector = (int) (h * 6f);
      float f = h * 6f - sector;
      float p = clampScalar(maxc * (1f - s));
      float q = clampScalar(maxc * (1f - s * f));
      float t = clampScalar(maxc * (1f - s * (1f - f)));
      float v = maxc;
      switch (sector % 6) {
        case 0 -> set(px, off + i, g + i, bl + i, v, t, p);
        case 1 -> set(px, off + i, g + i, bl + i, q, v, p);
        case 2 -> set(px, off + i, g + i, bl + i, p, v, t);
        case 3 -> set(px, off + i, g + i, bl + i, p, q, v);
        case 4 -> set(px, off + i, g + i, bl + i, t, p, v);
        default -> set(px, off + i, g + i, bl + i, v, p, q);
      }
    }
  }

  /**
   * The whole random transform on one image, in place: with probability {@code p} draw {@link
   * Params} and apply them.
   */
  public static Image apply(
      Image img,
      double p,
      double brightness,
      double contrast,
      double saturation,
      double hue,
      SplittableRandom rng) {
    if (rng.nextDouble() < p) {
      apply(
          img.data(),
          0,
          img.height() * img.width(),
          sample(brightness, contrast, saturation, hue, rng));
    }
    return img;
  }

  private static void set(float[] px, int ri, int gi, int bi, float r, float g, float b) {
    px[ri] = r;
    px[gi] = g;
    px[bi] = b;
  }

  /** Math.min/max rather than ternaries: the JIT vectorises them in the whole-plane loops. */
  private static float clamp01(float x) {
    return Math.min(Math.max(x, 0f), 1f);
  }

  /** Compare-and-select clamp for scalar code, cheaper there than Math.min/max. */
  private static float clampScalar(float x) {
    return x < 0f ? 0f : x > 1f ? 1f : x;
  }
}
