package dev.jdino.train;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The records of {@code metrics.jsonl}, one JSON object per line, in the official log's spirit
 * (snake_case keys, 0-based epochs): a {@code start} or {@code resume} event, one {@code step}
 * every few steps, one {@code epoch} per epoch, and {@code warning}s.
 */
public final class Metrics {
  private Metrics() {}

  /** A run starts or resumes. */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  @JsonPropertyOrder({"type", "epoch", "step"})
  public record Start(
      String type,
      int epoch,
      long step,
      String data,
      int images,
      Map<String, Object> distributed,
      Object config) {}

  /** One logged step: the schedules' values and the loss's health signals. */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonPropertyOrder({"type", "epoch", "step"})
  public record Step(
      String type,
      int epoch,
      long step,
      float loss,
      double lr,
      double wd,
      double momentum,
      double teacherTemp,
      float teacherEntropy,
      float klTeacherStudent,
      Float koleo,
      double imagesPerS) {

    static Step of(int epoch, long step, DinoStep.Outcome o, DinoStep.Hyper h, double ips) {
      return new Step(
          "step",
          epoch,
          step,
          o.loss(),
          h.lr(),
          h.weightDecay(),
          h.momentum(),
          h.teacherTemp(),
          o.teacherEntropy(),
          o.klTeacherStudent(),
          Float.isNaN(o.koleo()) ? null : o.koleo(),
          ips);
    }
  }

  /**
   * One epoch: means over its steps, the schedules' last values, and whatever the epoch hooks add
   * (the online k-NN's {@code knn_top1}, ...) in {@link #extra}.
   */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  @JsonPropertyOrder({"type", "epoch", "step"})
  public record Epoch(
      String type,
      int epoch,
      long step,
      double loss,
      double lr,
      double wd,
      double momentum,
      double teacherTemp,
      double teacherEntropy,
      double klTeacherStudent,
      double imagesPerS,
      double epochTimeS,
      int steps,
      int skippedImages,
      @JsonIgnore Map<String, Object> extra) {

    public Epoch {
      extra = extra == null ? new LinkedHashMap<>() : extra;
    }

    @JsonAnyGetter
    public Map<String, Object> extraFields() {
      return extra;
    }
  }

  /**
   * The epoch hooks' measurements of the untrained teacher, before the first step (step 0), so that
   * curves start from the initialisation.
   */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  @JsonPropertyOrder({"type", "epoch", "step"})
  public record Eval(String type, int epoch, long step, @JsonIgnore Map<String, Object> extra) {

    @JsonAnyGetter
    public Map<String, Object> extraFields() {
      return extra;
    }
  }

  /** A warning shown to the user (collapse signatures, ...). */
  @JsonPropertyOrder({"type", "epoch", "step"})
  public record Warning(String type, int epoch, long step, String message) {
    static Warning of(int epoch, long step, String message) {
      return new Warning("warning", epoch, step, message);
    }
  }
}
