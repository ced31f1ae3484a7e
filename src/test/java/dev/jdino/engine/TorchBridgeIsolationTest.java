package dev.jdino.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the bridge does to a JVM, seen from fresh child processes ({@link BridgeProbe}): an fp32 run
 * loads no JavaCPP class and maps no JavaCPP library; a bf16 run does (the check can see them); and
 * where JavaCPP cannot load, or would load the wrong libtorch, the bridge says why in one line and
 * fp32 goes on.
 */
class TorchBridgeIsolationTest {

  @Test
  void anFp32RunLoadsNoJavacppClass(@TempDir Path tmp) throws Exception {
    Child c = run(tmp, "fp32", classPath(), List.of());
    assertEquals("fp32", c.out.get("precision"));
    assertEquals("120.0", c.out.get("fp32-linear"));
    assertEquals("120.0", c.out.get("fp32-matmul"));
    assertEquals("false", c.out.get("libjnitorch"));
    assertEquals(List.of(), c.javacppClasses, "JavaCPP classes loaded by an fp32 run");
  }

  @Test
  void aBf16RunLoadsJavacppOnDjlsLibtorch(@TempDir Path tmp) throws Exception {
    Child c = run(tmp, "bf16", classPath(), List.of());
    assertEquals("", c.out.get("reason"));
    assertEquals("120.0", c.out.get("bf16-linear"));
    assertEquals("true", c.out.get("libjnitorch"));
    assertTrue(
        c.javacppClasses.contains("org.bytedeco.pytorch.global.torch"),
        c.javacppClasses.toString());
  }

  @Test
  void withoutJavacppOnTheClassPathTheBridgeSaysWhyInOneLine(@TempDir Path tmp) throws Exception {
    String cp =
        Arrays.stream(classPath().split(File.pathSeparator))
            .filter(e -> !e.contains("bytedeco"))
            .collect(Collectors.joining(File.pathSeparator));
    Child c = run(tmp, "bf16", cp, List.of());
    assertEquals("120.0", c.out.get("fp32-linear"));
    String reason = c.out.get("reason");
    assertEquals(
        "bf16 and fused attention unavailable: JavaCPP's jars"
            + " (org.bytedeco:pytorch:2.7.1-1.5.12, javacpp:1.5.12) are not on the class path"
            + " (no org/bytedeco/javacpp/Pointer)",
        reason);
    assertEquals(reason, c.out.get("bf16-error"));
    assertEquals("false", c.out.get("libjnitorch"));
  }

  /** pathsFirst=false would load JavaCPP's own libtorch beside DJL's, which aborts the JVM. */
  @Test
  void aSettingThatWouldLoadASecondLibtorchIsRefusedNotCrashed(@TempDir Path tmp) throws Exception {
    Child c = run(tmp, "bf16", classPath(), List.of("-Dorg.bytedeco.javacpp.pathsFirst=false"));
    assertEquals(
        "bf16 and fused attention unavailable: IllegalStateException:"
            + " org.bytedeco.javacpp.pathsFirst=false would load JavaCPP's libtorch beside DJL's;"
            + " it must be true",
        c.out.get("reason"));
    assertEquals("false", c.out.get("libjnitorch"));
  }

  private record Child(Map<String, String> out, List<String> javacppClasses) {}

  private static String classPath() {
    return System.getProperty("java.class.path");
  }

  private static Child run(Path tmp, String mode, String cp, List<String> jvmArgs)
      throws Exception {
    Path classLog = tmp.resolve("classes.log");
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Dai.djl.offline=true");
    cmd.add("-Xlog:class+load=info:file=" + classLog);
    cmd.addAll(jvmArgs);
    cmd.addAll(List.of("-cp", cp, BridgeProbe.class.getName(), mode));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String log = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "probe timed out");
    assertEquals(0, p.exitValue(), log);
    Map<String, String> out = new HashMap<>();
    for (String line : log.split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0 && !line.startsWith("[")) {
        out.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    List<String> javacpp =
        Files.readAllLines(classLog).stream()
            .filter(l -> l.contains(" org.bytedeco."))
            .map(l -> l.replaceAll(".* (org\\.bytedeco\\.\\S+).*", "$1"))
            .collect(Collectors.toList());
    assertFalse(out.isEmpty(), log);
    return new Child(out, javacpp);
  }
}
