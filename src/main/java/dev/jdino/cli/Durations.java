package dev.jdino.cli;

import dev.jdino.io.BadInputException;
import java.util.Locale;

/**
 * Durations as people type them: {@code 90s}, {@code 3m}, {@code 1h30m}, {@code 2.5m}, {@code 45}.
 */
final class Durations {
  private Durations() {}

  static double seconds(String text, String flag) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    double total = 0;
    int i = 0;
    boolean any = false;
    while (i < t.length()) {
      int j = i;
      while (j < t.length() && (Character.isDigit(t.charAt(j)) || t.charAt(j) == '.')) {
        j++;
      }
      if (j == i) {
        throw bad(text, flag);
      }
      double v;
      try {
        v = Double.parseDouble(t.substring(i, j));
      } catch (NumberFormatException e) {
        throw bad(text, flag);
      }
      char unit = j < t.length() ? t.charAt(j) : 's';
      double scale =
          switch (unit) {
            case 's' -> 1;
            case 'm' -> 60;
            case 'h' -> 3600;
            default -> throw bad(text, flag);
          };
      total += v * scale;
      any = true;
      i = j < t.length() ? j + 1 : j;
    }
    if (!any || !(total > 0)) {
      throw bad(text, flag);
    }
    return total;
  }

  private static BadInputException bad(String text, String flag) {
    return new BadInputException(
        flag + " " + text + ": expected a duration such as 90s, 3m or" + " 1h30m");
  }
}
