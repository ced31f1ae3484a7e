package dev.jdino.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Starts DJL's PyTorch engine the way every jdino entry point needs it: offline (libtorch comes
 * from the bundled native jar; nothing is downloaded), grad mode off outside gradient collectors,
 * and a chosen number of compute threads.
 */
public final class Torch {
  private static volatile boolean started;

  private Torch() {}

  /** Starts the engine once; later calls only return it. */
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
    return start().newBaseManager();
  }

  public static int threads() {
    start();
    return JniUtils.getNumThreads();
  }
}
