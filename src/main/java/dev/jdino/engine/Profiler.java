package dev.jdino.engine;

import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * libtorch's operator profiler: records every operator between {@link #start} and {@link #stop}
 * into a Chrome trace file, and sums it into a table of self time per operator (time inside an
 * operator minus the operators it called), the way {@code torch.autograd.profiler}'s {@code
 * key_averages()} does, so that a benchmark shows where a step's time goes.
 */
public final class Profiler {
  private Profiler() {}

  /** One operator's share of the profiled time. */
  public record Row(String op, long calls, double selfMs, double share) {}

  /**
   * @param shapes also record each operator's input shapes in the trace (slower; tells apart, say,
   *     the casts of one tensor from another's)
   */
  public static void start(boolean shapes) {
    Torch.start();
    JniUtils.startProfile(false, shapes, false);
  }

  /** Stops recording and writes the trace to {@code trace}. */
  public static void stop(Path trace) {
    JniUtils.stopProfile(trace.toAbsolutePath().toString());
  }

  /** Self time per operator in a Chrome trace written by {@link #stop}, largest first. */
  public static List<Row> table(Path trace) throws IOException {
    JsonNode root = new ObjectMapper().readTree(trace.toFile());
    JsonNode events = root.isArray() ? root : root.path("traceEvents");
    Map<Long, List<long[]>> byThread = new HashMap<>();
    List<String> names = new ArrayList<>();
    for (JsonNode e : events) {
      if (!"X".equals(e.path("ph").asText()) || !e.has("dur")) {
        continue;
      }
      names.add(e.path("name").asText());
      long ts = Math.round(e.path("ts").asDouble() * 1000);
      long dur = Math.round(e.path("dur").asDouble() * 1000);
      byThread
          .computeIfAbsent(e.path("tid").asLong(), k -> new ArrayList<>())
          .add(new long[] {ts, dur, names.size() - 1});
    }
    Map<String, long[]> sums = new HashMap<>();
    long total = 0;
    for (List<long[]> list : byThread.values()) {
      list.sort(Comparator.<long[]>comparingLong(a -> a[0]).thenComparingLong(a -> -a[1]));
      // A stack of open events; a child's duration is taken off its parent's self time.
      Deque<long[]> open = new ArrayDeque<>();
      long[] self = new long[list.size()];
      for (int i = 0; i < list.size(); i++) {
        long[] ev = list.get(i);
        while (!open.isEmpty() && open.peek()[0] + open.peek()[1] <= ev[0]) {
          open.pop();
        }
        self[i] = ev[1];
        if (!open.isEmpty()) {
          self[(int) open.peek()[3]] -= ev[1];
        } else {
          total += ev[1];
        }
        open.push(new long[] {ev[0], ev[1], ev[2], i});
      }
      for (int i = 0; i < list.size(); i++) {
        long[] s = sums.computeIfAbsent(names.get((int) list.get(i)[2]), k -> new long[2]);
        s[0]++;
        s[1] += self[i];
      }
    }
    List<Row> rows = new ArrayList<>();
    for (Map.Entry<String, long[]> e : sums.entrySet()) {
      rows.add(
          new Row(
              e.getKey(),
              e.getValue()[0],
              e.getValue()[1] / 1e6,
              total == 0 ? 0 : e.getValue()[1] / (double) total));
    }
    rows.sort(Comparator.comparingDouble(Row::selfMs).reversed());
    return rows;
  }
}
