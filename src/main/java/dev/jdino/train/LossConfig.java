package dev.jdino.train;

import dev.jdino.io.ConfigException;

/**
 * DINO's self-distillation loss (the paper's equations 1-4; the official {@code DINOLoss}) and the
 * DINOv2 additions jdino offers.
 *
 * @param studentTemp student softmax temperature (0.1)
 * @param teacherTemp teacher temperature after its warm-up (0.04; above 0.07 is unstable)
 * @param warmupTeacherTemp initial teacher temperature
 * @param warmupTeacherTempEpochs epochs of linear teacher-temperature warm-up
 * @param centerMomentum momentum of the centre's EMA (0.9)
 * @param centering how the teacher's logits are centred: DINO's EMA centre, or DINOv2's
 *     Sinkhorn-Knopp normalisation of the batch
 * @param koleoWeight weight of DINOv2's KoLeo regulariser on the student's global-crop CLS features
 *     (0: off; DINOv2 uses 0.1)
 */
public record LossConfig(
    double studentTemp,
    double teacherTemp,
    double warmupTeacherTemp,
    int warmupTeacherTempEpochs,
    double centerMomentum,
    Centering centering,
    double koleoWeight) {

  /** How the teacher's output is kept from collapsing onto one prototype. */
  public enum Centering {
    /** DINO: subtract an EMA of the batch mean before sharpening. */
    EMA,
    /** DINOv2: three Sinkhorn-Knopp iterations make the batch's targets use prototypes evenly. */
    SINKHORN_KNOPP
  }

  public LossConfig {
    // An infinite temperature passes "> 0" but turns every softmax into NaN.
    if (!(Double.isFinite(studentTemp) && studentTemp > 0)) {
      throw new ConfigException(
          "studentTemp", "the student temperature must be a finite number > 0, got " + studentTemp);
    }
    if (!(Double.isFinite(teacherTemp) && teacherTemp > 0)) {
      throw new ConfigException(
          "teacherTemp", "the teacher temperature must be a finite number > 0, got " + teacherTemp);
    }
    if (!(Double.isFinite(warmupTeacherTemp) && warmupTeacherTemp > 0)) {
      throw new ConfigException(
          "warmupTeacherTemp",
          "the initial teacher temperature must be a finite number > 0, got " + warmupTeacherTemp);
    }
    if (warmupTeacherTempEpochs < 0) {
      throw new ConfigException(
          "warmupTeacherTempEpochs", "the teacher-temperature warm-up must be >= 0 epochs");
    }
    if (!(centerMomentum >= 0 && centerMomentum <= 1)) {
      throw new ConfigException(
          "centerMomentum", "the centre momentum must lie in [0, 1], got " + centerMomentum);
    }
    if (centering == null) {
      throw new ConfigException("centering", "a centring method is needed (EMA or SINKHORN_KNOPP)");
    }
    if (!(Double.isFinite(koleoWeight) && koleoWeight >= 0)) {
      throw new ConfigException(
          "koleoWeight", "the KoLeo weight must be a finite number >= 0, got " + koleoWeight);
    }
  }

  /** The official main_dino.py defaults: 0.1 / 0.04, no warm-up, EMA centring, no KoLeo. */
  public static LossConfig defaults() {
    return new LossConfig(0.1, 0.04, 0.04, 0, 0.9, Centering.EMA, 0);
  }
}
