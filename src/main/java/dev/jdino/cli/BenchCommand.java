package dev.jdino.cli;

import dev.jdino.train.TrainingListener;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code jdino bench}: measured throughput, recorded in BENCHMARKS.md. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Benchmarks.",
    subcommands = {BenchCommand.Train.class, BenchKnnCommand.class, BenchDataCommand.class})
public final class BenchCommand implements Runnable {
  @Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Training throughput: source images per second and the step-time split. */
  @Command(name = "train", mixinStandardHelpOptions = true,
      description = "Measure DINO training throughput (source images/s, step-time split, peak RSS).")
  public static final class Train implements Callable<Integer> {
    @Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--preset", defaultValue = "fmnist-small", description = "Configuration (default ${DEFAULT-VALUE}).")
    String preset;

    @Option(names = "--data", description = "Data (default: full Fashion-MNIST if installed, else the sample).")
    String data;

    @Option(names = "--steps", defaultValue = "30", description = "Measured steps (default ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--warmup", defaultValue = "5", description = "Unmeasured steps first (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--num-workers", description = "Augmentation threads.")
    Integer numWorkers;

    @Option(names = "--threads", description = "Engine compute threads.")
    Integer threads;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      Path dir = Files.createTempDirectory("jdino-bench");
      try {
        List<String> args = new ArrayList<>(List.of("--preset", preset, "--output-dir", dir.toString(),
            "--max-steps", Integer.toString(warmup + steps), "--saveckp-freq", "0"));
        if (data != null) {
          args.addAll(List.of("--data", data));
        }
        if (numWorkers != null) {
          args.addAll(List.of("--num-workers", numWorkers.toString()));
        }
        if (threads != null) {
          args.addAll(List.of("--threads", threads.toString()));
        }
        CommandLine train = new CommandLine(new TrainCommand());
        train.parseArgs(args.toArray(String[]::new));
        TrainCommand.Setup setup = TrainCommand.prepare(train.getCommandSpec(), train.getCommand());
        long needed = (long) warmup + steps;
        int perEpoch = setup.data().size() / setup.config().train().batchSize();
        if (perEpoch < needed) {
          out.printf(Locale.ROOT, "note: %d steps span more than one epoch of %d steps;"
              + " epoch ends (checkpoints) fall inside the measurement%n", needed, perEpoch);
        }
        Collector c = new Collector(warmup);
        try (var trainer = TrainCommand.trainer(setup, c)) {
          trainer.train();
        }
        int batch = setup.config().train().batchSize();
        int n = c.measured;
        double total = c.total / 1e9;
        out.printf(Locale.ROOT, "jdino bench train: preset %s, data %s, batch %d, %d measured steps"
            + " after %d warm-up%n", preset, setup.dataSpec(), batch, n, warmup);
        out.printf(Locale.ROOT, "throughput: %.1f source images/s (%.3f s/step)%n",
            n * batch / total, total / n);
        out.printf(Locale.ROOT, "step split: data wait %.1f ms (%.1f%%), forward %.1f ms (%.1f%%),"
                + " backward %.1f ms (%.1f%%), optimizer+EMA %.1f ms (%.1f%%)%n",
            ms(c.data, n), pct(c.data, c.total), ms(c.forward, n), pct(c.forward, c.total),
            ms(c.backward, n), pct(c.backward, c.total), ms(c.update, n), pct(c.update, c.total));
        out.printf(Locale.ROOT, "peak resident memory: %.2f GiB%n", peakRssGiB());
        out.printf(Locale.ROOT, "threads: engine %d, augmentation workers %d, cores %d%n",
            dev.jdino.model.Torch.threads(), setup.options().numWorkers(),
            Runtime.getRuntime().availableProcessors());
        return 0;
      } finally {
        deleteTree(dir);
      }
    }

    private static double ms(long nanos, int n) {
      return nanos / 1e6 / Math.max(1, n);
    }

    private static double pct(long part, long total) {
      return 100.0 * part / Math.max(1, total);
    }
  }

  /** Step timings after the warm-up. */
  static final class Collector implements TrainingListener {
    final int warmup;
    int seen;
    int measured;
    long data;
    long forward;
    long backward;
    long update;
    long total;
    long last = -1;

    Collector(int warmup) {
      this.warmup = warmup;
    }

    @Override
    public void step(Step s) {
      long now = System.nanoTime();
      seen++;
      if (seen > warmup && last >= 0) {
        measured++;
        data += s.dataNanos();
        forward += s.forwardNanos();
        backward += s.backwardNanos();
        update += s.updateNanos();
        total += now - last;
      }
      last = now;
    }
  }

  /** Peak resident set size of this process (VmHWM), in GiB; NaN where /proc is unavailable. */
  static double peakRssGiB() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) / (1024.0 * 1024.0);
        }
      }
    } catch (IOException | NumberFormatException e) {
      // fall through
    }
    return Double.NaN;
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
