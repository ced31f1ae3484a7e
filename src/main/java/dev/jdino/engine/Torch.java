package dev.jdino.engine;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.function.Supplier;

/**
 * DJL's PyTorch engine as every jdino entry point needs it: offline (libtorch comes from the
 * bundled native jar; nothing is downloaded), autograd recording only inside gradient collectors,
 * and a chosen number of compute threads. Everything jdino does through the PyTorch engine's own
 * classes ({@code JniUtils}, {@code PtNDArray}) happens here; the rest of the code speaks DJL's
 * {@code NDArray} API.
 */
public final class Torch {
  private static volatile boolean started;
  private static volatile Device device;

  private Torch() {}

  /**
   * Starts the engine once; later calls only return it. Autograd then records nothing outside a
   * {@code GradientCollector}: libtorch's default would record the teacher's forward, the EMA and
   * the optimiser's in-place updates on leaves that require gradients.
   */
  public static synchronized Engine start() {
    if (!started) {
      System.setProperty("ai.djl.offline", "true");
      Engine engine = Engine.getEngine("PyTorch");
      JniUtils.setGradMode(false);
      started = true;
      return engine;
    }
    return Engine.getEngine("PyTorch");
  }

  /** Starts the engine and sets the intra-op thread count ({@code threads <= 0}: leave as is). */
  public static Engine start(int threads) {
    Engine e = start();
    if (threads > 0) {
      JniUtils.setNumThreads(threads);
    }
    return e;
  }

  public static NDManager newManager() {
    Device d = device;
    return d == null ? start().newBaseManager() : start().newBaseManager(d);
  }

  /**
   * Makes the managers created from now on compute on {@code d} ({@code --device}); until then they
   * use DJL's default device (the CPU with the bundled CPU build of libtorch).
   *
   * @throws IllegalArgumentException for a GPU the engine does not have
   */
  public static synchronized void useDevice(Device d) {
    if (d.isGpu() && d.getDeviceId() >= gpuCount()) {
      throw new IllegalArgumentException(
          "the engine has " + gpuCount() + " GPUs, so there is no " + d);
    }
    device = d;
  }

  /** The device {@link #newManager()} computes on. */
  public static Device device() {
    Device d = device;
    return d != null ? d : start().defaultDevice();
  }

  /** GPUs the engine can use: 0 with a CPU build of libtorch. */
  public static int gpuCount() {
    return start().getGpuCount();
  }

  /** The engine's intra-op thread count. */
  public static int threads() {
    start();
    return JniUtils.getNumThreads();
  }

  /** Runs {@code f} with autograd recording off, whatever the caller's mode. */
  public static <T> T withoutGradient(Supplier<T> f) {
    boolean mode = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try {
      return f.get();
    } finally {
      JniUtils.setGradMode(mode);
    }
  }

  /** Zeroes a leaf's accumulated gradient in place (PyTorch accumulates across backward passes). */
  public static void zeroGradient(NDArray leaf) {
    JniUtils.zeroGrad((PtNDArray) leaf);
  }

  /**
   * Whether the launcher preloaded {@code mkl_intel_path.c}, which lets libtorch's MKL take its
   * AVX2/AVX-512 kernels on AMD processors (README, "Runtime settings").
   */
  public static boolean mklOverride() {
    return String.valueOf(System.getenv("LD_PRELOAD")).contains("mkl-intel-path");
  }
}
