package dev.jdino.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.jdino.engine.Torch;
import dev.jdino.io.BadInputException;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Weighted k-NN classification as DINO's {@code eval_knn.py} (the paper's section 4.1; the official
 * eval_knn.py and eval_linear.py): for each test feature take the k training features of highest
 * cosine similarity, weight each by {@code exp(sim / T)}, sum the weights per class, and rank the
 * classes by that sum. Features are expected L2-normalised, so the dot product is the cosine
 * similarity.
 *
 * <p><b>Exact and deterministic.</b> The similarity search runs on the engine (matrix product and
 * top-k in float32) in chunks of test rows and blocks of training rows, so memory is bounded by
 * {@code chunkRows x trainBlock} floats however large the sets are. Its float results only nominate
 * candidates: the k best plus a margin are re-scored in double precision in Java and ranked by
 * (similarity descending, training index ascending). A bound on float32 rounding certifies that no
 * training row outside the candidates can reach the k-th place; a row without that certificate is
 * searched exhaustively in double. So the neighbours, and every number derived from them, are those
 * of an exact double-precision search: the same for any chunking, thread count or BLAS kernel.
 *
 * <p><b>Ties.</b> Neighbours with equal similarity: the lower training index comes first. Classes
 * with equal vote: the lower class index ranks first; classes without votes rank after every voted
 * class (weights are positive), in class order, and can fill the top 5 as in the official code.
 * Top-5 means "the true class is among the first min(5, k, classes) ranked", as the official {@code
 * min(5, k)}. When k exceeds the training set, all training rows vote.
 */
public final class KnnClassifier {
  public static final double DEFAULT_TEMPERATURE = 0.07;
  public static final int HEADLINE_K = 20;

  /** Candidates fetched beyond k from the float search, for the exact re-ranking. */
  static final int MARGIN = 16;

  private KnnClassifier() {}

  /**
   * @param ks the neighbour counts to report (each >= 1)
   * @param temperature T of the vote weights {@code exp(sim / T)}
   * @param chunkRows test rows per similarity chunk
   * @param trainBlock training rows per similarity block
   */
  public record Options(int[] ks, double temperature, int chunkRows, int trainBlock) {
    /**
     * k in {10, 20, 100, 200}, T = 0.07; similarity tiles of 128 x 61,440 floats (31.5 MB): under
     * glibc's 32 MiB ceiling for its dynamic mmap threshold, so after the first tile the buffer
     * comes from the heap again instead of freshly mapped pages, which cost about 8 us per 4 KiB on
     * these machines (reference djl-notes).
     */
    public static final Options DEFAULT =
        new Options(new int[] {10, 20, 100, 200}, DEFAULT_TEMPERATURE, 128, 61_440);

    public Options {
      if (ks == null || ks.length == 0) {
        throw new IllegalArgumentException("--k needs at least one value");
      }
      for (int k : ks) {
        if (k < 1) {
          throw new IllegalArgumentException("--k values must be >= 1, got " + k);
        }
      }
      if (!(temperature > 0) || Double.isInfinite(temperature)) {
        throw new IllegalArgumentException(
            "--temperature must be a positive number, got " + temperature);
      }
      if (chunkRows < 1 || trainBlock < 1) {
        throw new IllegalArgumentException("chunk sizes must be >= 1");
      }
      ks = ks.clone();
    }

    public Options withKs(int... k) {
      return new Options(k, temperature, chunkRows, trainBlock);
    }

    public Options withTemperature(double t) {
      return new Options(ks, t, chunkRows, trainBlock);
    }

    public Options withChunking(int rows, int block) {
      return new Options(ks, temperature, rows, block);
    }

    int maxK() {
      return Arrays.stream(ks).max().orElseThrow();
    }
  }

  /**
   * Accuracy for one k.
   *
   * @param k as requested; {@code min(k, training rows)} neighbours voted
   * @param top1 percentage of test rows whose best-ranked class is right
   * @param top5 percentage whose class is among the first min(5, k, classes)
   */
  public record Score(int k, double top1, double top5, int correct1, int correct5, int total) {}

  /**
   * The nearest training rows of every test row, best first.
   *
   * @param k neighbours per row (already limited to the training set size)
   * @param indices training row of neighbour r of test row i at {@code i * k + r}
   * @param similarities its exact (double) similarity, same layout
   */
  public record Neighbours(int rows, int k, int[] indices, double[] similarities) {}

  /** Scores for every k of {@code options}, in that order. */
  public static List<Score> evaluate(Features train, Features test, Options options) {
    if (!train.hasLabels() || !test.hasLabels()) {
      throw new IllegalArgumentException("k-NN needs labelled training and test features");
    }
    Neighbours nb =
        neighbours(train, test, options.maxK(), options.chunkRows(), options.trainBlock());
    int classes = Math.max(train.impliedClasses(), test.impliedClasses());
    List<Score> out = new ArrayList<>();
    for (int k : options.ks()) {
      out.add(score(nb, k, train.labels(), test.labels(), classes, options.temperature()));
    }
    return out;
  }

  /** Top-1 and top-5 of the vote of the first {@code k} neighbours. */
  public static Score score(
      Neighbours nb, int k, int[] trainLabels, int[] testLabels, int classes, double temperature) {
    int kk = Math.min(k, nb.k());
    int top = Math.min(5, Math.min(kk, classes));
    double[] votes = new double[classes];
    int c1 = 0;
    int c5 = 0;
    for (int i = 0; i < nb.rows(); i++) {
      vote(nb, i, kk, trainLabels, temperature, votes);
      int rank = rankOf(votes, testLabels[i]);
      c1 += rank == 0 ? 1 : 0;
      c5 += rank < top ? 1 : 0;
    }
    int n = nb.rows();
    return new Score(k, 100.0 * c1 / n, 100.0 * c5 / n, c1, c5, n);
  }

  /** The predicted class (rank 0) of every test row from its first {@code k} neighbours. */
  public static int[] predict(
      Neighbours nb, int k, int[] trainLabels, int classes, double temperature) {
    int kk = Math.min(k, nb.k());
    double[] votes = new double[classes];
    int[] out = new int[nb.rows()];
    for (int i = 0; i < nb.rows(); i++) {
      vote(nb, i, kk, trainLabels, temperature, votes);
      int best = 0;
      for (int c = 1; c < classes; c++) {
        if (votes[c] > votes[best]) {
          best = c;
        }
      }
      out[i] = best;
    }
    return out;
  }

  /** Sums {@code exp(sim / T)} per class over the first {@code k} neighbours of row {@code i}. */
  static void vote(Neighbours nb, int i, int k, int[] trainLabels, double t, double[] votes) {
    Arrays.fill(votes, 0);
    int off = i * nb.k();
    for (int r = 0, kk = Math.min(k, nb.k()); r < kk; r++) {
      int label = trainLabels[nb.indices()[off + r]];
      if (label < votes.length) {
        votes[label] += Math.exp(nb.similarities()[off + r] / t);
      }
    }
  }

  /** Rank of class {@code y} (0 = best) by votes descending, lower class index first on ties. */
  static int rankOf(double[] votes, int y) {
    double v = y < votes.length ? votes[y] : 0;
    int rank = 0;
    for (int c = 0; c < votes.length; c++) {
      if (votes[c] > v || (votes[c] == v && c < y)) {
        rank++;
      }
    }
    return rank;
  }

  /**
   * The {@code min(k, train rows)} rows of {@code train} most similar to each row of {@code
   * queries} (dot product: the cosine for L2-normalised features), exact, best first; ties go to
   * the lower index. The search behind the k-NN classifier, for retrieval.
   */
  public static Neighbours neighbours(Features train, Features queries, int k) {
    return neighbours(train, queries, k, Options.DEFAULT.chunkRows(), Options.DEFAULT.trainBlock());
  }

  /**
   * The {@code min(k, train rows)} nearest training rows of every test row (see the class comment
   * for exactness and ties), computed in tiles of {@code chunkSize} test rows by {@code trainBlock}
   * training rows.
   */
  public static Neighbours neighbours(
      Features train, Features test, int k, int chunkSize, int trainBlock) {
    if (train == null || test == null) {
      throw new IllegalArgumentException("k-NN needs training and query features, got null");
    }
    // Options checks these for the classifier; retrieval calls come here directly, where a chunk
    // of 0 rows would never advance.
    if (k < 1) {
      throw new IllegalArgumentException("k must be >= 1, got " + k);
    }
    if (chunkSize < 1 || trainBlock < 1) {
      throw new IllegalArgumentException(
          "chunk sizes must be >= 1, got " + chunkSize + " and " + trainBlock);
    }
    int n = train.count();
    int d = train.dim();
    int q = test.count();
    if (test.dim() != d) {
      throw new IllegalArgumentException("train features have " + d + " dims, test " + test.dim());
    }
    if (n == 0 || q == 0) {
      throw new BadInputException(
          "k-NN needs at least one training and one test image, got " + n + " and " + q);
    }
    requireFinite(train, "training");
    requireFinite(test, "test");
    int chunkRows = Math.min(chunkSize, q);
    int kk = Math.min(k, n);
    int m = Math.min(n, kk + MARGIN);
    int block = Math.max(Math.min(trainBlock, n), m);
    double maxTrainNorm = 0;
    for (int j = 0; j < n; j++) {
      maxTrainNorm =
          Math.max(
              maxTrainNorm,
              Math.sqrt(ExactSearch.dot(train.values(), j * d, train.values(), j * d, d)));
    }
    int[] outIdx = new int[q * kk];
    double[] outSim = new double[q * kk];
    int blocks = (n + block - 1) / block;
    int maxCand = blocks * m;
    ExactSearch exact = new ExactSearch(train.values(), n, d, kk);
    try (NDManager manager = Torch.newManager()) {
      NDArray[] blockT = new NDArray[blocks];
      for (int b = 0; b < blocks; b++) {
        int b0 = b * block;
        int nb = Math.min(block, n - b0);
        // Transposed view: the matrix product reads it with BLAS's transpose flag, no copy.
        blockT[b] = create(manager, train.values(), b0 * d, nb, d).transpose();
      }
      int[] cand = new int[chunkRows * maxCand];
      int[] candCount = new int[chunkRows];
      double[] bound = new double[chunkRows];
      for (int r0 = 0; r0 < q; r0 += chunkRows) {
        int r = Math.min(chunkRows, q - r0);
        Arrays.fill(candCount, 0);
        Arrays.fill(bound, Double.NEGATIVE_INFINITY);
        try (NDScope scope = new NDScope()) {
          NDArray rows = create(manager, test.values(), r0 * d, r, d);
          for (int b = 0; b < blocks; b++) {
            int b0 = b * block;
            int nb = Math.min(block, n - b0);
            int mb = Math.min(m, nb);
            NDArray sim = rows.matMul(blockT[b]);
            NDList top = sim.topK(mb, 1, true, false);
            float[] v = top.get(0).toFloatArray();
            long[] ix = top.get(1).toLongArray();
            for (int i = 0; i < r; i++) {
              float lowest = Float.POSITIVE_INFINITY;
              for (int t = 0; t < mb; t++) {
                cand[i * maxCand + candCount[i]++] = b0 + (int) ix[i * mb + t];
                lowest = Math.min(lowest, v[i * mb + t]);
              }
              if (mb < nb) {
                // Every row of this block left out scored at most `lowest` in float.
                bound[i] = Math.max(bound[i], lowest);
              }
            }
          }
        }
        for (int i = 0; i < r; i++) {
          int row = r0 + i;
          exact.rank(
              test.values(),
              row * d,
              cand,
              i * maxCand,
              candCount[i],
              bound[i],
              maxTrainNorm,
              outIdx,
              outSim,
              row * kk);
        }
      }
    }
    return new Neighbours(q, kk, outIdx, outSim);
  }

  /** How many rows so far needed the exhaustive double search (for tests and diagnostics). */
  static long exhaustiveRows() {
    return ExactSearch.EXHAUSTIVE.get();
  }

  /** An array of {@code rows x dim} floats copied from {@code values} at {@code offset}. */
  static NDArray create(NDManager m, float[] values, int offset, int rows, int dim) {
    return m.create(FloatBuffer.wrap(values, offset, rows * dim), new Shape(rows, dim));
  }

  private static void requireFinite(Features f, String which) {
    for (float v : f.values()) {
      if (!Float.isFinite(v)) {
        throw new BadInputException(
            "the "
                + which
                + " features contain NaN or infinite values"
                + " (a diverged checkpoint?)");
      }
    }
  }
}
