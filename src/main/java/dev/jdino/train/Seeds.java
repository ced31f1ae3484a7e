package dev.jdino.train;

import java.nio.charset.StandardCharsets;

/** Independent 64-bit seeds derived from the run seed, a purpose, and a position (splitmix64). */
public final class Seeds {
  private Seeds() {}

  public static long derive(long seed, String purpose) {
    return derive(seed, purpose, 0);
  }

  public static long derive(long seed, String purpose, long index) {
    long h = mix(seed ^ 0x9E3779B97F4A7C15L);
    for (byte b : purpose.getBytes(StandardCharsets.UTF_8)) {
      h = mix(h ^ b);
    }
    return mix(h ^ mix(index));
  }

  static long mix(long z) {
    z += 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
