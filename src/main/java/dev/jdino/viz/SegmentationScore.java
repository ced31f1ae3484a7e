package dev.jdino.viz;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jdino.augment.Image;
import dev.jdino.augment.Normalization;
import dev.jdino.io.BadInputException;
import dev.jdino.io.Json;
import dev.jdino.model.Backbone;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A number for emergent segmentation on images whose object is everything that is not black
 * (Fashion-MNIST): the Jaccard index between an image's attention mask and its foreground mask.
 *
 * <p>Definitions, all at the resolution the model saw (after resize and crop):
 *
 * <ul>
 *   <li><b>Foreground</b>: a pixel whose largest channel value, in [0, 1], is greater than the
 *       foreground threshold (default 0: every pixel that is not pure black; Fashion-MNIST's
 *       background is exactly 0).
 *   <li><b>Attention mask</b>: per head, the patches keeping the threshold share (0.6) of that
 *       head's [CLS] attention mass ({@link AttentionMasks#keepMass}); the <b>head-mean</b> mask is
 *       the same rule on the mean over heads.
 *   <li><b>Patch to pixels</b>: a kept patch counts as all of its {@code p x p} pixels, so the two
 *       masks are compared pixel by pixel; no patch-level rounding of the foreground is needed.
 *   <li><b>Jaccard</b>: |A ∩ F| / |A ∪ F| per image (1 when both are empty); <b>best head</b> takes
 *       the largest over the heads for each image (as the paper does per object), then the mean
 *       over images; <b>head mean</b> is the mean over images of the head-mean mask's Jaccard;
 *       <b>per head</b> is each fixed head's mean.
 * </ul>
 */
public final class SegmentationScore {
  private static final int BATCH = 128;

  /**
   * The score of one model.
   *
   * @param perHead mean Jaccard of each fixed head
   * @param perClassBestHead best-head mean per class label (empty without labels); NaN for a class
   *     with no image
   */
  public record Result(
      String model,
      int images,
      double bestHead,
      double headMean,
      double[] perHead,
      double[] perClassBestHead) {

    public ObjectNode toJson(List<String> classNames) {
      ObjectNode n = Json.object();
      n.put("model", model);
      n.put("images", images);
      n.put("best_head", bestHead);
      n.put("head_mean", headMean);
      var ph = n.putArray("per_head");
      for (double v : perHead) {
        ph.add(v);
      }
      if (perClassBestHead.length > 0) {
        ObjectNode pc = n.putObject("per_class_best_head");
        for (int c = 0; c < perClassBestHead.length; c++) {
          String name = c < classNames.size() ? classNames.get(c) : Integer.toString(c);
          if (!Double.isNaN(perClassBestHead[c])) {
            pc.put(name, perClassBestHead[c]);
          }
        }
      }
      return n;
    }
  }

  private SegmentationScore() {}

  /** The element-wise mean of several results on the same images (e.g. several random seeds). */
  public static Result mean(String model, List<Result> results) {
    int k = results.size();
    Result first = results.get(0);
    double best = 0;
    double headMean = 0;
    double[] perHead = new double[first.perHead().length];
    double[] perClass = new double[first.perClassBestHead().length];
    for (Result r : results) {
      best += r.bestHead() / k;
      headMean += r.headMean() / k;
      for (int h = 0; h < perHead.length; h++) {
        perHead[h] += r.perHead()[h] / k;
      }
      for (int c = 0; c < perClass.length; c++) {
        perClass[c] += r.perClassBestHead()[c] / k;
      }
    }
    return new Result(model, first.images(), best, headMean, perHead, perClass);
  }

  /** The foreground mask of an image in [0, 1]: max over channels {@code > threshold}. */
  public static boolean[] foreground(Image img, double threshold) {
    int plane = img.height() * img.width();
    float[] d = img.data();
    boolean[] fg = new boolean[plane];
    for (int i = 0; i < plane; i++) {
      float v = Math.max(d[i], Math.max(d[plane + i], d[2 * plane + i]));
      fg[i] = v > threshold;
    }
    return fg;
  }

  /** |a ∩ b| / |a ∪ b|; 1 when both are empty. */
  public static double jaccard(boolean[] a, boolean[] b) {
    if (a.length != b.length) {
      throw new IllegalArgumentException("masks differ in size: " + a.length + " vs " + b.length);
    }
    int inter = 0;
    int union = 0;
    for (int i = 0; i < a.length; i++) {
      inter += a[i] && b[i] ? 1 : 0;
      union += a[i] || b[i] ? 1 : 0;
    }
    return union == 0 ? 1.0 : inter / (double) union;
  }

  /**
   * The Jaccard of each head's mask, then of the head-mean mask, with the foreground {@code fg}
   * (pixels of the map's {@code gridHeight * p x gridWidth * p} image).
   */
  public static double[] jaccards(AttentionMap map, boolean[] fg, double threshold) {
    int heads = map.numHeads();
    double[] j = new double[heads + 1];
    for (int h = 0; h <= heads; h++) {
      boolean[] mask = AttentionMap.mask(h < heads ? map.head(h) : map.mean(), threshold);
      j[h] =
          jaccard(
              AttentionMap.upsample(mask, map.gridHeight(), map.gridWidth(), map.patchSize()), fg);
    }
    return j;
  }

  /**
   * Scores {@code backbone} on every image of {@code images}; each image left out (undecodable, too
   * small) goes to {@code skipped} as "source: reason", so that a caller scoring several backbones
   * on the same images reports each image once.
   *
   * @throws BadInputException if no image could be scored
   */
  public static Result score(
      String model,
      Backbone backbone,
      ImageSet images,
      ImageSizing sizing,
      Normalization norm,
      double threshold,
      double foregroundThreshold,
      Consumer<String> skipped) {
    int heads = backbone.config().numHeads();
    int classes = images.hasLabels() ? maxLabel(images) + 1 : 0;
    double[] perHead = new double[heads];
    double[] classSum = new double[classes];
    int[] classCount = new int[classes];
    double best = 0;
    double mean = 0;
    int n = 0;
    List<ModelInput> batch = new ArrayList<>();
    List<Integer> batchIndex = new ArrayList<>();
    for (int i = 0; i <= images.size(); i++) {
      ModelInput in = null;
      if (i < images.size()) {
        try {
          in =
              ModelInput.prepare(
                  images.load(i), sizing, backbone.config().patchSize(), norm.mean(), norm.std());
        } catch (IOException | BadInputException e) {
          skipped.accept(images.failure(i, e));
          continue;
        }
      }
      boolean flush =
          !batch.isEmpty()
              && (in == null
                  || batch.size() == BATCH
                  || in.height() != batch.get(0).height()
                  || in.width() != batch.get(0).width());
      if (flush) {
        List<AttentionMap> maps = AttentionMap.of(backbone, batch);
        for (int b = 0; b < batch.size(); b++) {
          boolean[] fg = foreground(batch.get(b).display(), foregroundThreshold);
          double[] j = jaccards(maps.get(b), fg, threshold);
          double bestHere = 0;
          for (int h = 0; h < heads; h++) {
            perHead[h] += j[h];
            bestHere = Math.max(bestHere, j[h]);
          }
          best += bestHere;
          mean += j[heads];
          n++;
          if (classes > 0) {
            int c = images.label(batchIndex.get(b));
            classSum[c] += bestHere;
            classCount[c]++;
          }
        }
        batch.clear();
        batchIndex.clear();
      }
      if (in != null) {
        batch.add(in);
        batchIndex.add(i);
      }
    }
    if (n == 0) {
      throw new BadInputException(images.name() + ": no image could be scored");
    }
    for (int h = 0; h < heads; h++) {
      perHead[h] /= n;
    }
    double[] perClass = new double[classes];
    for (int c = 0; c < classes; c++) {
      perClass[c] = classCount[c] == 0 ? Double.NaN : classSum[c] / classCount[c];
    }
    return new Result(model, n, best / n, mean / n, perHead, perClass);
  }

  private static int maxLabel(ImageSet images) {
    int m = 0;
    for (int i = 0; i < images.size(); i++) {
      m = Math.max(m, images.label(i));
    }
    return m;
  }
}
