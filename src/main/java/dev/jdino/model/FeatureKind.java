package dev.jdino.model;

import dev.jdino.io.BadInputException;
import java.util.Locale;

/** Which frozen features describe an image. */
public enum FeatureKind {
  /** The final-norm CLS token: DINO's k-NN feature (the official eval_knn.py). */
  CLS("cls"),
  /**
   * The CLS token and the mean of the final-norm patch tokens (the official eval_linear.py's {@code
   * --avgpool_patchtokens}), each L2-normalised before they are concatenated so that both weigh
   * alike in a cosine.
   */
  CLS_AVGPOOL("cls+avgpool");

  private final String label;

  FeatureKind(String label) {
    this.label = label;
  }

  /** The command line's name: {@code cls} or {@code cls+avgpool}. */
  public String label() {
    return label;
  }

  public static FeatureKind parse(String s) {
    for (FeatureKind k : values()) {
      if (k.label.equals(s.toLowerCase(Locale.ROOT)) || k.name().equalsIgnoreCase(s)) {
        return k;
      }
    }
    throw new BadInputException("feature '" + s + "': expected cls or cls+avgpool");
  }

  @Override
  public String toString() {
    return label;
  }
}
