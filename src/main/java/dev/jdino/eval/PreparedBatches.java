package dev.jdino.eval;

import dev.jdino.augment.Image;
import dev.jdino.data.ImageDataset;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Batches of prepared images for evaluation, decoded and transformed by worker threads in plain
 * Java while the engine works on the previous batch.
 *
 * <p>Batch {@code b} holds the images at positions {@code b*B .. b*B+B-1} of the given order, in
 * that order, minus those that fail to decode: evaluation must not replace a sample (its label
 * would change), so a bad image is dropped from its batch and reported in {@link #failures()}. What
 * comes out depends only on the order and the transform, never on the thread count.
 */
final class PreparedBatches implements AutoCloseable {

  /** Writes one prepared sample; {@code position} is its place in the order (for seeding). */
  @FunctionalInterface
  interface SampleTransform {
    void apply(Image src, int position, float[] dst, int off);
  }

  /**
   * A prepared batch.
   *
   * @param pixels {@code count} samples of {@code sampleLength} floats each (the array may be
   *     longer)
   * @param indices the dataset index of each sample
   */
  record Batch(int number, float[] pixels, int count, int[] indices) {}

  /** An image that could not be decoded and was left out. */
  record Failure(int position, int index, String source, String message) {}

  private final ImageDataset data;
  private final int[] order;
  private final int batchSize;
  private final int sampleLength;
  private final SampleTransform transform;
  private final ExecutorService pool;
  private final ArrayDeque<Future<Batch>> inFlight = new ArrayDeque<>();
  private final List<Failure> failures = new ArrayList<>();
  private final int batches;
  private final int depth;
  private int submitted;

  PreparedBatches(
      ImageDataset data,
      int[] order,
      int batchSize,
      int sampleLength,
      SampleTransform transform,
      int workers) {
    if (batchSize < 1 || workers < 1) {
      throw new IllegalArgumentException("batch size and workers must be >= 1");
    }
    this.data = data;
    this.order = order;
    this.batchSize = batchSize;
    this.sampleLength = sampleLength;
    this.transform = transform;
    this.batches = (order.length + batchSize - 1) / batchSize;
    // One batch ahead per worker plus the one being consumed bounds memory.
    this.depth = workers + 1;
    this.pool =
        Executors.newFixedThreadPool(
            workers,
            r -> {
              Thread t = new Thread(r, "jdino-eval-prep");
              t.setDaemon(true);
              return t;
            });
    while (submitted < Math.min(depth, batches)) {
      submitNext();
    }
  }

  int batches() {
    return batches;
  }

  boolean hasNext() {
    return !inFlight.isEmpty();
  }

  /** The next batch in order; blocks until it is ready. */
  Batch next() {
    Future<Batch> f = inFlight.removeFirst();
    if (submitted < batches) {
      submitNext();
    }
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while preparing images", e);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof RuntimeException r) {
        throw r;
      }
      if (c instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException("preparing images failed: " + c, c);
    }
  }

  /** Images left out so far, by position. */
  /**
   * The decoder's message without the image's name in front: decoders already say "path: empty
   * file", and every report prints the source beside the message ("path: path: empty file").
   */
  static String reason(String source, String message) {
    String m = String.valueOf(message);
    return m.startsWith(source + ": ") ? m.substring(source.length() + 2) : m;
  }

  List<Failure> failures() {
    synchronized (failures) {
      List<Failure> copy = new ArrayList<>(failures);
      copy.sort(Comparator.comparingInt(Failure::position));
      return copy;
    }
  }

  private void submitNext() {
    int b = submitted++;
    inFlight.addLast(pool.submit(() -> prepare(b)));
  }

  private Batch prepare(int b) {
    int from = b * batchSize;
    int to = Math.min(order.length, from + batchSize);
    float[] pixels = new float[(to - from) * sampleLength];
    int[] indices = new int[to - from];
    int n = 0;
    List<Failure> bad = null;
    for (int p = from; p < to; p++) {
      int index = order[p];
      Image img;
      try {
        img = data.load(index);
      } catch (IOException e) {
        if (bad == null) {
          bad = new ArrayList<>();
        }
        String source = data.describe(index);
        bad.add(new Failure(p, index, source, reason(source, e.getMessage())));
        continue;
      }
      transform.apply(img, p, pixels, n * sampleLength);
      indices[n++] = index;
    }
    if (bad != null) {
      synchronized (failures) {
        failures.addAll(bad);
      }
    }
    return new Batch(b, pixels, n, n == indices.length ? indices : Arrays.copyOf(indices, n));
  }

  @Override
  public void close() {
    for (Future<Batch> f : inFlight) {
      f.cancel(true);
    }
    inFlight.clear();
    pool.shutdownNow();
  }
}
