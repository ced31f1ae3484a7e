package dev.jdino.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jdino.augment.HorizontalFlip;
import dev.jdino.augment.Normalize;
import dev.jdino.augment.RandomResizedCrop;
import dev.jdino.data.EpochOrder;
import dev.jdino.data.ImageDataset;
import dev.jdino.engine.Torch;
import dev.jdino.io.AtomicFiles;
import dev.jdino.io.BadInputException;
import dev.jdino.io.Json;
import dev.jdino.io.Safetensors;
import dev.jdino.model.Backbone;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The linear probe of {@code eval_linear.py} (the paper's section 4.1; the official eval_knn.py and
 * eval_linear.py): a frozen backbone, features = the CLS tokens of its last n blocks (optionally
 * with the last block's mean patch token), one linear layer trained by SGD with a per-epoch cosine
 * lr, evaluated on the test set after every epoch; the best epoch's top-1 is the result.
 *
 * <p>Test features are computed once: the evaluation transform is deterministic and the backbone
 * frozen, so that equals recomputing them every epoch. Training features are recomputed from
 * augmented images every epoch in the official mode, or computed once from evaluation-transformed
 * images in the fast mode ({@link LinearProbeConfig#augment()} false).
 */
public final class LinearProbe {
  /** The weights file written by {@link #save}. */
  public static final String WEIGHTS_FILE = "linear.safetensors";

  /** Its description with the per-epoch log. */
  public static final String DESCRIPTION_FILE = "linear.json";

  public static final String FORMAT = "jdino-linear-probe";
  private static final long INIT_SEED = 0x6c696e6561722d31L;
  private static final int EVAL_BATCH = 1024;

  private LinearProbe() {}

  /**
   * One epoch's outcome.
   *
   * @param top5 NaN when there are fewer than 5 classes (as the official script, which skips it)
   */
  public record Epoch(
      int epoch, double lr, double trainLoss, double top1, double top5, double seconds) {}

  /**
   * The trained probe.
   *
   * @param weight (classes, dim) row-major, after the last epoch (what the official script saves)
   * @param bestEpoch 0-based epoch of the best top-1 (the first one reaching it)
   */
  public record Result(
      LinearProbeConfig config,
      int dim,
      int classes,
      List<Epoch> epochs,
      int bestEpoch,
      double bestTop1,
      double bestTop5,
      float[] weight,
      float[] bias,
      int trainImages,
      int testImages,
      List<FeatureExtractor.Skipped> skipped,
      List<String> classesWithoutTraining) {

    /** One line naming the test classes left with no training image, or null when none is. */
    public String missingClassesNote() {
      return EvalData.missingClassesNote(classesWithoutTraining);
    }

    /**
     * One line when the probe diverged, else null: the last epoch's mean training loss is not
     * finite or more than twice a uniform guess's ln C. A learning rate far too high does this
     * while the top-1 stays finite and may even look plausible, so the score alone does not show
     * it.
     */
    public String divergenceNote() {
      if (epochs.isEmpty() || classes < 2) {
        return null;
      }
      double loss = epochs.get(epochs.size() - 1).trainLoss();
      double guess = Math.log(classes);
      if (Double.isFinite(loss) && loss <= 2 * guess) {
        return null;
      }
      return String.format(
          Locale.ROOT,
          "note: the probe diverged: its last epoch's training loss is %s against ln %d = %.3f for"
              + " a uniform guess; lower --lr (peak %.3g here)",
          formatLoss(loss),
          classes,
          guess,
          config.peakLr());
    }
  }

  /** A loss as a person reads it: fixed decimals while small, exponent once it has blown up. */
  public static String formatLoss(double loss) {
    return Double.isFinite(loss) && Math.abs(loss) < 1e5
        ? String.format(Locale.ROOT, "%.4f", loss)
        : String.format(Locale.ROOT, "%.4g", loss);
  }

  /**
   * The probe's input for a backbone: CLS of the last {@code n} blocks, oldest first, each after
   * the final norm; with {@code avgpool}, the last block's mean patch token too. For n = 1 the two
   * are interleaved element by element exactly as the official code does ({@code cat} of the
   * unsqueezed vectors, then reshape), so released linear weights apply; for n > 1 (which the
   * official code does not support) the mean token is appended.
   */
  public static FeatureExtractor.Encoder encoder(Backbone backbone, int n, boolean avgpool) {
    if (n > backbone.config().depth()) {
      throw new IllegalArgumentException(
          "--n-last-blocks " + n + " exceeds the backbone's depth " + backbone.config().depth());
    }
    return x -> {
      List<NDArray> layers = backbone.intermediateLayers(x, n);
      NDList cls = new NDList();
      for (NDArray l : layers) {
        cls.add(l.get(new NDIndex(":, 0")));
      }
      NDArray out = cls.size() == 1 ? cls.get(0) : NDArrays.concat(cls, 1);
      if (!avgpool) {
        return out;
      }
      NDArray avg = layers.get(layers.size() - 1).get(new NDIndex(":, 1:")).mean(new int[] {1});
      if (n == 1) {
        return NDArrays.stack(new NDList(out, avg), 2).reshape(x.getShape().get(0), -1);
      }
      return NDArrays.concat(new NDList(out, avg), 1);
    };
  }

  /** Feature width of {@link #encoder}. */
  public static int featureDim(Backbone backbone, int n, boolean avgpool) {
    return backbone.config().embedDim() * (n + (avgpool ? 1 : 0));
  }

  /** Runs the probe on images (official or fast mode, per {@code config.augment()}). */
  public static Result run(
      Backbone backbone,
      ImageDataset train,
      ImageDataset test,
      Preprocessing prep,
      LinearProbeConfig config,
      int workers,
      Progress progress,
      Consumer<Epoch> onEpoch) {
    EvalData.requireSameClasses(train, test);
    int classCount = classCount(train, test);
    if (classCount < 2) {
      // one class is 100 % for any features: a result that says nothing about them
      throw new BadInputException(
          train.name() + " has one class: a linear probe needs at least two to tell apart");
    }
    FeatureExtractor.Encoder enc =
        encoder(backbone, config.nLastBlocks(), config.avgpoolPatchTokens());
    FeatureExtractor.Options raw = new FeatureExtractor.Options(config.batchSize(), workers, false);
    FeatureExtractor.Result te =
        FeatureExtractor.extract(
            test, null, prep, List.of(enc), raw, progress, "probe features (test)");
    if (!config.augment()) {
      FeatureExtractor.Result tr =
          FeatureExtractor.extract(
              train, null, prep, List.of(enc), raw, progress, "probe features (train)");
      Result r = fit(tr.first(), te.first(), config, classCount, onEpoch);
      return withSkipped(r, train, tr.skipped(), test, te.skipped());
    }
    int classes = classCount;
    int crop = prep.crop();
    int plane = crop * crop;
    Trainer t =
        new Trainer(
            te.first(),
            config,
            featureDim(backbone, config.nLastBlocks(), config.avgpoolPatchTokens()),
            classes);
    // Every epoch decodes the training images again, so an image may fail in a later epoch only
    // (a file replaced or removed during the run): the failures of all epochs, once each.
    Map<Integer, FeatureExtractor.Skipped> trainFailed = new TreeMap<>();
    try (t) {
      int seen = 0;
      for (int e = 0; e < config.epochs(); e++) {
        long t0 = System.nanoTime();
        final int epoch = e;
        int[] order = EpochOrder.permutation(train.size(), config.seed(), e);
        double lr = config.lrAt(e);
        double lossSum = 0;
        int images = 0;
        try (NDManager m = Torch.newManager();
            PreparedBatches batches =
                new PreparedBatches(
                    train,
                    order,
                    config.batchSize(),
                    prep.sampleLength(),
                    (img, p, dst, off) -> {
                      SplittableRandom rng =
                          new SplittableRandom(EpochOrder.sampleSeed(config.seed(), epoch, p));
                      int[] box =
                          RandomResizedCrop.sampleBox(
                              img.height(),
                              img.width(),
                              config.scaleMin(),
                              1.0,
                              3.0 / 4.0,
                              4.0 / 3.0,
                              rng);
                      RandomResizedCrop.resizeBox(img, box, crop, dst, off);
                      if (rng.nextDouble() < 0.5) {
                        HorizontalFlip.apply(dst, off, crop, crop);
                      }
                      Normalize.apply(dst, off, plane, prep.mean(), prep.std());
                    },
                    workers)) {
          while (batches.hasNext()) {
            PreparedBatches.Batch b = batches.next();
            if (b.count() == 0) {
              continue;
            }
            int[] labels = new int[b.count()];
            for (int i = 0; i < labels.length; i++) {
              labels[i] = train.label(b.indices()[i]);
            }
            try (NDScope scope = new NDScope()) {
              NDArray x =
                  KnnClassifier.create(m, b.pixels(), 0, b.count(), prep.sampleLength())
                      .reshape(b.count(), 3, crop, crop);
              lossSum += (double) t.classifier.step(enc.encode(x), labels, lr) * labels.length;
            }
            images += labels.length;
          }
          for (PreparedBatches.Failure f : batches.failures()) {
            trainFailed.putIfAbsent(
                f.index(), new FeatureExtractor.Skipped(f.index(), f.source(), f.message()));
          }
        }
        seen = images;
        onEpoch.accept(t.endEpoch(e, lr, lossSum / Math.max(1, images), t0));
      }
      List<FeatureExtractor.Skipped> trainSkipped = List.copyOf(trainFailed.values());
      return withSkipped(t.result(seen), train, trainSkipped, test, te.skipped());
    }
  }

  /**
   * Trains on precomputed features (the fast mode, and synthetic features in tests): each epoch
   * visits the rows in the order {@link EpochOrder#permutation}(n, seed, epoch).
   */
  public static Result fit(
      Features train,
      Features test,
      LinearProbeConfig config,
      int classes,
      Consumer<Epoch> onEpoch) {
    if (!train.hasLabels() || !test.hasLabels()) {
      throw new IllegalArgumentException("the linear probe needs labelled features");
    }
    int c = Math.max(classes, Math.max(train.impliedClasses(), test.impliedClasses()));
    int d = train.dim();
    try (Trainer t = new Trainer(test, config, d, c);
        NDManager m = Torch.newManager()) {
      for (int e = 0; e < config.epochs(); e++) {
        long t0 = System.nanoTime();
        int[] order = EpochOrder.permutation(train.count(), config.seed(), e);
        double lr = config.lrAt(e);
        double lossSum = 0;
        for (int from = 0; from < order.length; from += config.batchSize()) {
          int n = Math.min(config.batchSize(), order.length - from);
          float[] x = new float[n * d];
          int[] labels = new int[n];
          for (int i = 0; i < n; i++) {
            int row = order[from + i];
            System.arraycopy(train.values(), row * d, x, i * d, d);
            labels[i] = train.labels()[row];
          }
          try (NDScope scope = new NDScope()) {
            lossSum += (double) t.classifier.step(m.create(x, new Shape(n, d)), labels, lr) * n;
          }
        }
        onEpoch.accept(t.endEpoch(e, lr, lossSum / train.count(), t0));
      }
      return t.result(train.count());
    }
  }

  /** Top-1 and top-5 (NaN with fewer than 5 classes) of logits; ties rank the lower class first. */
  static double[] accuracy(float[] logits, int[] labels, int classes) {
    int c1 = 0;
    int c5 = 0;
    for (int i = 0; i < labels.length; i++) {
      float v = logits[i * classes + labels[i]];
      int rank = 0;
      for (int c = 0; c < classes; c++) {
        float o = logits[i * classes + c];
        if (o > v || (o == v && c < labels[i])) {
          rank++;
        }
      }
      c1 += rank == 0 ? 1 : 0;
      c5 += rank < 5 ? 1 : 0;
    }
    double n = Math.max(1, labels.length);
    return new double[] {100.0 * c1 / n, classes >= 5 ? 100.0 * c5 / n : Double.NaN};
  }

  private static int classCount(ImageDataset train, ImageDataset test) {
    int c = Math.max(train.classNames().size(), test.classNames().size());
    for (ImageDataset d : List.of(train, test)) {
      for (int i = 0; i < d.size(); i++) {
        c = Math.max(c, d.label(i) + 1);
      }
    }
    return c;
  }

  /**
   * Writes the probe into {@code dir}: {@code linear.safetensors} (tensors {@code linear.weight}
   * (classes, dim) and {@code linear.bias} (classes), float32, the official names; the description
   * in the header metadata under {@code jdino}) and the same description, with every epoch, in
   * {@code linear.json}.
   *
   * @param description what produced it (checkpoint, data, preprocessing); the probe's
   *     configuration and results are added
   * @return the safetensors file
   */
  public static Path save(Path dir, Result r, ObjectNode description) throws IOException {
    ObjectNode meta = description.deepCopy();
    meta.put("format", FORMAT);
    meta.set("probe", r.config().toJson());
    meta.put("feature_dim", r.dim());
    meta.put("classes", r.classes());
    meta.put("train_images", r.trainImages());
    meta.put("test_images", r.testImages());
    meta.put("best_epoch", r.bestEpoch());
    meta.put("best_top1", r.bestTop1());
    putNumber(meta, "best_top5", r.bestTop5());
    meta.put("weights_from_epoch", r.epochs().size() - 1);
    if (r.divergenceNote() != null) {
      meta.put("diverged", true);
    }
    if (!r.classesWithoutTraining().isEmpty()) {
      ArrayNode c = meta.putArray("classes_without_training_images");
      r.classesWithoutTraining().forEach(c::add);
    }
    Path file = dir.resolve(WEIGHTS_FILE);
    try (NDManager m = Torch.newManager()) {
      Map<String, NDArray> t = new LinkedHashMap<>();
      t.put("linear.weight", m.create(r.weight(), new Shape(r.classes(), r.dim())));
      t.put("linear.bias", m.create(r.bias(), new Shape(r.classes())));
      Safetensors.write(file, t, Map.of("format", FORMAT, "jdino", Json.compact(meta)));
    }
    ObjectNode full = meta.deepCopy();
    ArrayNode eps = full.putArray("epochs");
    for (Epoch e : r.epochs()) {
      ObjectNode o = eps.addObject();
      o.put("epoch", e.epoch());
      o.put("lr", e.lr());
      putNumber(o, "train_loss", e.trainLoss());
      o.put("test_top1", e.top1());
      putNumber(o, "test_top5", e.top5());
      o.put("seconds", e.seconds());
    }
    AtomicFiles.writeString(dir.resolve(DESCRIPTION_FILE), Json.pretty(full) + "\n");
    return file;
  }

  /** JSON has no NaN: an undefined value is written as null. */
  static void putNumber(ObjectNode o, String key, double v) {
    if (Double.isFinite(v)) {
      o.put(key, v);
    } else {
      o.putNull(key);
    }
  }

  private static Result withSkipped(
      Result r,
      ImageDataset train,
      List<FeatureExtractor.Skipped> trainSkipped,
      ImageDataset test,
      List<FeatureExtractor.Skipped> testSkipped) {
    return new Result(
        r.config(),
        r.dim(),
        r.classes(),
        r.epochs(),
        r.bestEpoch(),
        r.bestTop1(),
        r.bestTop5(),
        r.weight(),
        r.bias(),
        r.trainImages(),
        r.testImages(),
        FeatureExtractor.Skipped.ofSplits(trainSkipped, testSkipped),
        EvalData.classesWithoutTraining(
            train, EvalData.indices(trainSkipped), test, EvalData.indices(testSkipped)));
  }

  /** The classifier, the cached test features, and the running best. */
  private static final class Trainer implements AutoCloseable {
    final LinearClassifier classifier;
    final Features test;
    final LinearProbeConfig config;
    final List<Epoch> epochs = new ArrayList<>();
    int best = -1;

    Trainer(Features test, LinearProbeConfig config, int dim, int classes) {
      if (test.dim() != dim) {
        throw new IllegalArgumentException(
            "test features have " + test.dim() + " dims, expected " + dim);
      }
      this.classifier = new LinearClassifier(dim, classes, config.seed() ^ INIT_SEED);
      this.test = test;
      this.config = config;
    }

    Epoch endEpoch(int e, double lr, double loss, long t0) {
      double[] acc = evaluate();
      Epoch ep = new Epoch(e, lr, loss, acc[0], acc[1], (System.nanoTime() - t0) / 1e9);
      epochs.add(ep);
      if (best < 0 || ep.top1() > epochs.get(best).top1()) {
        best = epochs.size() - 1;
      }
      return ep;
    }

    double[] evaluate() {
      int d = test.dim();
      int c = classifier.classes();
      float[] logits = new float[test.count() * c];
      try (NDManager m = Torch.newManager()) {
        for (int from = 0; from < test.count(); from += EVAL_BATCH) {
          int n = Math.min(EVAL_BATCH, test.count() - from);
          try (NDScope scope = new NDScope()) {
            NDArray x = KnnClassifier.create(m, test.values(), from * d, n, d);
            float[] l = classifier.logits(x).toFloatArray();
            System.arraycopy(l, 0, logits, from * c, l.length);
          }
        }
      }
      return accuracy(logits, test.labels(), c);
    }

    Result result(int trainImages) {
      Epoch b = epochs.get(best);
      return new Result(
          config,
          classifier.inputDim(),
          classifier.classes(),
          List.copyOf(epochs),
          b.epoch(),
          b.top1(),
          b.top5(),
          classifier.weights(),
          classifier.biases(),
          trainImages,
          test.count(),
          List.of(),
          List.of());
    }

    @Override
    public void close() {
      classifier.close();
    }
  }
}
