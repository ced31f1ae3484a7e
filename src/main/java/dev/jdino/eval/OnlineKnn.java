package dev.jdino.eval;

import dev.jdino.data.DataSources;
import dev.jdino.data.ImageDataset;
import dev.jdino.io.BadInputException;
import dev.jdino.model.Backbone;
import dev.jdino.model.DinoNetwork;
import dev.jdino.model.FeatureKind;
import dev.jdino.model.ParameterSet;
import dev.jdino.train.DinoConfig;
import dev.jdino.train.EpochHook;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * k-NN of the teacher while training ({@code jdino train --eval-data ... --eval-every N}): after
 * every N-th epoch, extracts teacher-backbone features of (fixed subsets of) labelled training and
 * test images and adds {@code knn_top1}, {@code knn_top5}, {@code knn_k}, {@code knn_train_images},
 * {@code knn_test_images} and {@code knn_seconds} to the epoch's metrics record.
 *
 * <p>It reads the teacher's parameters and nothing else: no gradient, no drop path, no random
 * number (the subsets are a fixed function of the dataset sizes), so a run with the hook trains
 * exactly like one without.
 */
public final class OnlineKnn implements EpochHook {
  private final ImageDataset train;
  private final ImageDataset test;
  private final String trainSpec;
  private final String testSpec;
  private final int[] trainRows;
  private final int[] testRows;
  private final int every;
  private final int k;
  private final Preprocessing prep;
  private final FeatureExtractor.Options extraction;
  private final KnnClassifier.Options knn;
  private Consumer<String> messages = s -> {};
  private FeatureKind feature = FeatureKind.CLS;

  /**
   * @param every evaluate after epochs N-1, 2N-1, ... (0-based), i.e. every N epochs, and after the
   *     run's last epoch
   * @param subset at most this many training and this many test images (0: all)
   */
  public OnlineKnn(
      ImageDataset train,
      String trainSpec,
      ImageDataset test,
      String testSpec,
      Preprocessing prep,
      int every,
      int subset,
      int k,
      FeatureExtractor.Options extraction) {
    if (every < 1) {
      throw new BadInputException("--eval-every must be >= 1, got " + every);
    }
    if (subset < 0) {
      throw new BadInputException("--eval-subset must be >= 0 (0: all images), got " + subset);
    }
    EvalData.requireLabels(train, trainSpec, "--eval-data");
    EvalData.requireLabels(test, testSpec, "--eval-test-data");
    EvalData.requireSameClasses(train, test);
    this.train = train;
    this.test = test;
    this.trainSpec = trainSpec;
    this.testSpec = testSpec;
    this.trainRows = EvalData.subset(train.size(), subset);
    this.testRows = EvalData.subset(test.size(), subset);
    this.every = every;
    this.k = k;
    this.prep = prep;
    this.extraction = extraction.withL2Normalize(true);
    this.knn = KnnClassifier.Options.DEFAULT.withKs(k);
  }

  /**
   * Opens the evaluation data for a training run.
   *
   * @param testSpec null to use the split implied by {@code trainSpec} (Fashion-MNIST names)
   */
  public static OnlineKnn open(
      String trainSpec, String testSpec, int every, int subset, DinoConfig config, int workers) {
    String t = testSpec != null ? testSpec : EvalData.impliedTestSpec(trainSpec);
    if (t == null) {
      throw new BadInputException(
          "--eval-data "
              + trainSpec
              + " needs --eval-test-data (only the"
              + " Fashion-MNIST names imply their test split)");
    }
    ImageDataset train = DataSources.open(trainSpec, DataSources.Split.TRAIN);
    ImageDataset test = DataSources.open(t, DataSources.Split.TEST);
    return new OnlineKnn(
        train,
        trainSpec,
        test,
        t,
        Preprocessing.forTraining(config),
        every,
        subset,
        KnnClassifier.HEADLINE_K,
        new FeatureExtractor.Options(256, Math.max(1, workers), true));
  }

  /** Which teacher feature the k-NN uses (CLS by default). */
  public OnlineKnn feature(FeatureKind kind) {
    this.feature = kind;
    return this;
  }

  /** Where to send a one-line summary after each evaluation (e.g. the console). */
  public OnlineKnn messages(Consumer<String> sink) {
    this.messages = sink;
    return this;
  }

  /** True when the test images are the training images ({@link EvalData#sameImages}). */
  public boolean testIsTraining() {
    return EvalData.sameImages(train, test);
  }

  public int every() {
    return every;
  }

  /**
   * How many times this hook evaluates in a new run of {@code steps} steps of {@code
   * stepsPerEpoch}: once before training, after every {@code every}-th epoch, and after the last (a
   * partial last epoch included).
   */
  public int evaluationsIn(long steps, int stepsPerEpoch) {
    long epochs = (steps + stepsPerEpoch - 1) / stepsPerEpoch;
    return (int) (1 + epochs / every + (epochs % every != 0 ? 1 : 0));
  }

  /**
   * Seconds one evaluation takes with {@code backbone}'s architecture (its weights do not change
   * the cost), so that a run sized to a time budget can take its evaluations out of the budget.
   */
  public double secondsPerEvaluation(Backbone backbone) {
    long t0 = System.nanoTime();
    score(FeatureExtractor.of(backbone, feature));
    return (System.nanoTime() - t0) / 1e9;
  }

  private record Scored(Features train, Features test, KnnClassifier.Score score) {}

  private Scored score(FeatureExtractor.Encoder encoder) {
    List<FeatureExtractor.Encoder> enc = List.of(encoder);
    Features tr =
        FeatureExtractor.extract(train, trainRows, prep, enc, extraction, Progress.NONE, "knn")
            .first();
    Features te =
        FeatureExtractor.extract(test, testRows, prep, enc, extraction, Progress.NONE, "knn")
            .first();
    return new Scored(tr, te, KnnClassifier.evaluate(tr, te, knn).get(0));
  }

  @Override
  public void afterEpoch(EpochEnd end, Map<String, Object> metrics) {
    int epoch = end.epoch();
    if (epoch >= 0 && (epoch + 1) % every != 0 && !end.lastOfRun()) {
      return;
    }
    DinoNetwork network = end.network();
    ParameterSet teacher = end.teacher();
    long t0 = System.nanoTime();
    Scored r = score(x -> network.backbone().feature(teacher, x, feature));
    KnnClassifier.Score s = r.score();
    Features tr = r.train();
    Features te = r.test();
    double secs = (System.nanoTime() - t0) / 1e9;
    metrics.put("knn_top1", s.top1());
    metrics.put("knn_top5", s.top5());
    metrics.put("knn_k", k);
    metrics.put("knn_train_images", tr.count());
    metrics.put("knn_test_images", te.count());
    metrics.put("knn_seconds", secs);
    messages.accept(
        String.format(
            Locale.ROOT,
            "%s: online k-NN (k=%d, teacher %s) top-1 %.2f%%, top-5 %.2f%% on %,d test / %,d train"
                + " images of %s, %.1f s",
            epoch < 0 ? "before training" : "after epoch " + (epoch + 1),
            k,
            feature,
            s.top1(),
            s.top5(),
            te.count(),
            tr.count(),
            testSpec,
            secs));
  }
}
