package dev.jdino.cli;

import dev.jdino.data.DataSources;
import dev.jdino.data.ImageDataset;
import dev.jdino.dist.CommStats;
import dev.jdino.engine.Precision;
import dev.jdino.engine.Profiler;
import dev.jdino.engine.Torch;
import dev.jdino.io.BadInputException;
import dev.jdino.io.OutputPaths;
import dev.jdino.train.Checkpoint;
import dev.jdino.train.DinoConfig;
import dev.jdino.train.DinoStep.Phase;
import dev.jdino.train.DinoTrainer;
import dev.jdino.train.ModelFlops;
import dev.jdino.train.TrainOptions;
import dev.jdino.train.TrainingState;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code jdino bench train}: source images per second, the step-time split, GFLOP/s, memory. */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description =
        "Measure DINO training throughput: source images/s, step-time split, GFLOP/s against the"
            + " engine's matrix-product rate, peak RSS, page faults per step, settings in effect."
            + " Takes every configuration flag of train.")
public final class BenchTrainCommand implements Callable<Integer> {
  @Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--preset",
      paramLabel = "NAME",
      defaultValue = "fmnist-small",
      description = "Configuration (default ${DEFAULT-VALUE}).")
  String preset;

  @Option(
      names = "--data",
      paramLabel = "SPEC",
      description = "Data (default: full Fashion-MNIST if installed, else the sample).")
  String data;

  @Option(
      names = "--steps",
      paramLabel = "N",
      defaultValue = "30",
      description = "Measured steps (default ${DEFAULT-VALUE}).")
  int steps;

  @Option(
      names = "--warmup",
      paramLabel = "N",
      defaultValue = "5",
      description = "Unmeasured steps first (default ${DEFAULT-VALUE}).")
  int warmup;

  @Option(names = "--num-workers", paramLabel = "N", description = "Augmentation threads.")
  Integer numWorkers;

  @Option(names = "--threads", paramLabel = "N", description = "Engine compute threads.")
  Integer threads;

  @Mixin ComputeOptions arithmetic;

  @Option(
      names = "--profile",
      paramLabel = "FILE",
      description =
          "Record libtorch's operator profile of the measured steps into this Chrome"
              + " trace and print the operators by self time.")
  Path profile;

  @Option(
      names = "--profile-shapes",
      description =
          "With --profile: also record each operator's input shapes in the trace (slower).")
  boolean profileShapes;

  @Option(
      names = "--perf-control",
      paramLabel = "FIFO",
      description =
          "Write enable / disable into this FIFO (perf record --control fifo:FIFO -D -1) when"
              + " the measured steps start and end, so that Linux perf samples only them"
              + " (tools/sampling_profile.sh).")
  Path perfControl;

  @Option(
      names = "--json",
      paramLabel = "FILE",
      description =
          "Also write the figures as JSON (machine, settings, images/s, peak RSS, ...); an"
              + " earlier file there is kept beside it.")
  Path json;

  @Mixin DistributedOptions where;

  @Override
  public Integer call() throws Exception {
    if (where.nprocPerNode != null) {
      return DistributedRuns.relaunch(spec, where.nprocPerNode);
    }
    return DistributedRuns.run(spec, where, this::bench);
  }

  /** The benchmark on one rank; rank 0 reports (the step time it sees, and what it sent). */
  private int bench(DistributedRuns.Rank rank) throws Exception {
    if (steps < 1) {
      throw new BadInputException("--steps " + steps + ": expected at least 1 measured step");
    }
    if (warmup < 0) {
      throw new BadInputException("--warmup " + warmup + ": expected 0 or more steps");
    }
    if (profileShapes && profile == null) {
      throw new BadInputException("--profile-shapes records into the --profile trace; give both");
    }
    OutputPaths.requireCreatable(json, "--json", false);
    OutputPaths.requireCreatable(profile, "--profile", false);
    PrintWriter out = rank.out();
    int world = rank.world().size();
    Map<String, Object> overrides =
        ConfigFlags.overrides(spec.commandLine().getParseResult(), spec.commandLine().getErr());
    // Rank 0 alone: perf records the whole process tree, one FIFO turns it on and off.
    PerfControl perf =
        perfControl != null && rank.world().rank() == 0
            ? PerfControl.open(perfControl, Duration.ofSeconds(10))
            : null;
    Path dir = Files.createTempDirectory("jdino-bench");
    try (perf) {
      DinoConfig config = ConfigFlags.openRun(dir, preset, overrides, null).config();
      String dataSpec = data != null ? data : DataSources.defaultTrainSpec();
      ImageDataset images = DataSources.open(dataSpec);
      TrainOptions d = TrainOptions.defaults(dir);
      TrainOptions options =
          new TrainOptions(
              dir,
              numWorkers != null ? numWorkers : d.numWorkers(),
              0,
              d.logEvery(),
              0,
              false,
              threads != null ? threads : 0,
              (long) warmup + steps,
              arithmetic.compute(out, spec.commandLine().getErr()));
      int perEpoch = DinoTrainer.stepsPerEpoch(images, config, world);
      long needed = (long) warmup + steps;
      if (perEpoch < needed) {
        out.printf(
            Locale.ROOT,
            "note: %d steps span more than one epoch of %d steps;"
                + " epoch ends (checkpoints) fall inside the measurement%n",
            needed,
            perEpoch);
      }
      Torch.start(rank.threads(options.threads()));
      double[][] shapes = GemmRates.shapes(config);
      double[] rates = GemmRates.measure(shapes, Precision.FP32);
      double[] bf16 =
          options.compute().precision() == Precision.BF16
              ? GemmRates.measure(shapes, Precision.BF16)
              : null;
      double[] bf16Kernel = bf16 != null ? GemmRates.measureBf16Kernel(shapes) : null;
      MeasuredSteps c = new MeasuredSteps(warmup, rank.world(), profile, profileShapes, perf);
      double checkpointSeconds = Double.NaN;
      long checkpointBytes = 0;
      try (TrainingState state = TrainingState.fresh(config, null, options.compute())) {
        new DinoTrainer(state, options, images, dataSpec, c, rank.parallel()).train();
        if (rank.world().isMain()) {
          // What a run adds after every epoch, and what --time-budget does not count: one
          // checkpoint of the trained state, written as a run writes it (atomically).
          Path file = dir.resolve("timed-" + Checkpoint.FILE);
          long t0 = System.nanoTime();
          state.save(file, dataSpec, images.size(), 0);
          checkpointSeconds = (System.nanoTime() - t0) / 1e9;
          checkpointBytes = Files.size(file);
        }
      }
      int batch = config.train().batchSize() * world;
      int n = c.measured;
      double total = c.total / 1e9;
      Map<String, Object> record = BenchRecord.start("jdino bench train");
      record.put("preset", preset);
      record.put("overrides", overrides);
      record.put("data", dataSpec);
      record.put("batch", batch);
      record.put("world_size", world);
      record.put("steps", n);
      record.put("warmup", warmup);
      record.put("arithmetic", options.compute().toString());
      record.put("images_per_s", n * batch / total);
      record.put("seconds_per_step", total / n);
      out.printf(
          Locale.ROOT,
          "jdino bench train: preset %s%s, data %s, batch %s, %d measured"
              + " steps after %d warm-up%n",
          preset,
          overrides.isEmpty() ? "" : " with " + overrides,
          dataSpec,
          world > 1
              ? config.train().batchSize() + " per rank x " + world + " ranks = " + batch
              : Integer.toString(batch),
          n,
          warmup);
      out.printf(
          Locale.ROOT,
          "throughput: %.1f source images/s (%.3f s/step)%n",
          n * batch / total,
          total / n);
      out.printf(
          Locale.ROOT,
          "step split: data wait %.1f ms (%.1f%%), forward %.1f ms (%.1f%%),"
              + " backward %.1f ms (%.1f%%), optimizer+EMA %.1f ms (%.1f%%)%n",
          ms(c.time(Phase.DATA), n),
          pct(c.time(Phase.DATA), c.total),
          ms(c.time(Phase.FORWARD), n),
          pct(c.time(Phase.FORWARD), c.total),
          ms(c.time(Phase.BACKWARD), n),
          pct(c.time(Phase.BACKWARD), c.total),
          ms(c.time(Phase.UPDATE), n),
          pct(c.time(Phase.UPDATE), c.total));
      Map<String, Object> split = new LinkedHashMap<>();
      for (Phase ph : new Phase[] {Phase.DATA, Phase.FORWARD, Phase.BACKWARD, Phase.UPDATE}) {
        split.put(ph.name().toLowerCase(Locale.ROOT), ms(c.time(ph), n));
      }
      record.put("step_ms", split);
      double flops = ModelFlops.perSourceImage(config);
      double achieved = n * batch / total * flops / 1e9;
      record.put("gflop_per_image", flops / 1e9);
      record.put("achieved_gflops", achieved);
      if (world > 1 && n > 0) {
        // What this rank sent per measured step, and the time it spent inside the calls
        // (waiting for slower ranks included).
        CommStats comm = c.commAtEnd.minus(c.commAtStart);
        CommStats.Op ar = comm.allReduce();
        out.printf(
            Locale.ROOT,
            "communication (rank 0): %.1f ms per step (%.1f%% of the step),"
                + " %.2f MiB allreduced per step in %.1f calls; broadcasts %d, barriers %d in"
                + " all%n",
            comm.total().seconds() * 1e3 / n,
            pct(comm.total().nanos(), c.total),
            ar.bytes() / (1024.0 * 1024.0) / n,
            ar.calls() / (double) n,
            comm.broadcast().calls(),
            comm.barrier().calls());
      }
      out.printf(
          Locale.ROOT,
          "model arithmetic: %.3f GFLOP per source image (%s)%n",
          flops / 1e9,
          ModelFlops.FORMULA);
      StringBuilder mm = new StringBuilder();
      for (int i = 0; i < shapes.length; i++) {
        mm.append(
            String.format(
                Locale.ROOT,
                "%s%.0fx%.0fx%.0f: %.0f",
                i == 0 ? "" : ", ",
                shapes[i][0],
                shapes[i][1],
                shapes[i][2],
                rates[i]));
      }
      double mean = Arrays.stream(rates, 0, shapes.length).average().orElse(Double.NaN);
      record.put("fp32_gemm_gflops", mean);
      record.put(
          "bf16_gemm_gflops",
          bf16 == null ? null : Arrays.stream(bf16).average().orElse(Double.NaN));
      record.put(
          "bf16_gemm_kernel_gflops",
          bf16Kernel == null ? null : Arrays.stream(bf16Kernel).average().orElse(Double.NaN));
      out.printf(
          Locale.ROOT,
          "achieved: %.1f GFLOP/s = %.0f%% of the engine's fp32 matrix-product"
              + " rate on the model's shapes (%.0f GFLOP/s; %s GFLOP/s)%n",
          achieved,
          100 * achieved / mean,
          mean,
          mm);
      if (bf16 != null) {
        double bf16Mean = Arrays.stream(bf16).average().orElse(Double.NaN);
        double kernelMean = Arrays.stream(bf16Kernel).average().orElse(Double.NaN);
        out.printf(
            Locale.ROOT,
            "bf16 matrix products on the same shapes: %.0f GFLOP/s as the step runs them, casts"
                + " from and to fp32 included (%s), %.0f GFLOP/s the kernel alone (%s); the step"
                + " reaches %.0f%% and %.0f%% of them%n",
            bf16Mean,
            Arrays.toString(Arrays.stream(bf16).map(Math::rint).toArray()),
            kernelMean,
            Arrays.toString(Arrays.stream(bf16Kernel).map(Math::rint).toArray()),
            100 * achieved / bf16Mean,
            100 * achieved / kernelMean);
      }
      if (checkpointBytes > 0) {
        out.printf(
            Locale.ROOT,
            "checkpoint: %.1f MB written in %.2f s (a run writes one after every epoch; a time"
                + " budget does not count it)%n",
            checkpointBytes / 1e6,
            checkpointSeconds);
        record.put("checkpoint_bytes", checkpointBytes);
        record.put("checkpoint_s", checkpointSeconds);
      }
      out.printf(Locale.ROOT, "peak resident memory: %.2f GiB%n", ProcessStats.peakRssGiB());
      record.put("peak_rss_gib", ProcessStats.peakRssGiB());
      if (c.faultsAtStart >= 0 && c.faultsAtEnd >= 0 && n > 0) {
        // Each minor fault is a fresh 4 KiB page touched. A count that grows from run to run
        // means a leak; a steady one is allocator churn, which BENCHMARKS.md found cheap here.
        double perStep = (double) (c.faultsAtEnd - c.faultsAtStart) / n;
        out.printf(
            Locale.ROOT,
            "minor page faults: %.0f per measured step (%.1f MiB of fresh" + " pages)%n",
            perStep,
            perStep * 4 / 1024);
        record.put("minor_faults_per_step", perStep);
      }
      out.printf(
          Locale.ROOT,
          "settings: MKL override %s, GLIBC_TUNABLES %s, OMP_NUM_THREADS %s%n",
          Torch.mklOverride() ? "on" : "off",
          System.getenv("GLIBC_TUNABLES") == null ? "unset" : System.getenv("GLIBC_TUNABLES"),
          System.getenv("OMP_NUM_THREADS") == null ? "unset" : System.getenv("OMP_NUM_THREADS"));
      out.printf(Locale.ROOT, "arithmetic: %s%n", options.compute());
      if (profile != null) {
        printProfile(out, profile, n);
      }
      out.printf(
          Locale.ROOT,
          "threads: engine %d, augmentation workers %d, cores %d%s%n",
          Torch.threads(),
          options.numWorkers(),
          Runtime.getRuntime().availableProcessors(),
          world > 1 ? " (per rank, " + world + " ranks)" : "");
      record.put("engine_threads", Torch.threads());
      record.put("augmentation_workers", options.numWorkers());
      BenchRecord.write(out, json, record);
      return 0;
    } finally {
      deleteTree(dir);
    }
  }

  private static void printProfile(PrintWriter out, Path trace, int steps) throws IOException {
    List<Profiler.Row> rows = Profiler.table(trace);
    out.printf(Locale.ROOT, "operator profile (%s), self time per measured step:%n", trace);
    out.printf(Locale.ROOT, "  %-44s %8s %10s %6s%n", "operator", "calls", "ms/step", "share");
    double shown = 0;
    for (Profiler.Row r : rows.subList(0, Math.min(20, rows.size()))) {
      out.printf(
          Locale.ROOT,
          "  %-44s %8d %10.1f %5.1f%%%n",
          r.op(),
          r.calls() / steps,
          r.selfMs() / steps,
          100 * r.share());
      shown += r.share();
    }
    out.printf(
        Locale.ROOT,
        "  (the %d operators above: %.1f%% of the profiled time)%n",
        Math.min(20, rows.size()),
        100 * shown);
  }

  private static double ms(long nanos, int n) {
    return nanos / 1e6 / Math.max(1, n);
  }

  private static double pct(long part, long total) {
    return 100.0 * part / Math.max(1, total);
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
