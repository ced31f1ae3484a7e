package dev.jdino.data;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

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
  private final Set<Integer> images = new HashSet<>();
  private int count;

  synchronized void add(Failure f) {
    count++;
    images.add(f.index());
    if (kept.size() < MAX_KEPT) {
      kept.add(f);
    }
  }

  /** Failed loads so far (every attempt counts, each was replaced). */
  public synchronized int count() {
    return count;
  }

  /** Distinct images that failed to load so far (a bad file drawn twice counts once). */
  public synchronized int images() {
    return images.size();
  }

  /** The dataset indices of those images. */
  public synchronized Set<Integer> indices() {
    return Set.copyOf(images);
  }

  /** The failures kept so far, by position then attempt. */
  public synchronized List<Failure> failures() {
    List<Failure> sorted = new ArrayList<>(kept);
    sorted.sort(Comparator.comparingLong(Failure::position).thenComparingInt(Failure::attempt));
    return sorted;
  }

  /**
   * A report for the end of an epoch: the distinct images that failed, then up to {@code maxListed}
   * of them, "source: message", once each. Empty string when nothing failed.
   */
  public String summary(int maxListed) {
    List<Failure> list = failures();
    int distinct = images();
    if (distinct == 0) {
      return "";
    }
    int loads = count();
    StringBuilder sb = new StringBuilder();
    sb.append(distinct)
        .append(distinct == 1 ? " image" : " images")
        .append(" could not be loaded; ")
        .append(loads == 1 ? "its sample was" : loads + " samples were")
        .append(" taken from other images:");
    Set<Integer> listed = new HashSet<>();
    for (Failure f : list) {
      if (listed.size() >= maxListed) {
        break;
      }
      if (listed.add(f.index())) {
        sb.append("\n  ").append(f.source()).append(": ").append(f.message());
      }
    }
    if (distinct > listed.size()) {
      sb.append("\n  ... and ").append(distinct - listed.size()).append(" more");
    }
    return sb.toString();
  }
}
