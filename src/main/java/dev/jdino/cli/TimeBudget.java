package dev.jdino.cli;

import dev.jdino.data.ImageDataset;
import dev.jdino.eval.OnlineKnn;
import dev.jdino.io.BadInputException;
import dev.jdino.io.ConfigException;
import dev.jdino.model.Backbone;
import dev.jdino.train.DinoConfig;
import dev.jdino.train.Recipes;
import dev.jdino.train.StepTimer;
import dev.jdino.train.StopSignal;
import dev.jdino.train.TrainConfig;
import dev.jdino.train.TrainOptions;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * {@code train --time-budget}: a new run's length from what this machine measures first, the step
 * time on throwaway steps and, with {@code --eval-data}, one online k-NN; the run gets the most
 * steps that fit with every evaluation it will make. Schedules are fixed from that length, as the
 * official code fixes them from its epochs.
 */
final class TimeBudget {
  private TimeBudget() {}

  /**
   * {@code c} with the epochs the budget holds, and the default warm-up and freeze cut to fit; one
   * line on {@code out} says how, and {@code recipe} records what was measured.
   *
   * @param eval the run's online k-NN, timed here too; null without {@code --eval-data}
   */
  static DinoConfig size(
      String timeBudget,
      DinoConfig c,
      ImageDataset images,
      TrainOptions o,
      OnlineKnn eval,
      int stepsPerEpoch,
      Map<String, Object> overrides,
      Map<String, Object> recipe,
      PrintWriter out) {
    double seconds = Durations.seconds(timeBudget, "--time-budget");
    StepTimer.StepTime measured = measureStep(c, images, o, seconds, out);
    double perStep = measured.secondsPerStep();
    // The online k-NN's evaluations are part of the run's time: timed once, on a backbone of
    // the run's architecture, and taken out of the budget.
    double evalSeconds = 0;
    if (eval != null) {
      try (Backbone b = Backbone.random(c.vit(), c.train().seed(), o.compute())) {
        evalSeconds = eval.secondsPerEvaluation(b);
      }
    }
    long budgetSteps =
        eval == null
            ? Math.max(1, (long) Math.floor(seconds / perStep))
            : StepTimer.stepsFor(
                seconds, perStep, evalSeconds, n -> eval.evaluationsIn(n, stepsPerEpoch));
    int evaluations = eval == null ? 0 : eval.evaluationsIn(budgetSteps, stepsPerEpoch);
    if (eval != null && budgetSteps * perStep + evaluations * evalSeconds > seconds) {
      throw new BadInputException(
          String.format(
              Locale.ROOT,
              "--time-budget %s: the online k-NN alone takes %.1f s an evaluation here, and a"
                  + " run evaluates at least %d times; give a longer budget, a larger"
                  + " --eval-every or a smaller --eval-subset",
              timeBudget,
              evalSeconds,
              evaluations));
    }
    double epochs = budgetSteps / (double) stepsPerEpoch;
    // The budget fixes the length only now, so the caps that capToFit applied for --epochs
    // are applied here: a default warm-up or freeze longer than the budget's run is cut to fit
    // (an explicit one is still refused by the records).
    Map<String, Object> length = new LinkedHashMap<>(overrides);
    length.put("train.epochs", epochs);
    Recipes.Fitted caps = Recipes.capToFit(c, length);
    Map<String, Object> set = new LinkedHashMap<>(caps.sized());
    set.put("train.epochs", epochs);
    try {
      c = c.with(set);
    } catch (ConfigException e) {
      ConfigFlags.Flag f = ConfigFlags.flagFor(e.setting());
      throw new BadInputException(
          (f != null ? f.name() + " " + ConfigFlags.show(overrides.get(e.setting())) + ": " : "")
              + e.getMessage()
              + ", the length --time-budget "
              + timeBudget
              + " gives on this machine");
    }
    String line =
        String.format(
            Locale.ROOT,
            "time budget %s: %.2f s per step measured here (the last %s of %.0f s of"
                + " throwaway steps, %s)%s, so %,d steps (%s epochs of %,d steps)",
            ProgressDisplay.clock(seconds),
            perStep,
            measured.steps() == 1 ? "step" : measured.steps() + " steps",
            measured.seconds(),
            measured.settled() ? "settled" : "not settled: the latest taken",
            eval == null
                ? ""
                : String.format(
                    Locale.ROOT,
                    " and %.1f s per online k-NN (%d evaluations, %s of the budget)",
                    evalSeconds,
                    evaluations,
                    ProgressDisplay.clock(evaluations * evalSeconds)),
            c.train().totalSteps(stepsPerEpoch),
            TrainConfig.fmt(Math.round(epochs * 100) / 100.0),
            stepsPerEpoch);
    out.println("jdino train: " + line);
    for (String n : caps.notes()) {
      out.println("jdino train: " + n);
    }
    recipe.put("capped_to_budget", caps.notes());
    recipe.put("time_budget_s", seconds);
    recipe.put("measured_s_per_step", perStep);
    recipe.put("measured_steps", measured.steps());
    recipe.put("measured_for_s", measured.seconds());
    recipe.put("measured_settled", measured.settled());
    if (eval != null) {
      recipe.put("measured_knn_s", evalSeconds);
      recipe.put("knn_evaluations", evaluations);
    }
    recipe.put("epochs_from_budget", epochs);
    return c;
  }

  /**
   * The step time of {@code c} on this machine, for a budget of {@code seconds}. Ctrl-C stops the
   * measurement after its current step: the JVM's exit waits for it, then for the line saying so.
   */
  private static StepTimer.StepTime measureStep(
      DinoConfig c, ImageDataset images, TrainOptions o, double seconds, PrintWriter out) {
    StopSignal stop = new StopSignal();
    Thread hook =
        new Thread(() -> stop.requestAndWait("interrupted", 60_000), "jdino-stop-measuring");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      return StepTimer.measure(
          c,
          images,
          o.numWorkers(),
          o.compute(),
          StepTimer.WARMUP_STEPS,
          StepTimer.MIN_STEPS,
          StepTimer.MIN_SECONDS,
          StepTimer.maxSecondsFor(seconds),
          stop);
    } catch (StepTimer.Interrupted e) {
      out.println("jdino train: " + e.getMessage());
      out.flush();
      throw e;
    } finally {
      stop.ended();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // The hook is running, and returns now that the measurement has ended.
      }
    }
  }
}
