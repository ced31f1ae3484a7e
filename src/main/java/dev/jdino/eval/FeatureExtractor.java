package dev.jdino.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jdino.data.IdxDataset;
import dev.jdino.data.ImageDataset;
import dev.jdino.engine.Torch;
import dev.jdino.io.BadInputException;
import dev.jdino.model.Backbone;
import dev.jdino.model.FeatureKind;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Turns a dataset into features: images are prepared in batches by worker threads ({@link
 * Preprocessing}), each batch goes through one or more {@link Encoder}s on the engine inside its
 * own {@link NDScope}, and the rows are gathered into {@link Features} (L2-normalised if asked).
 *
 * <p>Several encoders share one pass over the data, so the k-NN floors (raw pixels, a random
 * backbone) cost no extra decoding. Images that fail to decode are left out entirely (feature and
 * label together) and listed in {@link Result#skipped()}.
 *
 * <pre>{@code
 * try (Backbone b = Backbone.load(Path.of("runs/fmnist"))) {
 *   Preprocessing prep = Preprocessing.forBackbone(b, null, null, null, null);
 *   Features f = FeatureExtractor.extract(DataSources.open("fmnist:test"), null, prep,
 *       List.of(FeatureExtractor.cls(b)), FeatureExtractor.Options.DEFAULT, Progress.NONE, "test")
 *       .first();
 * }
 * }</pre>
 */
public final class FeatureExtractor {

  private FeatureExtractor() {}

  /** A frozen network applied to a batch of prepared images (B, 3, H, W): rows (B, D). */
  @FunctionalInterface
  public interface Encoder {
    NDArray encode(NDArray images);
  }

  /**
   * How to extract.
   *
   * @param batchSize images per forward pass (256 by default)
   * @param workers threads that decode and prepare images
   * @param l2Normalize scale every row to unit length (the k-NN feature)
   */
  public record Options(int batchSize, int workers, boolean l2Normalize) {
    public static final Options DEFAULT = new Options(256, 2, true);

    public Options {
      if (batchSize < 1) {
        throw new IllegalArgumentException("--batch-size must be >= 1, got " + batchSize);
      }
      if (workers < 1) {
        throw new IllegalArgumentException("--num-workers must be >= 1, got " + workers);
      }
    }

    public Options withL2Normalize(boolean on) {
      return new Options(batchSize, workers, on);
    }
  }

  /** An image left out because it could not be decoded. */
  public record Skipped(int index, String source, String message, String split) {

    /** An image of the one data set a result is about. */
    public Skipped(int index, String source, String message) {
      this(index, source, message, null);
    }

    /**
     * The failures of an evaluation over a training and a test set, each tagged with its set
     * ({@code "train"}, {@code "test"}): indices count within each set, and the two may be the same
     * folder, so an untagged list could not say which images a score lacks.
     */
    public static List<Skipped> ofSplits(List<Skipped> train, List<Skipped> test) {
      List<Skipped> all = new ArrayList<>(train.size() + test.size());
      for (Skipped s : train) {
        all.add(new Skipped(s.index, s.source, s.message, "train"));
      }
      for (Skipped s : test) {
        all.add(new Skipped(s.index, s.source, s.message, "test"));
      }
      return List.copyOf(all);
    }

    /** How the console names this image: {@code source: reason}, after its set where it has one. */
    public String describe() {
      return (split != null ? split + " " : "") + source + ": " + message;
    }

    /**
     * Records {@code skipped} in a result file as {@code skipped_images} (the count) and {@code
     * skipped} (each image's dataset index, source and reason), so a score computed on fewer images
     * than the data holds says so in the file as well as on the console.
     */
    public static void putInto(ObjectNode json, List<Skipped> skipped) {
      json.put("skipped_images", skipped.size());
      ArrayNode list = json.putArray("skipped");
      for (Skipped s : skipped) {
        ObjectNode o = list.addObject();
        if (s.split() != null) {
          o.put("split", s.split());
        }
        o.put("index", s.index());
        o.put("source", s.source());
        o.put("message", s.message());
      }
    }
  }

  /**
   * What an extraction produced.
   *
   * @param features one entry per encoder, in the encoders' order; rows aligned across entries
   */
  public record Result(List<Features> features, List<Skipped> skipped, double seconds) {
    public Features first() {
      return features.get(0);
    }

    /** Images per second over the whole pass (preparation included). */
    public double imagesPerSecond() {
      return features.get(0).count() / Math.max(seconds, 1e-9);
    }
  }

  /**
   * The embeddings of {@code images} as {@code jdino features} computes them: the evaluation's
   * resize and centre crop at the backbone's resolution, its normalisation, the L2-normalised CLS
   * feature (so that a dot product is the cosine similarity). Images that cannot be decoded are
   * left out and listed in {@link Result#skipped()}; {@link Features#indices()} maps each row to
   * its image.
   *
   * @throws BadInputException if no image at all could be decoded
   */
  public static Result embed(Backbone backbone, ImageDataset images) {
    if (backbone == null || images == null) {
      throw new IllegalArgumentException("embed needs a backbone and a dataset, got null");
    }
    return extract(
        images,
        null,
        Preprocessing.forBackbone(backbone),
        List.of(cls(backbone)),
        Options.DEFAULT,
        Progress.NONE,
        "embed");
  }

  /** The k-NN feature of a backbone: the final-norm CLS token. */
  public static Encoder cls(Backbone backbone) {
    return backbone::features;
  }

  /** A backbone's feature of {@code kind}. */
  public static Encoder of(Backbone backbone, FeatureKind kind) {
    return x -> backbone.features(x, kind);
  }

  /**
   * The prepared pixels themselves, flattened: the "no network at all" floor. With {@code
   * firstChannelOnly} (gray data normalised alike on every channel) one plane stands for three:
   * replicating a vector three times leaves every cosine similarity unchanged, at a third of the
   * k-NN cost.
   */
  public static Encoder pixels(boolean firstChannelOnly) {
    return x -> {
      long b = x.getShape().get(0);
      NDArray planes = firstChannelOnly ? x.get(new NDIndex(":, 0:1")) : x;
      return planes.reshape(b, -1);
    };
  }

  /** True when the pixel floor may use one plane for {@code data} prepared by {@code prep}. */
  public static boolean grayPixels(ImageDataset data, Preprocessing prep) {
    return data instanceof IdxDataset && prep.channelsAlike();
  }

  /**
   * Extracts features of {@code data}.
   *
   * @param indices which images, in order; null for all
   * @param task a short name for the progress display
   * @throws BadInputException if no image at all could be decoded
   */
  public static Result extract(
      ImageDataset data,
      int[] indices,
      Preprocessing prep,
      List<Encoder> encoders,
      Options options,
      Progress progress,
      String task) {
    int[] order = indices != null ? indices : identity(data.size());
    int crop = prep.crop();
    return run(
        data,
        order,
        prep.sampleLength(),
        crop,
        crop,
        (img, position, dst, off) -> prep.apply(img, dst, off),
        encoders,
        options,
        progress,
        task);
  }

  /** The general form: any per-sample transform producing (3, h, w) images. */
  static Result run(
      ImageDataset data,
      int[] order,
      int sampleLength,
      int h,
      int w,
      PreparedBatches.SampleTransform transform,
      List<Encoder> encoders,
      Options options,
      Progress progress,
      String task) {
    long t0 = System.nanoTime();
    int e = encoders.size();
    float[][] values = new float[e][];
    int[] dims = new int[e];
    int[] idx = new int[order.length];
    int rows = 0;
    progress.start(task, order.length, " img");
    // One native input buffer for every batch: the engine reads it in place (a direct buffer is
    // not copied), and fresh native pages per batch would cost more than the copy into it.
    long inputBytes = (long) options.batchSize() * sampleLength * Float.BYTES;
    if (inputBytes > Integer.MAX_VALUE) {
      throw new BadInputException(
          "--batch-size "
              + options.batchSize()
              + " of "
              + sampleLength
              + "-float images exceeds 2 GB per batch; use a smaller batch");
    }
    ByteBuffer input = ByteBuffer.allocateDirect((int) inputBytes).order(ByteOrder.nativeOrder());
    try (NDManager manager = Torch.newManager();
        PreparedBatches batches =
            new PreparedBatches(
                data, order, options.batchSize(), sampleLength, transform, options.workers())) {
      while (batches.hasNext()) {
        PreparedBatches.Batch b = batches.next();
        int n = b.count();
        if (n > 0) {
          try (NDScope scope = new NDScope()) {
            input.clear();
            input.asFloatBuffer().put(b.pixels(), 0, n * sampleLength);
            ByteBuffer view =
                input.slice(0, n * sampleLength * Float.BYTES).order(ByteOrder.nativeOrder());
            NDArray x = manager.create(view, new Shape(n, 3, h, w), DataType.FLOAT32);
            for (int k = 0; k < e; k++) {
              NDArray f = encoders.get(k).encode(x);
              long[] s = f.getShape().getShape();
              if (s.length != 2 || s[0] != n) {
                throw new IllegalStateException(
                    "encoder returned " + f.getShape() + " for a batch of " + n);
              }
              if (values[k] == null) {
                dims[k] = Math.toIntExact(s[1]);
                long need = (long) order.length * dims[k];
                if (need > Integer.MAX_VALUE - 8) {
                  throw new BadInputException(
                      String.format(
                          Locale.ROOT,
                          "%,d images x %,d features do not fit one Java array (2^31 floats); use a"
                              + " subset of the data or a smaller --crop",
                          order.length,
                          dims[k]));
                }
                values[k] = new float[(int) need];
              }
              float[] v = f.toFloatArray();
              System.arraycopy(v, 0, values[k], rows * dims[k], v.length);
            }
          }
          System.arraycopy(b.indices(), 0, idx, rows, n);
          rows += n;
        }
        progress.advance(
            Math.min(options.batchSize(), order.length - b.number() * options.batchSize()));
      }
      List<Skipped> skipped = new ArrayList<>();
      for (PreparedBatches.Failure f : batches.failures()) {
        skipped.add(new Skipped(f.index(), f.source(), f.message()));
      }
      if (rows == 0) {
        throw new BadInputException(
            data.name()
                + ": none of its "
                + order.length
                + " images could be decoded"
                + (skipped.isEmpty()
                    ? ""
                    : " (first: "
                        + skipped.get(0).source()
                        + ": "
                        + skipped.get(0).message()
                        + ")"));
      }
      int[] labels = null;
      if (data.hasLabels()) {
        labels = new int[rows];
        for (int i = 0; i < rows; i++) {
          labels[i] = data.label(idx[i]);
        }
      }
      int[] kept = Arrays.copyOf(idx, rows);
      List<Features> out = new ArrayList<>(e);
      for (int k = 0; k < e; k++) {
        float[] v = rows == order.length ? values[k] : Arrays.copyOf(values[k], rows * dims[k]);
        Features f = new Features(v, rows, dims[k], labels, kept);
        out.add(options.l2Normalize() ? f.l2Normalized() : f);
      }
      return new Result(List.copyOf(out), List.copyOf(skipped), (System.nanoTime() - t0) / 1e9);
    } finally {
      progress.finish();
    }
  }

  static int[] identity(int n) {
    int[] a = new int[n];
    Arrays.setAll(a, i -> i);
    return a;
  }
}
