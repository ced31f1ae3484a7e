package dev.jdino.cli;

import dev.jdino.train.TrainingListener;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * Training progress for people: steps on a {@link ProgressDisplay}, epochs and messages as lines.
 */
final class ConsoleProgress implements TrainingListener {
  private final PrintWriter out;
  private final ProgressDisplay display;

  ConsoleProgress(PrintWriter out) {
    this.out = out;
    this.display = ProgressDisplay.on(out);
  }

  @Override
  public void started(String description, long startStep, long totalSteps) {
    out.println("jdino train: " + description);
    out.flush();
    display.start("train", totalSteps, startStep, " steps", 1);
  }

  @Override
  public void step(Step s) {
    // Epochs and steps are counted from 1 here, as in "epoch 3/50 done"; metrics.jsonl keeps
    // 0-based
    // epochs like the official code's logs.
    display.update(
        s.globalStep(),
        String.format(
            Locale.ROOT,
            "epoch %d/%d %d/%d loss %.4f %.0f img/s",
            s.epoch() + 1,
            s.epochs(),
            s.batch(),
            s.batchesPerEpoch(),
            s.loss(),
            s.imagesPerSecond()));
  }

  @Override
  public void epoch(Epoch e) {
    message(
        String.format(
            Locale.ROOT,
            "epoch %d/%d done%s: loss %.4f, teacher entropy %.3f, KL %.4f, %.1f s, %.0f img/s%s",
            e.epoch() + 1,
            e.epochs(),
            e.steps() < e.stepsPerEpoch() ? " (" + e.steps() + " steps)" : "",
            e.meanLoss(),
            e.teacherEntropy(),
            e.kl(),
            e.seconds(),
            e.imagesPerSecond(),
            e.skippedImages() > 0
                ? ", "
                    + e.skippedImages()
                    + (e.skippedImages() == 1 ? " image" : " images")
                    + " skipped"
                : ""));
  }

  @Override
  public void message(String line) {
    display.message(line);
  }

  @Override
  public void finished() {
    display.close();
  }
}
