package dev.jdino.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Child process of {@link TorchBridgeIsolationTest}: runs the fp32 paths, or a bf16 product, in a
 * fresh JVM and prints what it saw, one {@code key=value} a line.
 */
public final class BridgeProbe {
  private BridgeProbe() {}

  public static void main(String[] args) throws Exception {
    Torch.start();
    try (NDManager m = Torch.newManager()) {
      NDArray x = m.ones(new Shape(2, 3, 4));
      NDArray w = m.ones(new Shape(5, 4));
      System.out.println("precision=" + Precision.parse("fp32").flag());
      System.out.println("default=" + Precision.forThisProcessor().precision().flag());
      System.out.println(
          "fp32-linear=" + TorchBridge.linear(x, w, null, Precision.FP32).sum().getFloat());
      System.out.println(
          "fp32-matmul=" + TorchBridge.matmul(x, w.transpose(), Precision.FP32).sum().getFloat());
      if (args.length > 0 && args[0].equals("bf16")) {
        System.out.println("reason=" + TorchBridge.unavailableReason().orElse(""));
        try {
          System.out.println(
              "bf16-linear=" + TorchBridge.linear(x, w, null, Precision.BF16).sum().getFloat());
        } catch (IllegalStateException e) {
          System.out.println("bf16-error=" + e.getMessage());
        }
      }
    }
    boolean jni =
        Files.readAllLines(Path.of("/proc/self/maps")).stream()
            .anyMatch(l -> l.endsWith("/libjnitorch.so"));
    System.out.println("libjnitorch=" + jni);
  }
}
