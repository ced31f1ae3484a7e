package dev.jdino.discover;

import dev.jdino.augment.Image;
import dev.jdino.augment.Normalization;
import dev.jdino.data.CocoAnnotations;
import dev.jdino.data.CocoDataset;
import dev.jdino.data.ImageDecoder;
import dev.jdino.io.BadInputException;
import dev.jdino.model.Backbone;
import dev.jdino.viz.AttentionMap;
import dev.jdino.viz.AttentionMasks;
import dev.jdino.viz.ImageSizing;
import dev.jdino.viz.ModelInput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Unsupervised object discovery scored by CorLoc (the paper's section 4.2.1 and the official
 * visualize_attention.py): for each image, the box around the attention mask's largest connected
 * component is "correct" when it overlaps some ground-truth box with IoU >= {@value
 * #IOU_THRESHOLD}; CorLoc is the share of correct images.
 *
 * <p>Per image: decode (at reduced resolution when the file is much larger than needed), resize so
 * the shorter side is {@code imageSize} keeping the aspect ratio, crop to whole patches and
 * normalise ({@link ModelInput}, as the attention pictures do), take the last block's [CLS]
 * attention ({@link AttentionMap}), keep 60% of its mass ({@link AttentionMasks#keepMass}), box the
 * largest 4-connected component ({@link MaskBoxes}) and scale the box back to the annotation's
 * pixel coordinates. Two masks are scored:
 *
 * <ul>
 *   <li><b>head mean</b> (the headline): the mask of the attention averaged over heads, a
 *       prediction that uses no labels;
 *   <li><b>best head</b>: every head's own mask, the image counted correct if any head's box is;
 *       like the paper's "best head per object" segmentation score this peeks at the labels, so it
 *       is an upper bound, not a method.
 * </ul>
 *
 * Images without boxes are left out (they have nothing to localise); images that fail to decode are
 * left out and counted.
 */
public final class CorLoc {
  public static final double IOU_THRESHOLD = 0.5;

  /**
   * Settings.
   *
   * @param imageSize shorter side of the model input, pixels
   * @param threshold attention mass kept by the mask (0.6 in the reference)
   * @param limit images to evaluate at most (0: all)
   */
  public record Settings(int imageSize, double threshold, int limit) {}

  /** One backbone to score, with the normalisation its inputs need. */
  public record Model(String name, Backbone backbone, Normalization normalization) {}

  /**
   * One model's score.
   *
   * @param images images scored
   * @param correctMean images whose head-mean box hits a ground-truth box
   * @param correctBestHead images where some head's box does
   * @param meanIou mean over images of the head-mean box's best IoU
   */
  public record Score(
      String name,
      String source,
      int images,
      int correctMean,
      int correctBestHead,
      double meanIou) {
    public double corlocMean() {
      return images == 0 ? Double.NaN : correctMean / (double) images;
    }

    public double corlocBestHead() {
      return images == 0 ? Double.NaN : correctBestHead / (double) images;
    }
  }

  /**
   * Scores of every model on the same images.
   *
   * @param withoutBoxes images skipped for having no ground-truth box
   * @param failed images skipped because they could not be decoded or were too small
   */
  public record Result(List<Score> scores, int withoutBoxes, int failed, List<String> failures) {}

  private CorLoc() {}

  /**
   * Scores {@code models} on the images of {@code data} (each image decoded once for all models).
   *
   * @param progress receives (images done, images to do) now and then; may be null
   */
  public static Result evaluate(
      CocoDataset data, List<Model> models, Settings s, Consumer<int[]> progress) {
    CocoAnnotations a = data.annotations();
    List<Integer> todo = new ArrayList<>();
    int withoutBoxes = 0;
    for (int i = 0; i < a.images().size(); i++) {
      if (a.boxesOf(i).isEmpty()) {
        withoutBoxes++;
      } else if (s.limit() <= 0 || todo.size() < s.limit()) {
        todo.add(i);
      }
    }
    int[] images = new int[models.size()];
    int[] hitMean = new int[models.size()];
    int[] hitBest = new int[models.size()];
    double[] iouSum = new double[models.size()];
    List<String> failures = new ArrayList<>();
    int failed = 0;
    ImageSizing sizing = ImageSizing.shorterSide(s.imageSize());
    for (int k = 0; k < todo.size(); k++) {
      int i = todo.get(k);
      double[][] ious;
      try {
        ious = score(data, i, models, sizing, s.threshold());
      } catch (IOException | BadInputException e) {
        failed++;
        if (failures.size() < 20) {
          failures.add(e.getMessage());
        }
        ious = null;
      }
      for (int m = 0; ious != null && m < models.size(); m++) {
        images[m]++;
        iouSum[m] += ious[m][0];
        hitMean[m] += ious[m][0] >= IOU_THRESHOLD ? 1 : 0;
        hitBest[m] += ious[m][1] >= IOU_THRESHOLD ? 1 : 0;
      }
      if (progress != null) {
        progress.accept(new int[] {k + 1, todo.size()});
      }
    }
    List<Score> scores = new ArrayList<>();
    for (int m = 0; m < models.size(); m++) {
      Model model = models.get(m);
      scores.add(
          new Score(
              model.name(),
              model.backbone().source(),
              images[m],
              hitMean[m],
              hitBest[m],
              images[m] == 0 ? Double.NaN : iouSum[m] / images[m]));
    }
    return new Result(scores, withoutBoxes, failed, failures);
  }

  /** Per model: {head-mean box IoU, best head's box IoU} on image {@code i}. */
  private static double[][] score(
      CocoDataset data, int i, List<Model> models, ImageSizing sizing, double threshold)
      throws IOException {
    Image img = data.load(i, sizing.size());
    List<Box> truth = truth(data, i);
    double[] scale = scale(data, i, sizing.resized(img.height(), img.width()));
    double[][] out = new double[models.size()][];
    for (int m = 0; m < models.size(); m++) {
      Model model = models.get(m);
      int p = model.backbone().config().patchSize();
      ModelInput in =
          ModelInput.prepare(
              img, sizing, p, model.normalization().mean(), model.normalization().std());
      AttentionMap map = AttentionMap.of(model.backbone(), in);
      double mean = bestIou(map.mean(), map, p, scale, truth, threshold);
      double best = mean;
      for (int h = 0; h < map.numHeads(); h++) {
        best = Math.max(best, bestIou(map.head(h), map, p, scale, truth, threshold));
      }
      out[m] = new double[] {mean, best};
    }
    return out;
  }

  /** The mask's largest-component box, in annotation pixels, scored against the truth. */
  static double bestIou(
      float[] values, AttentionMap map, int p, double[] scale, List<Box> truth, double threshold) {
    boolean[] mask = AttentionMasks.keepMass(values, threshold);
    Box box = MaskBoxes.largestComponentBox(mask, map.gridHeight(), map.gridWidth());
    if (box == null) {
      return 0;
    }
    Box pixels = box.scale(p * scale[0], p * scale[1]);
    double best = 0;
    for (Box t : truth) {
      best = Math.max(best, pixels.iou(t));
    }
    return best;
  }

  private static List<Box> truth(CocoDataset data, int image) {
    List<Box> out = new ArrayList<>();
    for (CocoAnnotations.Box b : data.annotations().boxesOf(image)) {
      out.add(Box.ofCoco(b.x(), b.y(), b.w(), b.h()));
    }
    return out;
  }

  /**
   * Factors from the resized model input's pixels to the annotation's: declared size / resized size
   * (the crop to whole patches only drops the bottom and right edges, so the origin holds).
   */
  private static double[] scale(CocoDataset data, int image, int[] resizedHw) throws IOException {
    CocoAnnotations.ImageEntry e = data.annotations().images().get(image);
    int w = e.width();
    int h = e.height();
    if (w <= 0 || h <= 0) {
      ImageDecoder.Info info = ImageDecoder.probe(data.path(image));
      w = info.width();
      h = info.height();
    }
    return new double[] {w / (double) resizedHw[1], h / (double) resizedHw[0]};
  }
}
