package dev.jdino.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.FileInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's MKL override on AMD processors (src/main/native/mkl_intel_path.c) must not change
 * results beyond float32 rounding: the same products computed in two processes, with and without
 * the preloaded library, agree.
 */
class ProcessorTuningTest {

  @Test
  void mklOverrideGivesEqualProducts(@TempDir Path tmp) throws Exception {
    String cpuinfo =
        Files.exists(Path.of("/proc/cpuinfo")) ? Files.readString(Path.of("/proc/cpuinfo")) : "";
    assumeTrue(
        System.getProperty("os.arch").equals("amd64") && cpuinfo.contains("AuthenticAMD"),
        "only applies to AMD x86-64 processors");
    Path so = tmp.resolve("libmkl.so");
    Process gcc =
        new ProcessBuilder(
                "gcc",
                "-O2",
                "-shared",
                "-fPIC",
                "-o",
                so.toString(),
                "src/main/native/mkl_intel_path.c")
            .inheritIO()
            .start();
    assumeTrue(gcc.waitFor(60, TimeUnit.SECONDS) && gcc.exitValue() == 0, "needs gcc");

    float[] plain = run(tmp.resolve("plain.bin"), null);
    float[] tuned = run(tmp.resolve("tuned.bin"), so);
    assertEquals(plain.length, tuned.length);
    double maxAbs = 0;
    double maxDiff = 0;
    for (int i = 0; i < plain.length; i++) {
      maxAbs = Math.max(maxAbs, Math.abs(plain[i]));
      maxDiff = Math.max(maxDiff, Math.abs(plain[i] - tuned[i]));
    }
    // Sums of up to 512 products of values in [-1, 1]: differences are reassociation only.
    assertTrue(
        maxDiff <= 1e-5 * maxAbs + 1e-5,
        "max difference " + maxDiff + " on values up to " + maxAbs);
  }

  private static float[] run(Path out, Path preload) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb =
        new ProcessBuilder(
            java,
            "-cp",
            System.getProperty("java.class.path"),
            "-Dai.djl.offline=true",
            MatmulProbe.class.getName(),
            out.toString());
    pb.environment().remove("LD_PRELOAD");
    if (preload != null) {
      pb.environment().put("LD_PRELOAD", preload.toString());
    }
    pb.redirectErrorStream(true);
    Process p = pb.start();
    String log = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "probe timed out");
    assertEquals(0, p.exitValue(), log);
    List<Float> v = new ArrayList<>();
    try (DataInputStream in = new DataInputStream(new FileInputStream(out.toFile()))) {
      while (true) {
        v.add(in.readFloat());
      }
    } catch (EOFException end) {
      // done
    }
    float[] f = new float[v.size()];
    for (int i = 0; i < f.length; i++) {
      f[i] = v.get(i);
    }
    return f;
  }
}
