package dev.jdino.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.jdino.engine.Torch;
import java.io.DataOutputStream;
import java.io.FileOutputStream;
import java.util.SplittableRandom;

/** Child process of {@link ProcessorTuningTest}: fixed matrix products written to a file. */
public final class MatmulProbe {
  private MatmulProbe() {}

  public static void main(String[] args) throws Exception {
    System.setProperty("ai.djl.offline", "true");
    Torch.start();
    long[][] shapes = {{640, 128, 384}, {300, 512, 128}, {96, 256, 4096}};
    SplittableRandom rng = new SplittableRandom(42);
    try (NDManager m = Torch.newManager();
        DataOutputStream out = new DataOutputStream(new FileOutputStream(args[0]))) {
      for (long[] s : shapes) {
        float[] a = new float[(int) (s[0] * s[1])];
        float[] b = new float[(int) (s[1] * s[2])];
        for (int i = 0; i < a.length; i++) {
          a[i] = (float) (rng.nextDouble() * 2 - 1);
        }
        for (int i = 0; i < b.length; i++) {
          b[i] = (float) (rng.nextDouble() * 2 - 1);
        }
        NDArray c = m.create(a, new Shape(s[0], s[1])).matMul(m.create(b, new Shape(s[1], s[2])));
        for (float v : c.toFloatArray()) {
          out.writeFloat(v);
        }
      }
    }
  }
}
