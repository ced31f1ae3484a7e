package dev.jdino.data;

import java.util.SplittableRandom;

/**
 * The random choices of an epoch as pure functions of (seed, epoch, position): the shuffle, each
 * sample's augmentation seed and the replacements for images that fail to load. Keeping them free
 * of any shared generator is what lets several loader threads, or a run resumed mid-epoch, produce
 * exactly the batches of a single-threaded, uninterrupted run.
 */
public final class EpochOrder {
  // Distinct domains so that, e.g., the permutation stream never equals a sample seed stream.
  private static final long PERMUTATION = 0x5045524d5554452dL;
  private static final long SAMPLE = 0x53414d504c45532dL;
  private static final long REPLACE = 0x5245504c4143452dL;

  private EpochOrder() {}

  /** A permutation of [0, n) that depends only on (seed, epoch): Fisher-Yates. */
  public static int[] permutation(int n, long seed, int epoch) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    SplittableRandom random = new SplittableRandom(mix(seed, PERMUTATION, epoch, 0));
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  /** The augmentation seed of the sample at {@code position} (0-based) within the epoch. */
  public static long sampleSeed(long seed, int epoch, long position) {
    return mix(seed, SAMPLE, epoch, position);
  }

  /**
   * The dataset index tried after the {@code attempt}-th failure (1-based) at {@code position}:
   * uniform over [0, n), independent of everything else in the epoch.
   */
  public static int replacementIndex(long seed, int epoch, long position, int attempt, int n) {
    long h = mix64(mix(seed, REPLACE, epoch, position) + attempt);
    return (int) Math.floorMod(h, (long) n);
  }

  /** splitmix64's finaliser: a bijective mix of all 64 bits. */
  static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  private static long mix(long seed, long domain, int epoch, long position) {
    long h = mix64(seed ^ domain);
    h = mix64(h + 0x9e3779b97f4a7c15L * (epoch + 1L));
    return mix64(h + position);
  }
}
