package dev.jdino.eval;

import dev.jdino.data.DataSources;
import dev.jdino.data.EpochOrder;
import dev.jdino.data.ImageDataset;
import dev.jdino.data.ImageFolderDataset;
import dev.jdino.io.BadInputException;
import dev.jdino.model.Backbone;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Opening and checking the labelled data an evaluation needs, with one-line errors that name the
 * flag: labels present, train and test classes consistent, test split implied for the Fashion-MNIST
 * names.
 */
public final class EvalData {
  /** Fixed seed of the evaluation subsets: independent of any training seed. */
  private static final long SUBSET_SEED = 0x65766a6b6e6e5f31L;

  private EvalData() {}

  /**
   * The test split that goes with a training data spec: {@code fmnist} and {@code fmnist:train}
   * give {@code fmnist:test} (likewise {@code fashion-mnist}, {@code fmnist-sample}); null for
   * anything else.
   */
  public static String impliedTestSpec(String trainSpec) {
    if (trainSpec == null) {
      return null;
    }
    String s = trainSpec.strip();
    int colon = s.indexOf(':');
    String keyword = (colon < 0 ? s : s.substring(0, colon)).toLowerCase(Locale.ROOT);
    String rest = colon < 0 ? "" : s.substring(colon + 1).toLowerCase(Locale.ROOT);
    boolean fashion =
        keyword.equals("fmnist")
            || keyword.equals("fashion-mnist")
            || keyword.equals(DataSources.SAMPLE);
    if (!fashion || !(rest.isEmpty() || rest.equals("train"))) {
      return null;
    }
    return keyword + ":test";
  }

  /**
   * Opens {@code spec} and requires labels.
   *
   * @param split the split meant when a Fashion-MNIST name has none ({@code fmnist} given as
   *     --test-data means its test split)
   * @param flag the option name, for messages
   */
  public static ImageDataset openLabelled(String spec, DataSources.Split split, String flag) {
    ImageDataset d = DataSources.open(spec, split);
    requireLabels(d, spec, flag);
    return d;
  }

  /** Fails with a one-line message when {@code data} has no labels. */
  public static void requireLabels(ImageDataset data, String spec, String flag) {
    if (!data.hasLabels()) {
      String why = data instanceof ImageFolderDataset f ? f.whyUnlabelled() : "";
      throw new BadInputException(
          flag
              + " "
              + spec
              + " has no labels"
              + (why.isEmpty() ? "" : " (" + why + ")")
              + "; this evaluation needs labelled"
              + " data (IDX images with a label file, idx:<images>:<labels>, or a folder with one"
              + " subfolder per class)");
    }
  }

  /**
   * Checks that the two sets use the same classes: the same class names when both name them, and no
   * test label beyond what the names allow.
   */
  public static void requireSameClasses(ImageDataset train, ImageDataset test) {
    List<String> a = train.classNames();
    List<String> b = test.classNames();
    if (!a.isEmpty() && !b.isEmpty() && !a.equals(b)) {
      throw new BadInputException(
          "the training data has "
              + a.size()
              + (a.size() == 1 ? " class " : " classes ")
              + brief(a)
              + " but the test data has "
              + b.size()
              + (b.size() == 1 ? " class " : " classes ")
              + brief(b)
              + "; both need the same classes in the same order");
    }
  }

  /**
   * True when the test images are the training images (the same files, or the same records of one
   * IDX file), judged by their sources at the start, the middle and the end. Each test image is
   * then its own nearest neighbour and the probe has seen it, so the score measures memory of the
   * training set, not how features generalise (eval_knn.py and eval_linear.py score a held-out
   * split).
   */
  public static boolean sameImages(ImageDataset train, ImageDataset test) {
    int n = train.size();
    if (n == 0 || n != test.size()) {
      return false;
    }
    for (int i : new int[] {0, n / 2, n - 1}) {
      if (!train.describe(i).equals(test.describe(i))) {
        return false;
      }
    }
    return true;
  }

  /** What {@code knn} prints when {@link #sameImages} holds. */
  public static final String SAME_IMAGES_NOTE =
      "note: the test data is the training data: every test image is among the training images"
          + " (its own nearest neighbour), so the scores say how well the set is remembered, not"
          + " how the features generalise; give a held-out --test-data";

  /** What {@code linear} prints when {@link #sameImages} holds. */
  public static final String SAME_IMAGES_PROBE_NOTE =
      "note: the test data is the training data: the probe is scored on the images it trained on,"
          + " which says how well it fits them, not how the features generalise; give a held-out"
          + " --test-data";

  private static String brief(List<String> names) {
    List<String> head = names.subList(0, Math.min(5, names.size()));
    return "[" + String.join(", ", head) + (names.size() > 5 ? ", ..." : "") + "]";
  }

  /**
   * A deterministic subset of {@code m} of the {@code n} indices (all of them when {@code m <= 0}
   * or {@code m >= n}), in ascending order. A fixed permutation rather than the first m: folder
   * datasets are sorted by class, so their first images would all share one label.
   */
  public static int[] subset(int n, int m) {
    if (m <= 0 || m >= n) {
      return FeatureExtractor.identity(n);
    }
    int[] p = Arrays.copyOf(EpochOrder.permutation(n, SUBSET_SEED, 0), m);
    Arrays.sort(p);
    return p;
  }

  /** The run's own training data, from the checkpoint's metadata. */
  public static String trainingDataOf(Backbone backbone) {
    String d = backbone.description().path("data").asText("");
    if (d.isEmpty()) {
      throw new BadInputException(
          "--train-data is required: "
              + backbone.source()
              + " does not name the data it was trained on");
    }
    return d;
  }

  /** The test spec: given, or implied by a Fashion-MNIST training spec. */
  public static String testSpec(String trainSpec, String given) {
    if (given != null) {
      return given;
    }
    String implied = impliedTestSpec(trainSpec);
    if (implied == null) {
      throw new BadInputException(
          "--test-data is required (only the Fashion-MNIST names imply their"
              + " test split; --train-data is "
              + trainSpec
              + ")");
    }
    return implied;
  }

  /**
   * The test classes left with no training image, each as {@code "name (N test images; why)"}: a
   * class the training data does not have, or one whose training images were all undecodable. Their
   * test images can only be misclassified, by k-NN and a linear probe alike.
   *
   * @param trainLeftOut and {@code testLeftOut}: dataset indices of the images left out
   */
  public static List<String> classesWithoutTraining(
      ImageDataset train,
      Collection<Integer> trainLeftOut,
      ImageDataset test,
      Collection<Integer> testLeftOut) {
    if (!train.hasLabels() || !test.hasLabels()) {
      return List.of();
    }
    Set<Integer> trainOut = new HashSet<>(trainLeftOut);
    Set<Integer> testOut = new HashSet<>(testLeftOut);
    Map<Integer, Integer> trainCount = new TreeMap<>();
    Map<Integer, Integer> undecodable = new TreeMap<>();
    for (int i = 0; i < train.size(); i++) {
      (trainOut.contains(i) ? undecodable : trainCount).merge(train.label(i), 1, Integer::sum);
    }
    Map<Integer, Integer> testCount = new TreeMap<>();
    for (int i = 0; i < test.size(); i++) {
      if (!testOut.contains(i)) {
        testCount.merge(test.label(i), 1, Integer::sum);
      }
    }
    List<String> names = train.classNames();
    List<String> out = new ArrayList<>();
    for (Map.Entry<Integer, Integer> e : testCount.entrySet()) {
      int c = e.getKey();
      if (trainCount.containsKey(c)) {
        continue;
      }
      int lost = undecodable.getOrDefault(c, 0);
      out.add(
          String.format(
              Locale.ROOT,
              "%s (%,d test image%s; %s)",
              c < names.size() ? names.get(c) : "class " + c,
              e.getValue(),
              e.getValue() == 1 ? "" : "s",
              lost == 0
                  ? "none in the training data"
                  : lost == 1
                      ? "its one training image could not be decoded"
                      : "all " + lost + " of its training images could not be decoded"));
    }
    return List.copyOf(out);
  }

  /** One line naming {@link #classesWithoutTraining}'s classes, or null when there are none. */
  public static String missingClassesNote(List<String> classes) {
    if (classes.isEmpty()) {
      return null;
    }
    int n = classes.size();
    return String.format(
        Locale.ROOT,
        "note: %d class%s of the test data %s no training image, so %s test images can only be"
            + " misclassified: %s%s",
        n,
        n == 1 ? "" : "es",
        n == 1 ? "has" : "have",
        n == 1 ? "its" : "their",
        String.join("; ", classes.subList(0, Math.min(5, n))),
        n > 5 ? "; ..." : "");
  }

  /** The dataset indices of {@code skipped}. */
  public static List<Integer> indices(List<FeatureExtractor.Skipped> skipped) {
    return skipped.stream().map(FeatureExtractor.Skipped::index).toList();
  }
}
