package dev.jdino.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jdino.io.Json;
import dev.jdino.train.DinoConfig;
import dev.jdino.train.DinoStep.Phase;
import dev.jdino.train.TrainingState;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jdino bench train} on the bundled sample (what it reports, not how fast it is). */
class BenchTrainCommandTest {
  @Test
  void reportsThroughputArithmeticMemoryAndSettings(@TempDir Path tmp) throws Exception {
    Path json = tmp.resolve("bench.json");
    // perf's side of --perf-control: a reader of the FIFO, as perf record --control is
    Path fifo = PerfControlTest.mkfifo(tmp.resolve("perf.ctl"));
    FutureTask<List<String>> perf = new FutureTask<>(() -> Files.readAllLines(fifo));
    PerfControlTest.startDaemon(perf); // a failed run must not leave it blocking exit
    TrainCommandTest.Result r =
        TrainCommandTest.jdino(
            "bench",
            "train",
            "--data",
            "fmnist-sample",
            "--steps",
            "2",
            "--warmup",
            "1",
            "--json",
            json.toString(),
            "--perf-control",
            fifo.toString());
    assertEquals(0, r.code(), r.err() + r.out());
    // sampling on for the measured steps only: once on, once off
    assertEquals(List.of("enable", "disable"), perf.get(10, TimeUnit.SECONDS));
    String out = r.out();
    assertTrue(out.contains("2 measured steps after 1 warm-up"), out);
    assertTrue(out.contains("source images/s"), out);
    assertTrue(out.contains("step split: data wait"), out);
    // The formula's figure for fmnist-small, as BENCHMARKS.md quotes it.
    assertTrue(out.contains("model arithmetic: 0.967 GFLOP per source image"), out);
    Matcher m = Pattern.compile("achieved: ([0-9.]+) GFLOP/s = ([0-9]+)% of").matcher(out);
    assertTrue(m.find(), out);
    assertTrue(Double.parseDouble(m.group(1)) > 0, out);
    assertTrue(out.contains("peak resident memory: "), out);
    assertTrue(out.matches("(?s).*minor page faults: [0-9]+ per measured step.*"), out);
    assertTrue(out.contains("settings: MKL override "), out);
    // the JSON holds what was printed
    JsonNode j = Json.read(json);
    Matcher ips = Pattern.compile("throughput: ([0-9.]+) source images/s").matcher(out);
    assertTrue(ips.find(), out);
    assertEquals(Double.parseDouble(ips.group(1)), j.path("images_per_s").asDouble(), 0.05);
    assertEquals(Double.parseDouble(m.group(1)), j.path("achieved_gflops").asDouble(), 0.05);
    assertEquals(2, j.path("steps").asInt());
    assertEquals(128, j.path("batch").asInt());
    assertEquals("fmnist-sample", j.path("data").asText());
    double split = 0;
    for (JsonNode v : j.path("step_ms")) {
      split += v.asDouble();
    }
    // the four phases cover the step but for the loop's own bookkeeping (a few ms)
    double step = 1000 * j.path("seconds_per_step").asDouble();
    assertTrue(split <= step + 0.01 && split > 0.98 * step, split + " of " + step + " ms");
    assertTrue(j.path("peak_rss_gib").asDouble() > 0.1, j.toString());
    assertEquals(
        Runtime.getRuntime().availableProcessors(), j.path("machine").path("cores").asInt());
    assertTrue(j.path("arithmetic").asText().contains("attention"), j.toString());
    // The timed checkpoint holds the student, the teacher and AdamW's two moments of every
    // parameter in fp32, and the loss's centre: 16 bytes a parameter, a header on top.
    long numel;
    try (TrainingState s = TrainingState.fresh(DinoConfig.preset("fmnist-small"), null)) {
      numel = s.network().layout().numel();
    }
    long bytes = j.path("checkpoint_bytes").asLong();
    assertTrue(bytes >= 16 * numel && bytes < 16 * numel + (1 << 20), bytes + " for " + numel);
    assertTrue(j.path("checkpoint_s").asDouble() > 0, j.toString());
    assertTrue(
        out.contains(String.format(Locale.ROOT, "checkpoint: %.1f MB written in", bytes / 1e6)),
        out);
  }

  @Test
  void everyStepAfterTheWarmUpIsMeasuredWithOrWithoutOne() throws Exception {
    for (int warmup : new int[] {0, 1, 2}) {
      MeasuredSteps c = new MeasuredSteps(warmup);
      for (int i = 0; i < warmup + 3; i++) {
        c.begin(Phase.DATA);
        Thread.sleep(2);
        c.begin(Phase.FORWARD);
        Thread.sleep(2);
        c.begin(Phase.DONE);
        c.step(null);
      }
      c.finished();
      // --warmup 0 once measured one step fewer than asked (the first had no start time)
      assertEquals(3, c.measured, "warm-up " + warmup);
      assertTrue(c.time(Phase.DATA) > 0 && c.time(Phase.FORWARD) > 0, "warm-up " + warmup);
      assertTrue(c.total >= c.time(Phase.DATA) + c.time(Phase.FORWARD), "warm-up " + warmup);
    }
  }

  @Test
  void refusesNoMeasuredStepAndANegativeWarmUpBeforeAnyWork() {
    // once: --steps 0 trained five steps to print NaN images/s; --warmup -1 ran a whole epoch
    TrainCommandTest.Result r = TrainCommandTest.jdino("bench", "train", "--steps", "0");
    assertEquals(2, r.code(), r.err());
    assertEquals("jdino: error: --steps 0: expected at least 1 measured step", r.err().strip());
    r = TrainCommandTest.jdino("bench", "train", "--warmup", "-1");
    assertEquals(2, r.code(), r.err());
    assertEquals("jdino: error: --warmup -1: expected 0 or more steps", r.err().strip());
  }

  @Test
  void theMachineIsNamedFromCpuinfo() {
    String cpuinfo =
        "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 143\n"
            + "model name\t: Intel(R) Xeon(R) Platinum 8481C CPU @ 2.70GHz\n"
            // a flag listed twice, as some hypervisors do
            + "flags\t\t: fpu sse avx2 fma fma avx512f avx512_bf16 amx_bf16 amx_tile amx_int8\n"
            + "processor\t: 1\nmodel name\t: another\n";
    Map<String, Object> m = ProcessStats.machine(cpuinfo);
    assertEquals("Intel(R) Xeon(R) Platinum 8481C CPU @ 2.70GHz", m.get("model_name"));
    assertEquals(6, m.get("family"));
    assertEquals(143, m.get("model"));
    assertEquals(
        List.of("avx2", "fma", "avx512f", "avx512_bf16", "amx_bf16", "amx_tile"), m.get("flags"));
    assertEquals(Runtime.getRuntime().availableProcessors(), m.get("cores"));
    Map<String, Object> none = ProcessStats.machine("");
    assertEquals(List.of("cores"), List.copyOf(none.keySet()));
  }

  @Test
  void profileShapesWithoutATraceIsRefused() throws Exception {
    TrainCommandTest.Result r =
        TrainCommandTest.jdino(
            "bench", "train", "--data", "fmnist-sample", "--steps", "2", "--profile-shapes");
    assertEquals(2, r.code(), r.err() + r.out());
    assertTrue(r.err().contains("--profile-shapes records into the --profile trace"), r.err());
  }

  @Test
  void minorPageFaultsCountFreshPages() {
    long before = ProcessStats.minorPageFaults();
    assertTrue(before > 0, "no /proc/self/stat?");
    int pages = 16 * 1024; // 64 MiB, above malloc's mmap threshold: fresh pages from the kernel
    ByteBuffer b = ByteBuffer.allocateDirect(pages * 4096);
    for (int i = 0; i < pages; i++) {
      b.put(i * 4096, (byte) 1);
    }
    long after = ProcessStats.minorPageFaults();
    // Transparent huge pages can back the buffer with fewer faults; each 2 MiB page is one.
    assertTrue(after - before >= pages / 512, (after - before) + " faults for " + pages + " pages");
  }
}
