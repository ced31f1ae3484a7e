package dev.jdino.cli;

import dev.jdino.viz.Curves;
import picocli.CommandLine.Option;

/** The x axis of the training curves. */
final class CurveOptions {
  @Option(names = "--by-epoch", description = "Epochs on the curves' x axis instead of steps.")
  boolean byEpoch;

  Curves.XAxis xAxis() {
    return byEpoch ? Curves.XAxis.EPOCHS : Curves.XAxis.STEPS;
  }
}
