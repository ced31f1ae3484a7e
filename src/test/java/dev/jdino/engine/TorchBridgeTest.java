package dev.jdino.engine;

import static dev.jdino.engine.Bf16Math.U;
import static dev.jdino.engine.Bf16Math.assertAllBf16;
import static dev.jdino.engine.Bf16Math.assertWithin;
import static dev.jdino.engine.Bf16Math.normal;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.LibUtils;
import ai.djl.training.GradientCollector;
import dev.jdino.io.Safetensors;
import dev.jdino.model.Scopes;
import dev.jdino.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The bridge's operations against DJL's own fp32 arithmetic, against exact (double) references with
 * worst-case bf16 error bounds ({@link Bf16Math}), against a PyTorch fixture
 * (tools/make_bf16_fixtures.py), and its ownership of native memory.
 */
class TorchBridgeTest {

  @BeforeAll
  static void bridgeLoads() {
    Torch.start();
    assertEquals("", TorchBridge.unavailableReason().orElse(""), "the bridge must load here");
  }

  // ---------------------------------------------------------------- loading

  @Test
  void javacppRunsOnDjlsLibtorchAndNoOther() throws IOException {
    List<String> libs;
    try (var lines = Files.lines(Path.of("/proc/self/maps"))) {
      libs =
          lines
              .filter(l -> l.contains("/"))
              .map(l -> l.substring(l.indexOf('/')))
              .distinct()
              .collect(Collectors.toList());
    }
    Path djl = Path.of(LibUtils.getLibtorchPath()).toAbsolutePath();
    List<String> torchCpu = libs.stream().filter(l -> l.contains("libtorch_cpu")).toList();
    assertEquals(
        List.of(djl.resolve("libtorch_cpu.so").toString()),
        torchCpu,
        "exactly one libtorch_cpu, DJL's");
    assertTrue(libs.stream().anyMatch(l -> l.endsWith("/libjnitorch.so")), "libjnitorch.so mapped");
    assertTrue(
        libs.stream().noneMatch(l -> l.contains("libc10") && !l.startsWith(djl.toString())),
        "no second libc10: " + libs);
  }

  // ---------------------------------------------------------------- linear

  @Test
  void fp32LinearIsDjlsLinear() {
    SplittableRandom rng = new SplittableRandom(1);
    try (NDManager m = Torch.newManager()) {
      NDArray x = m.create(normal(rng, 3 * 5 * 8, 1), new Shape(3, 5, 8));
      NDArray w = m.create(normal(rng, 6 * 8, 1), new Shape(6, 8));
      NDArray b = m.create(normal(rng, 6, 1), new Shape(6));
      NDArray y = TorchBridge.linear(x, w, b, Precision.FP32);
      NDArray ref = ai.djl.nn.core.Linear.linear(x.reshape(15, 8), w, b).singletonOrThrow();
      assertEquals(new Shape(3, 5, 6), y.getShape());
      assertArrayEquals(ref.toFloatArray(), y.toFloatArray(), "bit for bit");
    }
  }

  /**
   * Hand-computed: bf16 keeps 8 significant bits, so 1 + 2⁻⁸ + 2⁻¹² rounds up to 1 + 2⁻⁷ =
   * 1.0078125; row 0 is then 1.0078125 + 3 + 0.5 = 4.5078125, which rounds to 4.5 (the bf16 step
   * there is 2⁻⁵); row 1 is 2·1.0078125 - 3 = -0.984375, a bf16 value. In fp32 they would be
   * 4.50415 and -0.99170.
   */
  @Test
  void bf16LinearRoundsInputsAndOutputByHand() {
    try (NDManager m = Torch.newManager()) {
      NDArray x = m.create(new float[] {1f + 0x1p-8f + 0x1p-12f, 3f}, new Shape(1, 2));
      NDArray w = m.create(new float[] {1, 1, 2, -1}, new Shape(2, 2));
      NDArray b = m.create(new float[] {0.5f, 0}, new Shape(2));
      NDArray y = TorchBridge.linear(x, w, b, Precision.BF16);
      assertEquals(DataType.FLOAT32, y.getDataType());
      assertArrayEquals(new float[] {4.5f, -0.984375f}, y.toFloatArray());
    }
  }

  /**
   * PyTorch's statement of autocast's linear (fixture): bf16-rounded operands, exact sums, one
   * rounding. The kernel sums in fp32, so it may land on the bf16 neighbour: at most one bf16 step,
   * and rarely (here: at least 90 % of values exactly equal). Same for the three gradients.
   */
  @Test
  void bf16LinearMatchesPyTorchsCorrectlyRoundedValuesAndGradients() {
    Safetensors fx = Fixtures.open("engine/linear_bf16.safetensors");
    try (NDManager m = Torch.newManager();
        NDScope scope = new NDScope()) {
      NDArray x = fx.load(m, "in.x");
      NDArray w = fx.load(m, "in.weight");
      NDArray b = fx.load(m, "in.bias");
      NDArray g = fx.load(m, "in.grad_out");
      for (NDArray leaf : List.of(x, w, b)) {
        leaf.setRequiresGradient(true);
      }
      NDArray y;
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        y = TorchBridge.linear(x, w, b, Precision.BF16);
        gc.backward(y.mul(g).sum());
      }
      assertOneStepFromExact(fx.loadFloats("out.y"), y.toFloatArray(), "y");
      assertOneStepFromExact(fx.loadFloats("out.grad_x"), x.getGradient().toFloatArray(), "dx");
      assertOneStepFromExact(
          fx.loadFloats("out.grad_weight"), w.getGradient().toFloatArray(), "dW");
      assertOneStepFromExact(fx.loadFloats("out.grad_bias"), b.getGradient().toFloatArray(), "db");
    }
  }

  private static void assertOneStepFromExact(float[] exact, float[] actual, String what) {
    assertAllBf16(actual, what);
    int equal = 0;
    for (int i = 0; i < exact.length; i++) {
      double step = Bf16Math.ulp(Math.max(Math.abs(exact[i]), Math.abs(actual[i])));
      assertTrue(
          Math.abs(exact[i] - actual[i]) <= step,
          what
              + "["
              + i
              + "] = "
              + actual[i]
              + ", PyTorch "
              + exact[i]
              + ": more than one bf16 step");
      equal += exact[i] == actual[i] ? 1 : 0;
    }
    assertTrue(
        equal >= 0.9 * exact.length, what + ": only " + equal + " of " + exact.length + " equal");
  }

  /** Values and all three gradients within the worst-case bf16 bound of the exact results. */
  @Test
  void bf16LinearIsWithinTheBf16BoundOfExactArithmetic() {
    int rows = 40;
    int in = 96;
    int out = 72;
    SplittableRandom rng = new SplittableRandom(2);
    float[] xv = normal(rng, rows * in, 1);
    float[] wv = normal(rng, out * in, 0.1);
    float[] bv = normal(rng, out, 0.5);
    float[] gv = normal(rng, rows * out, 1);
    try (NDManager m = Torch.newManager();
        NDScope scope = new NDScope()) {
      NDArray x = Scopes.owned(m, xv, new Shape(4, 10, in));
      NDArray w = Scopes.owned(m, wv, new Shape(out, in));
      NDArray b = Scopes.owned(m, bv, new Shape(out));
      for (NDArray leaf : List.of(x, w, b)) {
        leaf.setRequiresGradient(true);
      }
      NDArray y;
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        y = TorchBridge.linear(x, w, b, Precision.BF16);
        gc.backward(y.mul(Scopes.owned(m, gv, new Shape(4, 10, out))).sum());
      }
      assertEquals(new Shape(4, 10, out), y.getShape());
      float[] yv = y.toFloatArray();
      assertAllBf16(yv, "y");

      double[] mag = new double[rows * out];
      double[] exact = Bf16Math.productNt(xv, wv, rows, in, out, mag);
      double[] bound = new double[exact.length];
      for (int i = 0; i < exact.length; i++) {
        exact[i] += bv[i % out];
        bound[i] = Bf16Math.productBound(exact[i], mag[i], bv[i % out], in);
      }
      assertWithin(exact, yv, bound, "bf16 linear");

      // dx = g · W (rows, in): a product of the bf16-rounded upstream gradient and weight.
      float[] wt = Bf16Math.transpose(wv, out, in);
      double[] magX = new double[rows * in];
      double[] dx = Bf16Math.productNt(gv, wt, rows, out, in, magX);
      assertWithin(dx, x.getGradient().toFloatArray(), bounds(dx, magX, out), "dx");
      // dW = gᵀ · x (out, in)
      double[] magW = new double[out * in];
      double[] dw =
          Bf16Math.productNt(
              Bf16Math.transpose(gv, rows, out),
              Bf16Math.transpose(xv, rows, in),
              out,
              rows,
              in,
              magW);
      assertWithin(dw, w.getGradient().toFloatArray(), bounds(dw, magW, rows), "dW");
      // db = column sums of g: one rounding of g, fp32 sum, one rounding of the result
      double[] db = new double[out];
      double[] magB = new double[out];
      for (int i = 0; i < rows * out; i++) {
        db[i % out] += gv[i];
        magB[i % out] += Math.abs(gv[i]);
      }
      double[] boundB = new double[out];
      for (int j = 0; j < out; j++) {
        boundB[j] = (1 + U) * (U + 1.01 * rows * Bf16Math.U32) * magB[j] + U * Math.abs(db[j]);
      }
      assertWithin(db, b.getGradient().toFloatArray(), boundB, "db");
    }
  }

  private static double[] bounds(double[] exact, double[] mag, int k) {
    double[] b = new double[exact.length];
    for (int i = 0; i < b.length; i++) {
      b[i] = Bf16Math.productBound(exact[i], mag[i], 0, k);
    }
    return b;
  }

  @Test
  void theBf16KernelIsTimedOnBf16TensorsAndBadShapesAreRefused() {
    // 10 products of 256 x 256 x 256 bf16: some time, far under a second on any machine here
    double secs = TorchBridge.bf16ProductSeconds(256, 256, 256, 10);
    assertTrue(secs > 0 && secs < 5, secs + " s");
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> TorchBridge.bf16ProductSeconds(256, 0, 256, 1));
    assertEquals("bf16ProductSeconds: 256 x 0 x 256, 1 reps", e.getMessage());
  }

  // ---------------------------------------------------------------- matmul

  @Test
  void bf16MatmulIsWithinTheBf16BoundBatchedAndItsGradientsToo() {
    int batch = 6;
    int n = 17;
    int k = 40;
    int p = 9;
    SplittableRandom rng = new SplittableRandom(3);
    float[] av = normal(rng, batch * n * k, 1);
    float[] bv = normal(rng, batch * k * p, 1);
    float[] gv = normal(rng, batch * n * p, 1);
    try (NDManager m = Torch.newManager();
        NDScope scope = new NDScope()) {
      NDArray a = Scopes.owned(m, av, new Shape(2, 3, n, k));
      NDArray b = Scopes.owned(m, bv, new Shape(2, 3, k, p));
      a.setRequiresGradient(true);
      b.setRequiresGradient(true);
      NDArray y;
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        y = TorchBridge.matmul(a, b, Precision.BF16);
        gc.backward(y.mul(Scopes.owned(m, gv, new Shape(2, 3, n, p))).sum());
      }
      assertEquals(new Shape(2, 3, n, p), y.getShape());
      float[] yv = y.toFloatArray();
      float[] da = a.getGradient().toFloatArray();
      float[] db = b.getGradient().toFloatArray();
      assertAllBf16(yv, "y");
      for (int s = 0; s < batch; s++) {
        float[] as = slice(av, s, n * k);
        float[] bsT = Bf16Math.transpose(slice(bv, s, k * p), k, p);
        float[] gs = slice(gv, s, n * p);
        double[] mag = new double[n * p];
        double[] exact = Bf16Math.productNt(as, bsT, n, k, p, mag);
        assertWithin(exact, slice(yv, s, n * p), bounds(exact, mag, k), "a·b, matrix " + s);
        // da = g · bᵀ (n, k); db = aᵀ · g (k, p)
        double[] magA = new double[n * k];
        double[] ea = Bf16Math.productNt(gs, slice(bv, s, k * p), n, p, k, magA);
        assertWithin(ea, slice(da, s, n * k), bounds(ea, magA, p), "da, matrix " + s);
        double[] magB = new double[k * p];
        double[] eb =
            Bf16Math.productNt(
                Bf16Math.transpose(as, n, k), Bf16Math.transpose(gs, n, p), k, n, p, magB);
        assertWithin(eb, slice(db, s, k * p), bounds(eb, magB, n), "db, matrix " + s);
      }
    }
  }

  private static float[] slice(float[] a, int index, int size) {
    float[] s = new float[size];
    System.arraycopy(a, index * size, s, 0, size);
    return s;
  }

  // ---------------------------------------------------------------- attention

  /** DJL's explicit attention, exactly as dev.jdino.model.Attention computes it. */
  private static NDArray explicitAttention(NDArray q, NDArray k, NDArray v) {
    double scale = Math.pow(q.getShape().get(3), -0.5);
    return q.matMul(k.transpose(0, 1, 3, 2))
        .mul(Scopes.scalar(q.getManager(), scale))
        .softmax(-1)
        .matMul(v);
  }

  /** q, k, v and the upstream gradient for one shape; [3] is the upstream gradient. */
  private static NDArray[] attentionInputs(NDManager m, long seed, long... s) {
    SplittableRandom rng = new SplittableRandom(seed);
    int n = (int) (s[0] * s[1] * s[2] * s[3]);
    NDArray[] a = new NDArray[4];
    for (int i = 0; i < 4; i++) {
      a[i] = Scopes.owned(m, normal(rng, n, 1), new Shape(s));
      if (i < 3) {
        a[i].setRequiresGradient(true);
      }
    }
    return a;
  }

  /** Output and the gradients of q, k, v of sum(out * g). */
  private static float[][] forwardBackward(NDArray[] in, boolean bridged, Precision precision) {
    try (NDScope scope = new NDScope()) {
      NDArray out;
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        out =
            bridged
                ? TorchBridge.scaledDotProductAttention(in[0], in[1], in[2], precision)
                : explicitAttention(in[0], in[1], in[2]);
        gc.backward(out.mul(in[3]).sum());
      }
      float[][] r = {
        out.toFloatArray(),
        in[0].getGradient().toFloatArray(),
        in[1].getGradient().toFloatArray(),
        in[2].getGradient().toFloatArray()
      };
      for (int i = 0; i < 3; i++) {
        in[i].getGradient().subi(in[i].getGradient()); // gradients accumulate in libtorch
      }
      return r;
    }
  }

  /**
   * fp32 fused attention against DJL's explicit path and against exact (double) arithmetic. The
   * outputs agree within 1e-6. The gradients agree within 3e-6 of the largest gradient (measured:
   * 1.2e-6 at 50 tokens): the fused backward recomputes the softmax from its saved log-sum-exp and
   * accumulates over blocks of keys, about four times the explicit path's rounding (it stays within
   * 3e-6 of the exact gradients too), still some twenty float32 steps, far below bf16's.
   */
  @Test
  void fp32FusedAttentionEqualsTheExplicitSoftmaxPath() {
    long[][] shapes = {{2, 3, 7, 8}, {4, 4, 50, 32}, {8, 4, 10, 32}};
    String[] names = {"output", "dq", "dk", "dv"};
    try (NDManager m = Torch.newManager()) {
      for (long[] s : shapes) {
        try (NDScope scope = new NDScope()) {
          NDArray[] in = attentionInputs(m, 4, s);
          float[][] fused = forwardBackward(in, true, Precision.FP32);
          float[][] explicit = forwardBackward(in, false, Precision.FP32);
          double[][] exact =
              Bf16Math.attention(
                  in[0].toFloatArray(),
                  in[1].toFloatArray(),
                  in[2].toFloatArray(),
                  in[3].toFloatArray(),
                  (int) (s[0] * s[1]),
                  (int) s[2],
                  (int) s[3]);
          for (int i = 0; i < 4; i++) {
            double largest = 0;
            for (double e : exact[i]) {
              largest = Math.max(largest, Math.abs(e));
            }
            double tol = i == 0 ? 1e-6 : 3e-6 * Math.max(1, largest);
            String what = names[i] + " of " + new Shape(s);
            double diff = Fixtures.maxAbsDiff(explicit[i], fused[i]);
            assertTrue(diff <= tol, what + ": max difference to explicit " + diff + " > " + tol);
            double toExact = Bf16Math.relativeMax(fused[i], exact[i]) * largest;
            assertTrue(toExact <= tol, what + ": max difference to exact " + toExact + " > " + tol);
          }
        }
      }
    }
  }

  /**
   * bf16 attention against the exact result, element by element. With scores s = scale·q·k and
   * their bf16 error bounded by δ (operands rounded, fp32 sums, and, should a kernel round the
   * scores themselves, u·|s|), each softmax weight moves by at most a factor e^(2δ); rounding the
   * weights, v and the output adds u each. So |o - exact| <= (1 + u)·R·Σ p·|v| + u·|o| with R =
   * e^(2δ)(1 + u)²(1 + 1e-5) - 1 (1e-5: fp32 exp and sums), δ taken per query row.
   */
  @Test
  void bf16FusedAttentionIsWithinTheBf16BoundOfExactArithmetic() {
    long[] s = {4, 4, 50, 32};
    try (NDManager m = Torch.newManager();
        NDScope scope = new NDScope()) {
      NDArray[] in = attentionInputs(m, 5, s);
      float[][] bf = forwardBackward(in, true, Precision.BF16);
      float[][] fp = forwardBackward(in, false, Precision.FP32);
      assertAllBf16(bf[0], "bf16 attention output");
      float[] q = in[0].toFloatArray();
      float[] k = in[1].toFloatArray();
      float[] v = in[2].toFloatArray();
      int bh = (int) (s[0] * s[1]);
      int n = (int) s[2];
      int d = (int) s[3];
      double scale = 1 / Math.sqrt(d);
      double[] exact = new double[bh * n * d];
      double[] bound = new double[exact.length];
      for (int h = 0; h < bh; h++) {
        for (int i = 0; i < n; i++) {
          double[] sc = new double[n];
          double delta = 0;
          double max = Double.NEGATIVE_INFINITY;
          for (int j = 0; j < n; j++) {
            double dot = 0;
            double mag = 0;
            for (int e = 0; e < d; e++) {
              double pr = (double) q[(h * n + i) * d + e] * k[(h * n + j) * d + e];
              dot += pr;
              mag += Math.abs(pr);
            }
            sc[j] = scale * dot;
            max = Math.max(max, sc[j]);
            double err =
                (3 * U + 3 * U * U + 1.01 * d * Bf16Math.U32) * scale * mag + U * Math.abs(sc[j]);
            delta = Math.max(delta, (1 + U) * err);
          }
          double sum = 0;
          for (int j = 0; j < n; j++) {
            sc[j] = Math.exp(sc[j] - max);
            sum += sc[j];
          }
          double r = Math.exp(2 * delta) * (1 + U) * (1 + U) * (1 + 1e-5) - 1;
          for (int e = 0; e < d; e++) {
            double o = 0;
            double pv = 0;
            for (int j = 0; j < n; j++) {
              double p = sc[j] / sum;
              o += p * v[(h * n + j) * d + e];
              pv += p * Math.abs(v[(h * n + j) * d + e]);
            }
            int at = (h * n + i) * d + e;
            exact[at] = o;
            bound[at] = (1 + U) * r * pv + U * Math.abs(o);
          }
        }
      }
      assertWithin(exact, bf[0], bound, "bf16 attention");
      // The worst case above is loose (the measured error uses 3 % of it); on the whole the error
      // is that of a few independent roundings of at most u: within 2u in norm (measured 0.9u).
      float[] ex = new float[exact.length];
      for (int i = 0; i < ex.length; i++) {
        ex[i] = (float) exact[i];
      }
      double outRel = Bf16Math.relativeNorm(bf[0], ex);
      assertTrue(outRel <= 2 * U, "bf16 attention: relative difference " + outRel + " to exact");
      // Gradients: no closed-form elementwise bound (the softmax backward cancels), so a norm
      // bound: a handful of bf16 roundings on each path, each at most u = 0.39 %; 4u = 1.6 %.
      String[] names = {"dq", "dk", "dv"};
      for (int i = 1; i < 4; i++) {
        double rel = Bf16Math.relativeNorm(bf[i], fp[i]);
        assertTrue(rel <= 4 * U, names[i - 1] + ": relative difference " + rel + " to fp32");
      }
    }
  }

  // ---------------------------------------------------------------- a block, end to end

  /**
   * An attention block written as the model would call the bridge (qkv linear, DJL's reshape,
   * transpose and split, fused attention, proj linear), in bf16, against the same block in DJL
   * fp32: the loss and the gradients of the input and both weights agree to bf16 accuracy.
   */
  @Test
  void gradientsThroughABridgedBlockReachDjlLeavesAndMatchFp32() {
    int batch = 8;
    int tokens = 10;
    int dim = 64;
    int heads = 4;
    SplittableRandom rng = new SplittableRandom(6);
    float[] xv = normal(rng, batch * tokens * dim, 1);
    float[] qkvW = normal(rng, 3 * dim * dim, 0.1);
    float[] qkvB = normal(rng, 3 * dim, 0.1);
    float[] projW = normal(rng, dim * dim, 0.1);
    float[] target = normal(rng, batch * tokens * dim, 1);
    float[][] fp32 = null;
    for (Precision precision : List.of(Precision.FP32, Precision.BF16)) {
      try (NDManager m = Torch.newManager();
          NDScope scope = new NDScope()) {
        NDArray x = Scopes.owned(m, xv, new Shape(batch, tokens, dim));
        NDArray w1 = Scopes.owned(m, qkvW, new Shape(3 * dim, dim));
        NDArray b1 = Scopes.owned(m, qkvB, new Shape(3 * dim));
        NDArray w2 = Scopes.owned(m, projW, new Shape(dim, dim));
        NDArray t = Scopes.owned(m, target, new Shape(batch, tokens, dim));
        for (NDArray leaf : List.of(x, w1, b1, w2)) {
          leaf.setRequiresGradient(true);
        }
        NDArray loss;
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
          NDArray qkv =
              TorchBridge.linear(x, w1, b1, precision)
                  .reshape(batch, tokens, 3, heads, dim / heads)
                  .transpose(2, 0, 3, 1, 4);
          NDList parts = qkv.split(3, 0);
          NDArray q = parts.get(0).squeeze(0);
          NDArray k = parts.get(1).squeeze(0);
          NDArray v = parts.get(2).squeeze(0);
          NDArray a =
              precision == Precision.FP32
                  ? explicitAttention(q, k, v)
                  : TorchBridge.scaledDotProductAttention(q, k, v, precision);
          NDArray y =
              TorchBridge.linear(
                  a.transpose(0, 2, 1, 3).reshape(batch, tokens, dim), w2, null, precision);
          loss = y.sub(t).square().mean();
          gc.backward(loss);
        }
        float[][] r = {
          loss.toFloatArray(),
          x.getGradient().toFloatArray(),
          w1.getGradient().toFloatArray(),
          b1.getGradient().toFloatArray(),
          w2.getGradient().toFloatArray()
        };
        if (fp32 == null) {
          fp32 = r;
          continue;
        }
        assertEquals(fp32[0][0], r[0][0], 2 * U * Math.abs(fp32[0][0]), "loss");
        String[] names = {"loss", "dx", "dW qkv", "db qkv", "dW proj"};
        for (int i = 1; i < r.length; i++) {
          double rel = Bf16Math.relativeNorm(r[i], fp32[i]);
          assertTrue(rel <= 4 * U, names[i] + ": relative difference " + rel + " to fp32");
          assertTrue(rel > 0, names[i] + ": identical to fp32, so bf16 did not run");
        }
      }
    }
  }

  /**
   * The chain in bf16 is autocast's MLP: GELU on the bf16 product, fed to the next product as it
   * is. Bridged linears with fp32 GELU between them compute the same numbers (GELU's input is
   * exactly a bf16 value either way, its output is rounded to bf16 before the next product either
   * way, and libtorch evaluates the bf16 GELU in fp32), so the two must agree to the bit, values
   * and gradients; the chain only drops the casts in between. In fp32 it is DJL's layers.
   */
  @Test
  void aLinearGeluChainIsTheSameArithmeticAsItsLayersWithoutTheCasts() {
    int rows = 6;
    int tokens = 5;
    int[] dims = {16, 48, 24, 8};
    SplittableRandom rng = new SplittableRandom(9);
    float[] xv = normal(rng, rows * tokens * dims[0], 1);
    float[] gv = normal(rng, rows * tokens * dims[3], 1);
    float[][] wv = new float[3][];
    float[][] bv = new float[3][];
    for (int i = 0; i < 3; i++) {
      wv[i] = normal(rng, dims[i + 1] * dims[i], 0.3);
      bv[i] = normal(rng, dims[i + 1], 0.1);
    }
    for (Precision precision : List.of(Precision.FP32, Precision.BF16)) {
      float[][] results = new float[2][];
      float[][] grads = new float[2][];
      for (int variant = 0; variant < 2; variant++) {
        try (NDManager m = Torch.newManager();
            NDScope scope = new NDScope()) {
          NDArray x = Scopes.owned(m, xv, new Shape(rows, tokens, dims[0]));
          List<NDArray> ws = new ArrayList<>();
          List<NDArray> bs = new ArrayList<>();
          for (int i = 0; i < 3; i++) {
            ws.add(Scopes.owned(m, wv[i], new Shape(dims[i + 1], dims[i])));
            // the middle layer without bias: a null bias is a layer without one
            bs.add(i == 1 ? null : Scopes.owned(m, bv[i], new Shape(dims[i + 1])));
          }
          x.setRequiresGradient(true);
          ws.get(0).setRequiresGradient(true);
          NDArray y;
          try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            if (variant == 0) {
              y = TorchBridge.linearGeluChain(x, ws, bs, precision);
            } else {
              y = x;
              for (int i = 0; i < 3; i++) {
                y = i == 0 ? y : ai.djl.nn.Activation.gelu(y);
                y = TorchBridge.linear(y, ws.get(i), bs.get(i), precision);
              }
            }
            gc.backward(y.mul(Scopes.owned(m, gv, y.getShape())).sum());
          }
          assertEquals(new Shape(rows, tokens, dims[3]), y.getShape());
          assertEquals(DataType.FLOAT32, y.getDataType());
          results[variant] = y.toFloatArray();
          grads[variant] =
              concat(x.getGradient().toFloatArray(), ws.get(0).getGradient().toFloatArray());
        }
      }
      assertArrayEquals(results[1], results[0], precision + ": values");
      assertArrayEquals(grads[1], grads[0], precision + ": gradients of x and the first weight");
      if (precision == Precision.BF16) {
        Bf16Math.assertAllBf16(results[0], "bf16 chain output");
      }
    }
    try (NDManager m = Torch.newManager()) {
      NDArray x = m.zeros(new Shape(2, 4));
      List<NDArray> ws = List.of(m.zeros(new Shape(3, 4)), m.zeros(new Shape(2, 4)));
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> TorchBridge.linearGeluChain(x, ws, Arrays.asList(null, null), Precision.BF16));
      assertEquals(
          "linearGeluChain: weight 1 [2, 4] does not fit an input of 3 features", e.getMessage());
    }
  }

  private static float[] concat(float[] a, float[] b) {
    float[] all = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }

  // ---------------------------------------------------------------- checks

  @Test
  void shapesAndTypesAreRefusedInOneLine() {
    try (NDManager m = Torch.newManager()) {
      NDArray x = m.zeros(new Shape(2, 5));
      NDArray w = m.zeros(new Shape(3, 4));
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class, () -> TorchBridge.linear(x, w, null, Precision.BF16));
      assertEquals(
          "linear: input [2, 5] and weight [3, 4] do not fit; expected weight (out, in)"
              + " with in the input's last size",
          e.getMessage());
      e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  TorchBridge.linear(
                      x, m.zeros(new Shape(3, 5)), m.zeros(new Shape(4)), Precision.BF16));
      assertEquals("linear: bias [4] does not fit weight [3, 5]", e.getMessage());
      e =
          assertThrows(
              IllegalArgumentException.class,
              () -> TorchBridge.matmul(x, m.zeros(new Shape(4, 2)), Precision.BF16));
      assertTrue(
          e.getMessage().startsWith("matmul: [2, 5] times [4, 2] do not fit"), e.getMessage());
      e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  TorchBridge.linear(
                      m.zeros(new Shape(2, 4), DataType.FLOAT64), w, null, Precision.BF16));
      assertEquals("linear input: expected float32, got float64", e.getMessage());
      NDArray q = m.zeros(new Shape(1, 2, 3, 4));
      e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  TorchBridge.scaledDotProductAttention(
                      q,
                      m.zeros(new Shape(1, 2, 5, 4)),
                      m.zeros(new Shape(1, 2, 6, 4)),
                      Precision.FP32));
      assertTrue(
          e.getMessage()
              .startsWith(
                  "scaledDotProductAttention: q [1, 2, 3, 4], k [1, 2, 5, 4],"
                      + " v [1, 2, 6, 4] do not fit"),
          e.getMessage());
      // what only libtorch checks (batch sizes that do not broadcast) comes back in one line too
      IllegalStateException t =
          assertThrows(
              IllegalStateException.class,
              () ->
                  TorchBridge.matmul(
                      m.zeros(new Shape(2, 4, 5)), m.zeros(new Shape(3, 5, 6)), Precision.BF16));
      assertTrue(t.getMessage().startsWith("matmul in libtorch: "), t.getMessage());
      assertEquals(1, t.getMessage().lines().count(), t.getMessage());
    }
  }

  // ---------------------------------------------------------------- ownership

  /**
   * 100 bridged forward and backward passes inside NDScopes, after 10 to warm up: the manager holds
   * the same arrays, JavaCPP the same native objects, the inputs the same use counts, and the
   * resident memory does not grow. A double free would abort the JVM.
   */
  @Test
  void manyCallsLeakNothingAndFreeNothingTwice() throws IOException {
    SplittableRandom rng = new SplittableRandom(7);
    try (NDManager m = Torch.newManager()) {
      // Shapes with large results but few products: bf16 is emulated (slow) on processors
      // without bf16 instructions, and what is checked here is ownership, not arithmetic.
      NDArray x = Scopes.owned(m, normal(rng, 4 * 32 * 16, 1), new Shape(4, 32, 16));
      NDArray w = Scopes.owned(m, normal(rng, 32 * 16, 0.2), new Shape(32, 16));
      NDArray b = Scopes.owned(m, normal(rng, 32, 0.2), new Shape(32));
      NDArray a = Scopes.owned(m, normal(rng, 1024 * 8 * 16, 1), new Shape(1024, 8, 16));
      NDArray c = Scopes.owned(m, normal(rng, 1024 * 16 * 8, 1), new Shape(1024, 16, 8));
      NDArray big =
          Scopes.owned(m, normal(rng, 3 * 8 * 4 * 64 * 32, 1), new Shape(3, 8, 4, 64, 32));
      NDArray small =
          Scopes.owned(m, normal(rng, 3 * 4 * 4 * 16 * 32, 1), new Shape(3, 4, 4, 16, 32));
      List<NDArray> inputs = List.of(x, w, b, a, c, big, small);
      // Backward through bf16 batched products is very slow where bf16 is emulated: the matmul
      // runs forward only (its backward is libtorch's; the ownership checked is the bridge's).
      List<NDArray> leaves = List.of(x, w, b, big, small);
      for (NDArray leaf : leaves) {
        leaf.setRequiresGradient(true);
      }
      Runnable pass =
          () -> {
            try (NDScope scope = new NDScope();
                GradientCollector gc = Engine.getInstance().newGradientCollector()) {
              NDArray y = TorchBridge.linear(x, w, b, Precision.BF16);
              NDArray mm = TorchBridge.matmul(a, c, Precision.BF16);
              NDList p = big.split(3, 0);
              NDArray a32 =
                  TorchBridge.scaledDotProductAttention(
                      p.get(0).squeeze(0),
                      p.get(1).squeeze(0),
                      p.get(2).squeeze(0),
                      Precision.FP32);
              NDList r = small.split(3, 0);
              NDArray a16 =
                  TorchBridge.scaledDotProductAttention(
                      r.get(0).squeeze(0),
                      r.get(1).squeeze(0),
                      r.get(2).squeeze(0),
                      Precision.BF16);
              gc.backward(y.mean().add(mm.mean()).add(a32.mean()).add(a16.mean()));
              for (NDArray leaf : leaves) {
                leaf.getGradient(); // a new handle each call, closed with the scope
              }
            }
          };
      for (int i = 0; i < 10; i++) {
        pass.run();
      }
      int arrays = m.getManagedArrays().size();
      long natives = TorchBridge.liveNativeObjects();
      long[] uses = inputs.stream().mapToLong(TorchBridge::useCount).toArray();
      long rss = residentBytes();
      for (int i = 0; i < 100; i++) {
        pass.run();
      }
      assertEquals(arrays, m.getManagedArrays().size(), "arrays in the manager");
      assertEquals(natives, TorchBridge.liveNativeObjects(), "native objects JavaCPP keeps");
      assertArrayEquals(
          uses,
          inputs.stream().mapToLong(TorchBridge::useCount).toArray(),
          "use counts of the inputs");
      // The results are 0.5 MiB a pass, the bf16 copies of a and c 256 KiB each: a leaked result
      // or copy adds 25 MiB or more.
      long grown = residentBytes() - rss;
      assertTrue(grown < 8L << 20, "resident memory grew by " + (grown >> 10) + " KiB");
    }
  }

  private static long residentBytes() throws IOException {
    String[] statm = Files.readString(Path.of("/proc/self/statm")).trim().split("\\s+");
    return Long.parseLong(statm[1]) * 4096;
  }
}
