package dev.jdino.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * The first processor's entry of Linux's {@code /proc/cpuinfo}: what decides the default arithmetic
 * ({@link Precision#forThisProcessor}) and what benchmark records name the machine by.
 */
public final class CpuInfo {
  /** Where the text is read from. */
  public static final Path FILE = Path.of("/proc/cpuinfo");

  private CpuInfo() {}

  /** The text of {@link #FILE}. */
  public static String read() throws IOException {
    return Files.readString(FILE);
  }

  /** The value of the first line named {@code key} (e.g. "model name"), trimmed. */
  public static Optional<String> field(String cpuinfo, String key) {
    for (String line : cpuinfo.split("\n", -1)) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).trim().equals(key)) {
        return Optional.of(line.substring(colon + 1).trim());
      }
    }
    return Optional.empty();
  }

  /** The words of the first {@code flags} line, or null when there is none. */
  public static Set<String> flags(String cpuinfo) {
    // (a copy, not Set.of: a flag listed twice must not throw)
    return field(cpuinfo, "flags")
        .map(f -> (Set<String>) new HashSet<>(Arrays.asList(f.split("\\s+"))))
        .orElse(null);
  }
}
