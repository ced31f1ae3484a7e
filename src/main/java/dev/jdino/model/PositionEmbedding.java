package dev.jdino.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Resizes the learned position embedding to another patch grid with the official DINO semantics:
 * PyTorch bicubic (A = -0.75, align_corners = false) driven by the scale factor (n_out + 0.1) /
 * sqrt(N), so output index i reads source coordinate (i + 0.5) / s - 0.5.
 *
 * <p>The resize is linear in the grid, so it is one matrix product with {@code kron(M_h, M_w)}
 * built here in double precision: differentiable (the student's pos_embed learns through the local
 * crops) and cached per output grid.
 */
public final class PositionEmbedding {
  private static final double A = -0.75;

  private final int gridSize;
  private final NDManager cacheManager;
  private final Map<Long, NDArray> cache = new ConcurrentHashMap<>();

  PositionEmbedding(int gridSize, NDManager cacheManager) {
    this.gridSize = gridSize;
    this.cacheManager = cacheManager;
  }

  /**
   * The position embedding for an input of {@code height x width} pixels with {@code outH x outW}
   * patches: (1, 1 + outH*outW, D). Returns {@code pos} itself where the official code does (same
   * number of patches and a square input).
   */
  NDArray forward(NDArray pos, int height, int width, int outH, int outW) {
    int n = gridSize * gridSize;
    if (outH * outW == n && height == width) {
      return pos;
    }
    long dim = pos.getShape().get(2);
    NDArray cls = pos.get(new NDIndex(":, 0:1, :"));
    NDArray patches = pos.get(new NDIndex(":, 1:, :")).reshape(n, dim);
    NDArray resized = matrix(outH, outW).matMul(patches).reshape(1, (long) outH * outW, dim);
    return NDArrays.concat(new NDList(cls, resized), 1);
  }

  private NDArray matrix(int outH, int outW) {
    long key = ((long) outH << 32) | outW;
    return cache.computeIfAbsent(
        key,
        k -> {
          double[][] mh = bicubicMatrix(gridSize, outH, (outH + 0.1) / gridSize);
          double[][] mw = bicubicMatrix(gridSize, outW, (outW + 0.1) / gridSize);
          float[] kron = new float[outH * outW * gridSize * gridSize];
          int cols = gridSize * gridSize;
          for (int i = 0; i < outH; i++) {
            for (int j = 0; j < outW; j++) {
              int row = (i * outW + j) * cols;
              for (int a = 0; a < gridSize; a++) {
                double wa = mh[i][a];
                if (wa == 0) {
                  continue;
                }
                for (int b = 0; b < gridSize; b++) {
                  kron[row + a * gridSize + b] = (float) (wa * mw[j][b]);
                }
              }
            }
          }
          NDArray m = cacheManager.create(kron, new Shape((long) outH * outW, cols));
          NDScope.unregister(m);
          return m;
        });
  }

  /**
   * A square position embedding (1 + gIn², D) resized to (1 + gOut², D) as the official {@code
   * interpolate_pos_encoding} does: the [CLS] entry kept, the patch grid resized bicubically with
   * scale factor {@code (gOut + 0.1) / gIn} per axis. Used once, to start a run at another
   * resolution from pretrained weights.
   */
  public static float[] resizeSquare(float[] pos, int gIn, int gOut, int dim) {
    if (pos.length != (1 + gIn * gIn) * dim) {
      throw new IllegalArgumentException(
          "a position embedding of " + pos.length + " values is not (1 + " + gIn + "^2) x " + dim);
    }
    double[][] m = bicubicMatrix(gIn, gOut, (gOut + 0.1) / gIn);
    float[] out = new float[(1 + gOut * gOut) * dim];
    System.arraycopy(pos, 0, out, 0, dim);
    for (int i = 0; i < gOut; i++) {
      for (int j = 0; j < gOut; j++) {
        int o = (1 + i * gOut + j) * dim;
        for (int a = 0; a < gIn; a++) {
          for (int b = 0; b < gIn; b++) {
            double w = m[i][a] * m[j][b];
            if (w == 0) {
              continue;
            }
            int src = (1 + a * gIn + b) * dim;
            for (int d = 0; d < dim; d++) {
              out[o + d] += (float) (w * pos[src + d]);
            }
          }
        }
      }
    }
    return out;
  }

  /**
   * Interpolation matrix (nOut x nIn) of 1-D PyTorch bicubic resampling with scale factor {@code
   * scale} (output size / input size), align_corners = false, indices clamped to the edge.
   */
  public static double[][] bicubicMatrix(int nIn, int nOut, double scale) {
    double[][] m = new double[nOut][nIn];
    for (int i = 0; i < nOut; i++) {
      double src = (i + 0.5) / scale - 0.5;
      double f = Math.floor(src);
      double t = src - f;
      double[] w = {cubic2(t + 1), cubic1(t), cubic1(1 - t), cubic2(2 - t)};
      for (int k = 0; k < 4; k++) {
        int idx = (int) Math.min(Math.max(f - 1 + k, 0), nIn - 1);
        m[i][idx] += w[k];
      }
    }
    return m;
  }

  // Keys' cubic convolution kernel for |x| <= 1 and 1 < |x| < 2 (PyTorch's two branches).
  private static double cubic1(double x) {
    return ((A + 2) * x - (A + 3)) * x * x + 1;
  }

  private static double cubic2(double x) {
    return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
  }
}
