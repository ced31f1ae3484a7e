package dev.jdino.cli;

import dev.jdino.dist.Collectives;
import dev.jdino.dist.CommStats;
import dev.jdino.engine.Profiler;
import dev.jdino.train.DinoStep.Phase;
import dev.jdino.train.TrainingListener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * {@code bench train}'s measurement: the steps after the warm-up, timed end to end and by the
 * phases the trainer announces, with the counters and profilers that cover exactly those steps
 * (page faults, communication, libtorch's operator profiler, perf's control FIFO).
 */
final class MeasuredSteps implements TrainingListener {
  final int warmup;
  private final Collectives world;
  CommStats commAtStart = CommStats.ZERO;
  CommStats commAtEnd = CommStats.ZERO;
  int seen;
  int measured;
  final long[] phase = new long[Phase.values().length];
  long total;
  long last = -1;
  long faultsAtStart = -1;
  long faultsAtEnd = -1;
  private Phase current;
  private long since;

  private final Path profile;
  private final boolean profileShapes;

  private final PerfControl perf;
  private boolean perfOn;
  private boolean profiling;

  MeasuredSteps(int warmup) {
    this(warmup, null, null, false, null);
  }

  /**
   * Also snapshots {@code world}'s communication counters over the measured steps, and records the
   * operator profile of those steps into {@code profile} (if not null), with each operator's input
   * shapes if {@code profileShapes}; turns {@code perf}'s sampling on for those steps (if not
   * null).
   */
  MeasuredSteps(
      int warmup, Collectives world, Path profile, boolean profileShapes, PerfControl perf) {
    this.warmup = warmup;
    this.world = world;
    this.profile = profile;
    this.profileShapes = profileShapes;
    this.perf = perf;
  }

  long time(Phase p) {
    return phase[p.ordinal()];
  }

  @Override
  public void begin(Phase p) {
    long now = System.nanoTime();
    if (warmup == 0 && seen == 0 && last < 0) {
      startMeasuring(now); // no warm-up: the first step is timed from its first phase
    }
    if (current != null && seen >= warmup && last >= 0) {
      phase[current.ordinal()] += now - since;
    }
    current = p == Phase.DONE ? null : p;
    since = now;
  }

  @Override
  public void step(Step s) {
    long now = System.nanoTime();
    seen++;
    if (seen > warmup && last >= 0) {
      measured++;
      total += now - last;
      faultsAtEnd = ProcessStats.minorPageFaults();
      if (world != null) {
        commAtEnd = world.stats();
      }
    } else if (seen == warmup) {
      startMeasuring(now);
    }
    last = now;
  }

  /** The measurement begins: counters snapshot, profilers on. */
  private void startMeasuring(long now) {
    faultsAtStart = ProcessStats.minorPageFaults();
    if (profile != null) {
      Profiler.start(profileShapes);
      profiling = true;
    }
    if (world != null) {
      commAtStart = world.stats();
    }
    if (perf != null) {
      try {
        perf.enable();
        perfOn = true;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    last = now;
  }

  @Override
  public void finished() {
    if (perfOn) {
      try {
        perf.disable();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    if (profiling) {
      Profiler.stop(profile);
    }
  }
}
