package dev.jdino.cli;

import dev.jdino.eval.FeatureExtractor;
import dev.jdino.io.OutputPaths;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** What several commands print the same way. */
final class Reports {
  private Reports() {}

  /**
   * Keeps what the given result files hold before new results are written in their place, and says
   * where ({@link OutputPaths#keepPrevious}): a command's results never silently replace earlier
   * ones.
   */
  static void keepPrevious(PrintWriter out, Path... files) throws IOException {
    for (Path kept : OutputPaths.keepPrevious(List.of(files))) {
      out.println("kept the previous results as " + kept);
    }
  }

  /** The images an extraction had to leave out, at most 20 of them by name. */
  static void skipped(PrintWriter out, List<FeatureExtractor.Skipped> skipped) {
    if (skipped.isEmpty()) {
      return;
    }
    out.printf(
        Locale.ROOT,
        "%d image%s could not be decoded and %s left out:%n",
        skipped.size(),
        skipped.size() == 1 ? "" : "s",
        skipped.size() == 1 ? "was" : "were");
    for (int i = 0; i < Math.min(20, skipped.size()); i++) {
      out.println("  " + skipped.get(i).describe());
    }
    if (skipped.size() > 20) {
      out.println("  ... and " + (skipped.size() - 20) + " more");
    }
  }
}
