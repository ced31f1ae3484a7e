package dev.jdino.eval;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jdino.data.ImageDataset;
import dev.jdino.io.Json;
import dev.jdino.model.Backbone;
import dev.jdino.model.FeatureKind;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The whole k-NN protocol for a backbone: features of the training and test images, the weighted
 * vote for every k, and optionally the two floors that need no training: the same k-NN on the
 * prepared pixels and on a randomly initialised backbone of the same architecture. All models share
 * one pass over the images.
 */
public final class KnnEvaluation {
  public static final String PRETRAINED = "pretrained";
  public static final String RANDOM = "random";
  public static final String PIXELS = "pixels";

  private KnnEvaluation() {}

  /**
   * One line of the results: a model at one k, accuracies in percent.
   *
   * @param kUsed the neighbours that voted: {@code k}, or every training image when there are fewer
   */
  public record Row(String model, int k, int kUsed, double top1, double top5) {

    public boolean capped() {
      return kUsed < k;
    }
  }

  /**
   * What {@code jdino knn} reports and writes ({@code knn.json}).
   *
   * @param skipped images left out of either set because they could not be decoded
   * @param classesWithoutTraining classes the test features have and the training features lack
   *     (none in the data, or every such image undecodable), each with why; their test images can
   *     only be misclassified
   */
  public record Report(
      String checkpoint,
      String checkpointKey,
      String trainData,
      String testData,
      FeatureKind feature,
      Preprocessing preprocessing,
      double temperature,
      int trainImages,
      int testImages,
      List<Row> results,
      double seconds,
      List<FeatureExtractor.Skipped> skipped,
      List<String> classesWithoutTraining) {

    /**
     * The JSON document: exactly {@code checkpoint, checkpoint_key, train_data, test_data, feature
     * (cls or cls+avgpool), preprocessing, temperature, train_images, test_images, results[{model,
     * k, top1, top5}], skipped_images, skipped[{split, index, source, message}], seconds}; a row
     * whose k exceeds the training images also has {@code k_used}, the neighbours that voted;
     * {@code classes_without_training_images} is there when some test class has no training
     * feature.
     */
    public ObjectNode toJson() {
      ObjectNode o = Json.object();
      o.put("checkpoint", checkpoint);
      o.put("checkpoint_key", checkpointKey);
      o.put("train_data", trainData);
      o.put("test_data", testData);
      o.put("feature", feature.label());
      o.set("preprocessing", preprocessing.toJson());
      o.put("temperature", temperature);
      o.put("train_images", trainImages);
      o.put("test_images", testImages);
      ArrayNode rs = o.putArray("results");
      for (Row r : results) {
        ObjectNode j = rs.addObject();
        j.put("model", r.model());
        j.put("k", r.k());
        // A k beyond the training set scores exactly as k = its size: without this, a row of
        // k=100000 reads as a measurement at a k that never happened.
        if (r.capped()) {
          j.put("k_used", r.kUsed());
        }
        j.put("top1", r.top1());
        j.put("top5", r.top5());
      }
      FeatureExtractor.Skipped.putInto(o, skipped);
      if (!classesWithoutTraining.isEmpty()) {
        ArrayNode c = o.putArray("classes_without_training_images");
        classesWithoutTraining.forEach(c::add);
      }
      o.put("seconds", seconds);
      return o;
    }

    /** The accuracy table: one line per model, top-1 and top-5 per k. */
    public String table() {
      Map<String, List<Row>> byModel = new LinkedHashMap<>();
      for (Row r : results) {
        byModel.computeIfAbsent(r.model(), m -> new ArrayList<>()).add(r);
      }
      StringBuilder sb = new StringBuilder();
      List<Row> first = byModel.values().iterator().next();
      sb.append(String.format(Locale.ROOT, "%-12s", "model"));
      for (Row r : first) {
        sb.append(
            String.format(
                Locale.ROOT,
                " | %-13s",
                "k="
                    + r.k()
                    + (r.capped() ? " (" + r.kUsed() + ")" : "")
                    + (r.k() == KnnClassifier.HEADLINE_K ? " *" : "")));
      }
      sb.append('\n').append(String.format(Locale.ROOT, "%-12s", ""));
      for (int i = 0; i < first.size(); i++) {
        sb.append(String.format(Locale.ROOT, " | %6s %6s", "top1", "top5"));
      }
      sb.append('\n');
      for (Map.Entry<String, List<Row>> e : byModel.entrySet()) {
        sb.append(String.format(Locale.ROOT, "%-12s", label(e.getKey())));
        for (Row r : e.getValue()) {
          sb.append(String.format(Locale.ROOT, " | %6.2f %6.2f", r.top1(), r.top5()));
        }
        sb.append('\n');
      }
      return sb.toString();
    }

    /**
     * One line saying which k were more than the training images and so used all of them, or null
     * when none was.
     */
    public String cappedNote() {
      List<String> ks =
          results.stream()
              .filter(Row::capped)
              .map(r -> Integer.toString(r.k()))
              .distinct()
              .toList();
      if (ks.isEmpty()) {
        return null;
      }
      return String.format(
          Locale.ROOT,
          "note: k is capped at the %,d training images: k=%s %s with all of them (k_used in the"
              + " JSON)",
          trainImages,
          String.join(", ", ks),
          ks.size() == 1 ? "votes" : "vote");
    }

    /**
     * One line naming the classes that have test images but no training feature, or null when every
     * test class has some: a score that cannot reach 100 % for a reason outside the model.
     */
    public String missingClassesNote() {
      return EvalData.missingClassesNote(classesWithoutTraining);
    }

    private static String label(String model) {
      return model.equals(RANDOM) ? "random init" : model;
    }
  }

  /**
   * Runs the protocol on features of {@code kind} (the random-init floor uses the same kind).
   *
   * @param backbone the model under evaluation
   * @param random the random-init floor, or null for no floors (the pixel floor comes with it)
   * @param checkpoint and the other strings: recorded in the report as given
   */
  public static Report run(
      Backbone backbone,
      Backbone random,
      String checkpoint,
      String checkpointKey,
      ImageDataset train,
      String trainSpec,
      ImageDataset test,
      String testSpec,
      Preprocessing prep,
      KnnClassifier.Options knn,
      FeatureExtractor.Options extraction,
      FeatureKind kind,
      Progress progress) {
    long t0 = System.nanoTime();
    EvalData.requireSameClasses(train, test);
    List<FeatureExtractor.Encoder> encoders = new ArrayList<>();
    List<String> names = new ArrayList<>();
    encoders.add(FeatureExtractor.of(backbone, kind));
    names.add(PRETRAINED);
    if (random != null) {
      encoders.add(FeatureExtractor.of(random, kind));
      names.add(RANDOM);
      encoders.add(
          FeatureExtractor.pixels(
              FeatureExtractor.grayPixels(train, prep) && FeatureExtractor.grayPixels(test, prep)));
      names.add(PIXELS);
    }
    FeatureExtractor.Options ext = extraction.withL2Normalize(true);
    FeatureExtractor.Result tr =
        FeatureExtractor.extract(
            train, null, prep, encoders, ext, progress, "features " + trainSpec);
    FeatureExtractor.Result te =
        FeatureExtractor.extract(test, null, prep, encoders, ext, progress, "features " + testSpec);
    List<Row> rows = new ArrayList<>();
    for (int m = 0; m < encoders.size(); m++) {
      for (KnnClassifier.Score s :
          KnnClassifier.evaluate(tr.features().get(m), te.features().get(m), knn)) {
        int kUsed = Math.min(s.k(), tr.features().get(m).count());
        rows.add(new Row(names.get(m), s.k(), kUsed, s.top1(), s.top5()));
      }
    }
    List<String> missing =
        EvalData.classesWithoutTraining(
            train, EvalData.indices(tr.skipped()), test, EvalData.indices(te.skipped()));
    return new Report(
        checkpoint,
        checkpointKey,
        trainSpec,
        testSpec,
        kind,
        prep,
        knn.temperature(),
        tr.first().count(),
        te.first().count(),
        List.copyOf(rows),
        (System.nanoTime() - t0) / 1e9,
        FeatureExtractor.Skipped.ofSplits(tr.skipped(), te.skipped()),
        missing);
  }
}
