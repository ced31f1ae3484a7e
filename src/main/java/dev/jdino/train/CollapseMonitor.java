package dev.jdino.train;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Watches an epoch's mean loss, teacher entropy and KL(teacher || student) for the collapse
 * signatures the paper describes, and names the likely cause. Each kind of warning is given once
 * per run. Checks start after the learning-rate warm-up (and the first epoch): a freshly
 * initialised head is nearly uniform, which is not a collapse.
 */
public final class CollapseMonitor {
  /** The signatures. */
  public enum Kind {
    UNIFORM_LOSS,
    ONE_DIMENSION,
    UNIFORM_TEACHER,
    NO_DISAGREEMENT
  }

  private final double lnK;
  private final int firstCheckedEpoch;
  private final Set<Kind> given = EnumSet.noneOf(Kind.class);

  public CollapseMonitor(int outDim, int warmupEpochs) {
    this.lnK = Math.log(outDim);
    this.firstCheckedEpoch = Math.max(1, warmupEpochs);
  }

  /** Warnings (possibly none) for the epoch that just ended (0-based). */
  public List<String> check(int epoch, double loss, double teacherEntropy, double kl) {
    List<String> out = new ArrayList<>();
    if (epoch < firstCheckedEpoch) {
      return out;
    }
    if (Math.abs(loss - lnK) < 0.01 * lnK) {
      warn(
          out,
          Kind.UNIFORM_LOSS,
          String.format(
              "loss %.4f is stuck at ln(out_dim) = %.4f: student and teacher outputs are uniform"
                  + " (collapse). Likely cause: the teacher is not sharpened enough (lower"
                  + " --teacher-temp, 0.04 to 0.07) or the learning rate is too high.",
              loss, lnK));
    }
    if (teacherEntropy < 0.05 * lnK) {
      warn(
          out,
          Kind.ONE_DIMENSION,
          String.format(
              "teacher entropy %.4f is near 0: one output dimension dominates (collapse)."
                  + " Likely cause: centring too weak against sharpening (--teacher-temp too low"
                  + " for this --out-dim, or a centre momentum too close to 1).",
              teacherEntropy));
    }
    if (teacherEntropy > 0.98 * lnK) {
      warn(
          out,
          Kind.UNIFORM_TEACHER,
          String.format(
              "teacher entropy %.4f is near ln(out_dim) = %.4f: the teacher's output is uniform"
                  + " (collapse). Likely cause: --teacher-temp too high (above 0.07 is unstable)"
                  + " so centring wins over sharpening.",
              teacherEntropy, lnK));
    }
    if (kl < 1e-3) {
      warn(
          out,
          Kind.NO_DISAGREEMENT,
          String.format(
              "KL(teacher || student) %.2e is near 0: the student matches the teacher on"
                  + " everything, so nothing is learned (collapse). Likely cause: a constant"
                  + " output; check --teacher-temp and --momentum-teacher.",
              kl));
    }
    return out;
  }

  private void warn(List<String> out, Kind kind, String message) {
    if (given.add(kind)) {
      out.add(message);
    }
  }
}
