package dev.jdino.data;

import dev.jdino.augment.Image;
import dev.jdino.io.BadInputException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Iterates one epoch of multi-crop batches, prepared by background threads.
 *
 * <p><b>What</b> comes out depends only on (dataset, sampler, batch size, seed, epoch), never on
 * the thread count or timing: the epoch's order is {@link EpochOrder#permutation}; batch k holds
 * positions k*B .. k*B+B-1 of it (the last incomplete batch is dropped, as in DINO); the sample at
 * position p is augmented with seed {@link EpochOrder#sampleSeed}(seed, epoch, p). So starting at
 * batch k ({@link Builder#optStartBatch}) yields exactly the tail of a full epoch.
 *
 * <p><b>Shards</b> ({@link Builder#optShard}): rank r of a data-parallel world of N ranks takes its
 * interleaved share of the same order, as PyTorch's {@code DistributedSampler} does ({@code
 * indices[rank::num_replicas]}): its batch k holds positions (k*B + s)*N + r for s = 0 .. B-1, so
 * the N ranks' batches k together are positions k*N*B .. (k+1)*N*B - 1, the global batch a single
 * process with batch N*B would take, each sample with the same crops. The epoch has floor(n /
 * (N*B)) batches on every rank (the tail is dropped, so every rank makes the same number of steps).
 *
 * <p><b>How</b>: worker w prepares batches w, w+W, w+2W, ... into a ring of prefetch + 1 recycled
 * buffers and the consumer takes them strictly in order; a worker may start batch k only once batch
 * k - (prefetch + 1) has been handed back, so memory stays bounded. A batch is handed back when the
 * consumer calls {@link #next()} again or {@link #close()}. Each worker holds one decoded image at
 * a time, decoded no larger than the sampler needs ({@link CropSampler#minSourceSide()}, passed to
 * {@link ImageDataset#load(int, int)}), so memory is the ring plus one image per worker however
 * large the files are.
 *
 * <p><b>Bad images</b>: when {@code load} fails, the sample is taken from {@link
 * EpochOrder#replacementIndex} instead, the failure is recorded in {@link #failures()} and training
 * goes on; a file that failed is not decoded again in the epoch. After {@value
 * #MAX_CONSECUTIVE_FAILURES} random replacements in a row fail, the sample scans on through the
 * dataset, so that a mostly corrupt folder still trains on what it has; only a dataset of which no
 * image can be read is unusable, and a {@link BadInputException} reaches the consumer. Any other
 * error in a worker is rethrown by {@link #next()} when its batch is due.
 *
 * <p>Workers are daemon threads; {@link #close()} stops them within about one image's work.
 */
public final class MultiCropLoader implements Iterator<MultiCropBatch>, AutoCloseable {

  /**
   * Random replacements tried for one sample before a scan through the dataset, which declares it
   * unusable only when no image at all can be read.
   */
  public static final int MAX_CONSECUTIVE_FAILURES = 32;

  private static final long CLOSE_WAIT_MS = 10_000;

  private final ImageDataset dataset;
  private final CropSampler sampler;
  private final int batchSize;
  private final int rank;
  private final int worldSize;
  private final long seed;
  private final int epoch;
  private final int startBatch;
  private final int endBatch;
  private final int[] order;
  private final LoadFailures failures = new LoadFailures();

  /** Images that failed to load in this epoch, and why. */
  private final Map<Integer, String> unreadable = new ConcurrentHashMap<>();

  private final int minSourceSide;

  private final Object lock = new Object();
  private final Slot[] slots;
  private final List<Thread> threads = new ArrayList<>();
  private int released; // every batch below this was handed back; guarded by lock
  private int next; // the next batch to hand out; consumer thread only
  private boolean holding; // the consumer holds batch next - 1; consumer thread only
  private volatile boolean closed;

  private static final class Slot {
    final MultiCropBatch batch;
    int filled = -1; // the batch index now in this slot, once complete; guarded by lock
    Throwable error;

    Slot(MultiCropBatch batch) {
      this.batch = batch;
    }
  }

  private MultiCropLoader(Builder b) {
    this.dataset = b.dataset;
    this.sampler = b.sampler;
    this.batchSize = b.batchSize;
    this.rank = b.rank;
    this.worldSize = b.worldSize;
    this.seed = b.seed;
    this.epoch = b.epoch;
    this.startBatch = b.startBatch;
    this.minSourceSide = sampler.minSourceSide();
    this.endBatch = batchesPerEpoch(dataset.size(), batchSize * worldSize);
    this.order = EpochOrder.permutation(dataset.size(), seed, epoch);
    this.released = startBatch;
    this.next = startBatch;
    int depth = Math.min(b.prefetch + 1, Math.max(1, endBatch - startBatch));
    this.slots = new Slot[depth];
    for (int i = 0; i < depth; i++) {
      slots[i] =
          new Slot(
              new MultiCropBatch(
                  batchSize,
                  sampler.globalCropSize(),
                  sampler.localCropsNumber(),
                  sampler.localCropSize()));
    }
    int workers = Math.min(b.workers, Math.max(0, endBatch - startBatch));
    for (int w = 0; w < workers; w++) {
      int first = startBatch + w;
      Thread t = new Thread(() -> work(first, workers), "jdino-loader-e" + epoch + "-w" + w);
      t.setDaemon(true);
      threads.add(t);
    }
    threads.forEach(Thread::start);
  }

  /** A builder; dataset, sampler and batch size are required. */
  public static Builder builder() {
    return new Builder();
  }

  /** Full batches in an epoch of {@code datasetSize} images: the last partial batch is dropped. */
  public static int batchesPerEpoch(int datasetSize, int batchSize) {
    return datasetSize / batchSize;
  }

  /**
   * Full batches in an epoch of {@code dataset} over {@code worldSize} ranks, each taking {@code
   * batchSize} images a step; refuses data too small for one, naming the batch that fits.
   *
   * @throws BadInputException if not even one global batch fits
   */
  public static int requireOneBatch(ImageDataset dataset, int batchSize, int worldSize) {
    int batches = batchesPerEpoch(dataset.size(), Math.multiplyExact(batchSize, worldSize));
    if (batches < 1) {
      throw new BadInputException(
          dataset.name()
              + " has "
              + dataset.size()
              + " images, fewer than one batch of "
              + batchSize
              + (worldSize > 1 ? " on each of " + worldSize + " ranks" : "")
              + " (the last incomplete batch is dropped); "
              + (dataset.size() >= worldSize
                  ? "give --batch-size " + dataset.size() / worldSize + " or less"
                  : "use at most " + dataset.size() + " ranks"));
    }
    return batches;
  }

  /** Full batches in this loader's epoch (counting those before the start batch). */
  public int batchesPerEpoch() {
    return endBatch;
  }

  public int epoch() {
    return epoch;
  }

  /** The epoch's order: position p of the epoch shows dataset image {@code order()[p]}. */
  public int[] order() {
    return order.clone();
  }

  /** Failed loads so far (including batches prepared ahead but not yet handed out). */
  public LoadFailures failures() {
    return failures;
  }

  @Override
  public boolean hasNext() {
    return next < endBatch && !closed;
  }

  /**
   * The next batch, waiting for it if needed. Hands the previous batch's buffers back.
   *
   * @throws NoSuchElementException after the last batch
   * @throws BadInputException if the data turned out unusable
   * @throws IllegalStateException if a worker failed, or the loader was closed
   */
  @Override
  public MultiCropBatch next() {
    if (closed) {
      throw new IllegalStateException("the data loader is closed");
    }
    if (next >= endBatch) {
      throw new NoSuchElementException("epoch " + epoch + " has only " + endBatch + " batches");
    }
    Slot slot = slots[next % slots.length];
    Throwable error;
    synchronized (lock) {
      if (holding) {
        released = next;
        holding = false;
        lock.notifyAll();
      }
      while (slot.filled != next && !closed) {
        try {
          lock.wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          close();
          throw new IllegalStateException("interrupted while waiting for a batch", e);
        }
      }
      error = slot.error;
    }
    if (closed) {
      throw new IllegalStateException("the data loader is closed");
    }
    if (error != null) {
      close();
      if (error instanceof BadInputException) {
        throw new BadInputException(error.getMessage(), error);
      }
      throw new IllegalStateException(
          "data loader failed on batch " + next + " of epoch " + epoch + ": " + error, error);
    }
    holding = true;
    next++;
    return slot.batch;
  }

  /** Stops the workers (waiting briefly for them) and invalidates the current batch. */
  @Override
  public void close() {
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      lock.notifyAll();
    }
    long deadline = System.currentTimeMillis() + CLOSE_WAIT_MS;
    for (Thread t : threads) {
      if (t == Thread.currentThread()) {
        continue;
      }
      try {
        t.join(Math.max(1, deadline - System.currentTimeMillis()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private void work(int first, int stride) {
    for (int k = first; k < endBatch; k += stride) {
      Slot slot = slots[k % slots.length];
      synchronized (lock) {
        while (!closed && k >= released + slots.length) {
          try {
            lock.wait();
          } catch (InterruptedException e) {
            return;
          }
        }
        if (closed) {
          return;
        }
      }
      Throwable error = null;
      try {
        if (!fill(slot.batch, k)) {
          return;
        }
      } catch (Throwable t) {
        error = t;
      }
      synchronized (lock) {
        slot.error = error;
        slot.filled = k;
        lock.notifyAll();
      }
      if (error != null) {
        return;
      }
    }
  }

  /** Prepares batch k; false if the loader was closed meanwhile. */
  private boolean fill(MultiCropBatch batch, int k) {
    batch.epoch = epoch;
    batch.index = k;
    for (int s = 0; s < batchSize; s++) {
      if (closed) {
        return false;
      }
      // Global position in the epoch's order (k * batchSize + s in a world of one).
      long position = ((long) k * batchSize + s) * worldSize + rank;
      Image image = loadOrReplace(position, batch.indices, s);
      long sampleSeed = EpochOrder.sampleSeed(seed, epoch, position);
      sampler.sampleInto(image, sampleSeed, batch.global, batch.local, s, batchSize);
    }
    return true;
  }

  private Image loadOrReplace(long position, int[] indices, int s) {
    int index = order[(int) position];
    int n = dataset.size();
    for (int attempt = 0; ; attempt++) {
      // A file that failed once fails again: it is not decoded twice. Which worker saw it first
      // does not matter, so the replacements, and the batches, stay those of the seed.
      String message = unreadable.get(index);
      boolean fresh = message == null;
      if (fresh) {
        try {
          Image image = dataset.load(index, minSourceSide);
          if (image != null) {
            indices[s] = index;
            return image;
          }
          message = "the dataset returned no image";
        } catch (BadInputException e) {
          throw e;
        } catch (Exception e) {
          // Decoders fail with unchecked exceptions too; any of them only costs this one image.
          message = e.getMessage() != null ? e.getMessage() : e.toString();
        }
      }
      // Described only on failure: a path string per loaded sample would be garbage for nothing.
      String source = dataset.describe(index);
      if (fresh) {
        if (message.startsWith(source + ": ")) {
          message = message.substring(source.length() + 2);
        }
        unreadable.putIfAbsent(index, message);
      }
      failures.add(new LoadFailures.Failure(position, attempt, index, source, message));
      if (attempt + 1 >= MAX_CONSECUTIVE_FAILURES + n) {
        throw new BadInputException(
            String.format(
                Locale.ROOT,
                "cannot load images from %s: none of its %,d images could be read, the last: %s:"
                    + " %s",
                dataset.name(),
                n,
                source,
                message));
      }
      // Random replacements first; a dataset mostly unreadable then gets a scan onwards from
      // the last one, which finds a readable image if there is any (each file is tried once).
      index =
          attempt + 1 < MAX_CONSECUTIVE_FAILURES
              ? EpochOrder.replacementIndex(seed, epoch, position, attempt + 1, n)
              : (index + 1) % n;
    }
  }

  /** Configures a {@link MultiCropLoader}; {@code set*} are required, {@code opt*} optional. */
  public static final class Builder {
    private ImageDataset dataset;
    private CropSampler sampler;
    private int batchSize;
    private long seed;
    private int epoch;
    private int startBatch;
    private int rank;
    private int worldSize = 1;
    private int workers = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
    private int prefetch = -1;

    private Builder() {}

    public Builder setDataset(ImageDataset dataset) {
      this.dataset = Objects.requireNonNull(dataset, "dataset");
      return this;
    }

    public Builder setSampler(CropSampler sampler) {
      this.sampler = Objects.requireNonNull(sampler, "sampler");
      return this;
    }

    /** Source images per batch (each gives 2 + L crops). */
    public Builder setBatchSize(int batchSize) {
      this.batchSize = batchSize;
      return this;
    }

    /** The run's seed (default 0). */
    public Builder optSeed(long seed) {
      this.seed = seed;
      return this;
    }

    /** The epoch, 0-based (default 0); the shuffle and augmentation seeds depend on it. */
    public Builder optEpoch(int epoch) {
      this.epoch = epoch;
      return this;
    }

    /** First batch to produce, to resume mid-epoch (default 0). */
    public Builder optStartBatch(int startBatch) {
      this.startBatch = startBatch;
      return this;
    }

    /**
     * This loader is rank {@code rank} of {@code worldSize} data-parallel ranks: it yields the
     * rank's interleaved share of every global batch (see the class comment). Default: a world of
     * one.
     */
    public Builder optShard(int rank, int worldSize) {
      if (worldSize < 1 || rank < 0 || rank >= worldSize) {
        throw new IllegalArgumentException(
            "rank " + rank + " is not a rank of a world of " + worldSize);
      }
      this.rank = rank;
      this.worldSize = worldSize;
      return this;
    }

    /** Worker threads (default min(4, CPUs)). The output does not depend on it. */
    public Builder optWorkers(int workers) {
      this.workers = workers;
      return this;
    }

    /** Batches prepared ahead of the one being consumed (default: the worker count, min 2). */
    public Builder optPrefetch(int prefetch) {
      if (prefetch < 0) {
        throw new IllegalArgumentException("prefetch must be >= 0, got " + prefetch);
      }
      this.prefetch = prefetch;
      return this;
    }

    /**
     * Validates the settings and starts the workers.
     *
     * @throws BadInputException if the dataset is smaller than one batch
     * @throws IllegalArgumentException for other invalid settings
     */
    public MultiCropLoader build() {
      Objects.requireNonNull(dataset, "dataset is required");
      Objects.requireNonNull(sampler, "sampler is required");
      if (batchSize < 1) {
        throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
      }
      if (workers < 1) {
        throw new IllegalArgumentException("workers must be >= 1, got " + workers);
      }
      if (prefetch < 0) {
        prefetch = Math.max(2, workers);
      }
      if (epoch < 0) {
        throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
      }
      if ((long) batchSize * worldSize > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(
            "a global batch of " + batchSize + " x " + worldSize + " ranks exceeds 2^31 images");
      }
      int batches = requireOneBatch(dataset, batchSize, worldSize);
      if (startBatch < 0 || startBatch > batches) {
        throw new IllegalArgumentException(
            "start batch " + startBatch + " is outside the epoch's 0.." + batches + " batches");
      }
      return new MultiCropLoader(this);
    }
  }
}
