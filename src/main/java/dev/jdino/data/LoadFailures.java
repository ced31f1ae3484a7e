package dev.jdino.data;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Images that failed to load during an epoch and were replaced. Thread-safe; the list is kept in
 * epoch position order, so the summary does not depend on which thread saw which failure.
 */
public final class LoadFailures {
  /** Entries kept for the summary; beyond this only the count grows (bounded memory). */
  public static final int MAX_KEPT = 10_000;

  /**
   * One failed load.
   *
   * @param position the sample's position within the epoch
   * @param attempt 0 for the original image, 1.. for replacements that failed too
   * @param index the dataset index that failed
   * @param source the dataset's description of it (usually a path)
   * @param message why it failed
   */
  public record Failure(long position, int attempt, int index, String source, String message) {}

  private final List<Failure> kept = new ArrayList<>();
  private int count;

  synchronized void add(Failure f) {
    count++;
    if (kept.size() < MAX_KEPT) {
      kept.add(f);
    }
  }

  /** Failed loads so far (every attempt counts, each was replaced). */
  public synchronized int count() {
    return count;
  }

  /** The failures kept so far, by position then attempt. */
  public synchronized List<Failure> failures() {
    List<Failure> sorted = new ArrayList<>(kept);
    sorted.sort(Comparator.comparingLong(Failure::position).thenComparingInt(Failure::attempt));
    return sorted;
  }

  /**
   * A report for the end of an epoch: the count, then up to {@code maxListed} lines "source:
   * message". Empty string when nothing failed.
   */
  public String summary(int maxListed) {
    List<Failure> list = failures();
    int total = count();
    if (total == 0) {
      return "";
    }
    StringBuilder sb = new StringBuilder();
    sb.append(total)
        .append(total == 1 ? " image" : " images")
        .append(" failed to load and were replaced by other images:");
    for (int i = 0; i < Math.min(maxListed, list.size()); i++) {
      Failure f = list.get(i);
      sb.append("\n  ").append(f.source()).append(": ").append(f.message());
    }
    if (total > maxListed) {
      sb.append("\n  ... and ").append(total - Math.min(maxListed, list.size())).append(" more");
    }
    return sb.toString();
  }
}
