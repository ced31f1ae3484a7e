package dev.jdino.engine;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.jni.LibUtils;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * bf16 matrix products and fused attention on DJL's own libtorch, through JavaCPP's PyTorch
 * bindings ({@code org.bytedeco:pytorch:2.7.1-1.5.12}).
 *
 * <p>Why a bridge: DJL 0.36 aborts the JVM on any BFLOAT16 tensor (its JNI type switch has no such
 * case) and does not expose {@code scaled_dot_product_attention}. DJL and JavaCPP both hold a
 * tensor as an {@code at::Tensor*}, so this class borrows DJL's tensors without a copy, runs the
 * operation in libtorch, and hands the result back as a DJL array. The operations are recorded by
 * libtorch's autograd like any other: inside DJL's {@code GradientCollector}, backward through a
 * bridged operation reaches DJL's leaves, with the bf16 casts' backward casting gradients back to
 * fp32.
 *
 * <p>Only JavaCPP's JNI library ({@code libjnitorch.so}) comes from its jar: it must bind to the
 * libtorch that DJL already loaded. Loading the jar's own libtorch beside DJL's aborts the process
 * (same library names, operators registered twice), and a different libtorch on the system library
 * path (Debian's 1.13, say) would be found first. So before JavaCPP loads anything, this class sets
 * {@code org.bytedeco.javacpp.pathsFirst=true} and points {@code java.library.path} at DJL's
 * libtorch folder alone, restoring it afterwards (JavaCPP reads both properties itself, at load
 * time, so they can be set from inside the JVM).
 *
 * <p>No JavaCPP class is loaded until {@link #unavailableReason()} or an operation with a bridged
 * precision is called: every reference to JavaCPP lives in the nested {@code Native} class, and the
 * fp32 paths of {@link #linear} and {@link #matmul} stay in DJL.
 *
 * <p>Ownership: borrowed views of DJL's tensors own nothing; every intermediate tensor JavaCPP
 * returns is freed before the call returns; the result's heap {@code at::Tensor} is handed to a new
 * DJL array (attached to the first input's manager and to the current {@code NDScope}), whose close
 * frees it. A call therefore leaves no native object behind but its result.
 */
public final class TorchBridge {
  /** The libtorch version JavaCPP's bindings were compiled against; DJL must run the same. */
  static final String LIBTORCH_VERSION = "2.7.1";

  private TorchBridge() {}

  /**
   * Empty when the bridge works; otherwise one line saying why not (then jdino runs fp32 with the
   * explicit attention). The first call loads JavaCPP (about 2 s); later calls only answer.
   */
  public static Optional<String> unavailableReason() {
    return Optional.ofNullable(Loading.REASON);
  }

  public static boolean isAvailable() {
    return Loading.REASON == null;
  }

  /**
   * {@code x · weightᵀ + bias} over the last axis of {@code x} (any number of leading axes), as
   * PyTorch's {@code F.linear}. With {@link Precision#BF16}, x, weight and bias are rounded to bf16
   * and the product is computed in bf16 (fp32 accumulation inside the kernel, result rounded to
   * bf16), as CPU autocast runs {@code linear}; the result is returned as fp32. With {@link
   * Precision#FP32} this is DJL's own linear, and JavaCPP is not touched.
   *
   * @param bias (out) or null
   */
  public static NDArray linear(NDArray x, NDArray weight, NDArray bias, Precision precision) {
    long[] xs = shapeOf(x, "linear input");
    long[] ws = shapeOf(weight, "linear weight");
    if (ws.length != 2 || xs.length < 1 || xs[xs.length - 1] != ws[1]) {
      throw new IllegalArgumentException(
          "linear: input "
              + Arrays.toString(xs)
              + " and weight "
              + Arrays.toString(ws)
              + " do not fit; expected weight (out, in) with in the input's last size");
    }
    if (bias != null) {
      long[] bs = shapeOf(bias, "linear bias");
      if (bs.length != 1 || bs[0] != ws[0]) {
        throw new IllegalArgumentException(
            "linear: bias " + Arrays.toString(bs) + " does not fit weight " + Arrays.toString(ws));
      }
    }
    long rows = 1;
    for (int i = 0; i < xs.length - 1; i++) {
      rows *= xs[i];
    }
    long[] out = xs.clone();
    out[out.length - 1] = ws[0];
    if (Objects.requireNonNull(precision, "precision") == Precision.FP32) {
      // One (rows, in) matrix: libtorch then runs a single addmm with the bias fused.
      NDArray x2 = xs.length == 2 ? x : x.reshape(rows, xs[xs.length - 1]);
      NDArray y = ai.djl.nn.core.Linear.linear(x2, weight, bias).singletonOrThrow();
      return xs.length == 2 ? y : y.reshape(out);
    }
    requireAvailable();
    return Native.linear(x, weight, bias, rows, xs[xs.length - 1], out);
  }

  /**
   * {@code linear(gelu(linear(... gelu(linear(x, w0, b0)) ...)))}: linear layers with exact GELU
   * between them, as the ViT's MLP and the DINO head's MLP run. With {@link Precision#BF16} the
   * whole chain stays in bf16 between its ends, as CPU autocast runs it (GELU on the bf16 product,
   * its result fed to the next product as it is); only the input is rounded from fp32 and only the
   * result returned as fp32, which saves two casts per activation each way. With {@link
   * Precision#FP32} it is DJL's linear and GELU, and JavaCPP is not touched.
   *
   * @param biases one per weight, each (out) or null
   */
  public static NDArray linearGeluChain(
      NDArray x, List<NDArray> weights, List<NDArray> biases, Precision precision) {
    if (weights.isEmpty() || weights.size() != biases.size()) {
      throw new IllegalArgumentException(
          "linearGeluChain: "
              + weights.size()
              + " weights and "
              + biases.size()
              + " biases; expected one bias (or null) per weight, at least one");
    }
    if (Objects.requireNonNull(precision, "precision") == Precision.FP32) {
      NDArray y = x;
      for (int i = 0; i < weights.size(); i++) {
        if (i > 0) {
          y = ai.djl.nn.Activation.gelu(y);
        }
        y = linear(y, weights.get(i), biases.get(i), Precision.FP32);
      }
      return y;
    }
    long[] xs = shapeOf(x, "linearGeluChain input");
    long in = xs[xs.length - 1];
    for (int i = 0; i < weights.size(); i++) {
      long[] ws = shapeOf(weights.get(i), "linearGeluChain weight " + i);
      if (ws.length != 2 || ws[1] != in) {
        throw new IllegalArgumentException(
            "linearGeluChain: weight "
                + i
                + " "
                + Arrays.toString(ws)
                + " does not fit an input of "
                + in
                + " features");
      }
      NDArray b = biases.get(i);
      if (b != null
          && !Arrays.equals(shapeOf(b, "linearGeluChain bias " + i), new long[] {ws[0]})) {
        throw new IllegalArgumentException(
            "linearGeluChain: bias " + i + " does not fit weight " + Arrays.toString(ws));
      }
      in = ws[0];
    }
    long rows = 1;
    for (int i = 0; i < xs.length - 1; i++) {
      rows *= xs[i];
    }
    long[] out = xs.clone();
    out[out.length - 1] = in;
    requireAvailable();
    return Native.linearGeluChain(x, weights, biases, rows, xs[xs.length - 1], out);
  }

  /**
   * {@code a · b} with PyTorch's {@code matmul} semantics (batched over leading axes, which
   * broadcast). With {@link Precision#BF16}: inputs rounded to bf16, product in bf16 (fp32
   * accumulation, result rounded to bf16), returned as fp32, as CPU autocast runs {@code matmul}.
   * With {@link Precision#FP32}: DJL's {@code matMul}, without JavaCPP.
   */
  public static NDArray matmul(NDArray a, NDArray b, Precision precision) {
    long[] as = shapeOf(a, "matmul left operand");
    long[] bs = shapeOf(b, "matmul right operand");
    if (as.length < 2 || bs.length < 2 || as[as.length - 1] != bs[bs.length - 2]) {
      throw new IllegalArgumentException(
          "matmul: "
              + Arrays.toString(as)
              + " times "
              + Arrays.toString(bs)
              + " do not fit; expected (..., n, k) times (..., k, m)");
    }
    if (Objects.requireNonNull(precision, "precision") == Precision.FP32) {
      return a.matMul(b);
    }
    requireAvailable();
    return Native.matmul(a, b);
  }

  /**
   * libtorch's fused {@code scaled_dot_product_attention}: {@code softmax(q · kᵀ · scale) · v} with
   * scale = 1/√head_dim, the official ViT's {@code head_dim ** -0.5} (vision_transformer.py, {@code
   * Attention}); no mask, no dropout. The attention matrix is never stored, which is why the
   * explicit path stays where the attention map itself is wanted.
   *
   * <p>With {@link Precision#BF16}, q, k and v are rounded to bf16 and the kernel runs in bf16
   * (fp32 accumulation and softmax inside); the result is returned as fp32. With {@link
   * Precision#FP32} the kernel runs in fp32. Both go through JavaCPP.
   *
   * @param q (batch, heads, queries, head_dim)
   * @param k (batch, heads, keys, head_dim)
   * @param v (batch, heads, keys, value_dim)
   * @return (batch, heads, queries, value_dim), fp32
   */
  public static NDArray scaledDotProductAttention(
      NDArray q, NDArray k, NDArray v, Precision precision) {
    long[] qs = shapeOf(q, "attention query");
    long[] ks = shapeOf(k, "attention key");
    long[] vs = shapeOf(v, "attention value");
    if (qs.length != 4
        || ks.length != 4
        || vs.length != 4
        || qs[0] != ks[0]
        || qs[1] != ks[1]
        || qs[3] != ks[3]
        || ks[0] != vs[0]
        || ks[1] != vs[1]
        || ks[2] != vs[2]) {
      throw new IllegalArgumentException(
          "scaledDotProductAttention: q "
              + Arrays.toString(qs)
              + ", k "
              + Arrays.toString(ks)
              + ", v "
              + Arrays.toString(vs)
              + " do not fit; expected (B, H, L, E), (B, H, S, E),"
              + " (B, H, S, Ev)");
    }
    Objects.requireNonNull(precision, "precision");
    requireAvailable();
    return Native.scaledDotProductAttention(q, k, v, precision == Precision.BF16);
  }

  /**
   * Seconds for {@code reps} bf16 products (m, k) · (k, n) of tensors made bf16 in libtorch and
   * kept there: the kernel's own rate, without the casts from and to fp32 that every bridged
   * product pays ({@code bench train} prints both, so that a step's shortfall can be told apart
   * from the kernel's).
   */
  public static double bf16ProductSeconds(long m, long k, long n, int reps) {
    if (m < 1 || k < 1 || n < 1 || reps < 1) {
      throw new IllegalArgumentException(
          "bf16ProductSeconds: " + m + " x " + k + " x " + n + ", " + reps + " reps");
    }
    requireAvailable();
    return Native.bf16ProductSeconds(m, k, n, reps);
  }

  // ---------------------------------------------------------------- test hooks (package-private)

  /** Native objects JavaCPP is keeping alive for this JVM: constant across bridged calls. */
  static long liveNativeObjects() {
    requireAvailable();
    return Native.liveObjects();
  }

  /** How many {@code at::Tensor} handles share {@code a}'s tensor (its TensorImpl use count). */
  static long useCount(NDArray a) {
    requireAvailable();
    return Native.useCount(a);
  }

  // ---------------------------------------------------------------- internals

  private static long[] shapeOf(NDArray a, String what) {
    Objects.requireNonNull(a, what);
    if (!(a instanceof PtNDArray)) {
      throw new IllegalArgumentException(
          what + ": expected an array of DJL's PyTorch engine, got " + a.getClass().getName());
    }
    if (a.getDataType() != DataType.FLOAT32) {
      throw new IllegalArgumentException(what + ": expected float32, got " + a.getDataType());
    }
    return a.getShape().getShape();
  }

  private static void requireAvailable() {
    if (Loading.REASON != null) {
      throw new IllegalStateException(Loading.REASON);
    }
  }

  /** Loads JavaCPP once, on first use (the holder idiom makes it lazy and thread-safe). */
  private static final class Loading {
    static final String REASON = load();

    private static String load() {
      String prefix = "bf16 and fused attention unavailable: ";
      try {
        Engine.getEngine("PyTorch"); // DJL's libtorch must be in the process first
        String version = LibUtils.getVersion();
        if (!LIBTORCH_VERSION.equals(version)) {
          return prefix
              + "DJL runs libtorch "
              + version
              + ", JavaCPP's bindings need "
              + LIBTORCH_VERSION;
        }
        Path dir = Path.of(LibUtils.getLibtorchPath());
        if (dir.getFileName().toString().contains("precxx11")) {
          return prefix
              + "DJL runs the pre-C++11-ABI libtorch ("
              + dir
              + "), JavaCPP's bindings need the C++11 ABI";
        }
        for (String lib : List.of("libc10.so", "libtorch_cpu.so", "libtorch.so")) {
          if (!Files.isRegularFile(dir.resolve(lib))) {
            return prefix + "DJL's libtorch folder " + dir + " has no " + lib;
          }
        }
        Native.load(dir);
        return null;
      } catch (NoClassDefFoundError e) {
        return prefix
            + "JavaCPP's jars (org.bytedeco:pytorch:2.7.1-1.5.12, javacpp:1.5.12) are"
            + " not on the class path (no "
            + firstLine(e)
            + ")";
      } catch (UnsatisfiedLinkError e) {
        return prefix + "JavaCPP's libjnitorch.so did not load (" + firstLine(e) + ")";
      } catch (LinkageError | RuntimeException e) {
        return prefix + e.getClass().getSimpleName() + ": " + firstLine(e);
      }
    }

    private static String firstLine(Throwable e) {
      return String.valueOf(e.getMessage()).lines().findFirst().orElse("");
    }
  }

  /** Everything that touches JavaCPP: loaded (and verified) only once {@link Loading} ran. */
  private static final class Native {
    /** A JavaCPP pointer to memory someone else owns: no deallocator, never frees. */
    private static final class Borrowed extends Pointer {
      Borrowed(long address) {
        this.address = address;
      }
    }

    /** Frees every JavaCPP-allocated object of one call, whatever happens. */
    private static final class Owned implements AutoCloseable {
      private final List<Pointer> pointers = new ArrayList<>(8);

      <P extends Pointer> P add(P p) {
        pointers.add(p);
        return p;
      }

      /**
       * Gives {@code t}'s heap {@code at::Tensor} to a new DJL array: JavaCPP forgets it (no
       * deallocation by it, nor by its garbage-collection thread), DJL frees it on close.
       */
      NDArray handOver(NDArray like, Tensor t) {
        long handle = t.address();
        t.deallocate(false);
        return new PtNDArray((PtNDManager) like.getManager(), handle);
      }

      @Override
      public void close() {
        for (int i = pointers.size() - 1; i >= 0; i--) {
          pointers.get(i).deallocate();
        }
      }
    }

    static void load(Path libtorchDir) {
      // JavaCPP's own heuristics would count DJL's tensors as its memory and, past a multiple of
      // the Java heap, trigger System.gc() on every allocation and then fail: it owns nothing
      // large here, so they are off unless the user set them.
      setIfAbsent("org.bytedeco.javacpp.maxBytes", "0");
      setIfAbsent("org.bytedeco.javacpp.maxPhysicalBytes", "0");
      // The presets inherit OpenBLAS's, whose natives are neither shipped nor needed.
      setIfAbsent("org.bytedeco.openblas.load", "none");
      String pathsFirst = System.getProperty("org.bytedeco.javacpp.pathsFirst");
      if (pathsFirst != null && !pathsFirst.equalsIgnoreCase("true")) {
        throw new IllegalStateException(
            "org.bytedeco.javacpp.pathsFirst="
                + pathsFirst
                + " would load JavaCPP's libtorch beside DJL's; it must be true");
      }
      System.setProperty("org.bytedeco.javacpp.pathsFirst", "true");
      if (!loaderTakesPathsFirst()) {
        throw new IllegalStateException(
            "JavaCPP was started before jdino could set org.bytedeco.javacpp.pathsFirst=true");
      }
      String libraryPath = System.getProperty("java.library.path");
      System.setProperty("java.library.path", libraryPath(libtorchDir));
      try {
        Loader.load(torch.class);
      } finally {
        if (libraryPath == null) {
          System.clearProperty("java.library.path");
        } else {
          System.setProperty("java.library.path", libraryPath);
        }
      }
    }

    /** DJL's folder alone: nothing else (no system libtorch) can be picked up by JavaCPP. */
    private static String libraryPath(Path libtorchDir) {
      return libtorchDir.toAbsolutePath().toString();
    }

    private static boolean loaderTakesPathsFirst() {
      try {
        Field f = Loader.class.getDeclaredField("pathsFirst");
        f.setAccessible(true);
        return f.getBoolean(null);
      } catch (ReflectiveOperationException | RuntimeException e) {
        return true; // a JavaCPP without the field reads the property at load time
      }
    }

    private static void setIfAbsent(String key, String value) {
      if (System.getProperty(key) == null) {
        System.setProperty(key, value);
      }
    }

    private static Tensor borrow(NDArray a) {
      return new Tensor(new Borrowed(((PtNDArray) a).getHandle()));
    }

    static NDArray linear(NDArray x, NDArray w, NDArray b, long rows, long in, long[] out) {
      try (Owned o = new Owned()) {
        Tensor x2 = o.add(o.add(borrow(x).to(torch.ScalarType.BFloat16)).reshape(rows, in));
        Tensor wb = o.add(borrow(w).to(torch.ScalarType.BFloat16));
        TensorOptional bb =
            o.add(
                b == null
                    ? new TensorOptional()
                    : new TensorOptional(o.add(borrow(b).to(torch.ScalarType.BFloat16))));
        Tensor y = o.add(o.add(torch.linear(x2, wb, bb)).reshape(out));
        return o.handOver(x, y.to(torch.ScalarType.Float));
      } catch (RuntimeException e) {
        throw fromTorch("linear", e);
      }
    }

    static NDArray linearGeluChain(
        NDArray x, List<NDArray> ws, List<NDArray> bs, long rows, long in, long[] out) {
      try (Owned o = new Owned()) {
        Tensor y = o.add(o.add(borrow(x).to(torch.ScalarType.BFloat16)).reshape(rows, in));
        for (int i = 0; i < ws.size(); i++) {
          if (i > 0) {
            y = o.add(torch.gelu(y));
          }
          Tensor wb = o.add(borrow(ws.get(i)).to(torch.ScalarType.BFloat16));
          TensorOptional bb =
              o.add(
                  bs.get(i) == null
                      ? new TensorOptional()
                      : new TensorOptional(o.add(borrow(bs.get(i)).to(torch.ScalarType.BFloat16))));
          y = o.add(torch.linear(y, wb, bb));
        }
        return o.handOver(x, o.add(y.reshape(out)).to(torch.ScalarType.Float));
      } catch (RuntimeException e) {
        throw fromTorch("linearGeluChain", e);
      }
    }

    static NDArray matmul(NDArray a, NDArray b) {
      try (Owned o = new Owned()) {
        Tensor ab = o.add(borrow(a).to(torch.ScalarType.BFloat16));
        Tensor bb = o.add(borrow(b).to(torch.ScalarType.BFloat16));
        Tensor y = o.add(torch.matmul(ab, bb));
        return o.handOver(a, y.to(torch.ScalarType.Float));
      } catch (RuntimeException e) {
        throw fromTorch("matmul", e);
      }
    }

    static NDArray scaledDotProductAttention(NDArray q, NDArray k, NDArray v, boolean bf16) {
      try (Owned o = new Owned()) {
        if (!bf16) {
          return o.handOver(q, torch.scaled_dot_product_attention(borrow(q), borrow(k), borrow(v)));
        }
        Tensor qb = o.add(borrow(q).to(torch.ScalarType.BFloat16));
        Tensor kb = o.add(borrow(k).to(torch.ScalarType.BFloat16));
        Tensor vb = o.add(borrow(v).to(torch.ScalarType.BFloat16));
        Tensor y = o.add(torch.scaled_dot_product_attention(qb, kb, vb));
        return o.handOver(q, y.to(torch.ScalarType.Float));
      } catch (RuntimeException e) {
        throw fromTorch("scaledDotProductAttention", e);
      }
    }

    static double bf16ProductSeconds(long m, long k, long n, int reps) {
      try (Owned o = new Owned()) {
        Tensor a = o.add(o.add(torch.rand(m, k)).to(torch.ScalarType.BFloat16));
        Tensor b = o.add(o.add(torch.rand(k, n)).to(torch.ScalarType.BFloat16));
        torch.matmul(a, b).close(); // first call: oneDNN builds its kernel
        long t0 = System.nanoTime();
        for (int r = 0; r < reps; r++) {
          torch.matmul(a, b).close();
        }
        return (System.nanoTime() - t0) / 1e9;
      } catch (RuntimeException e) {
        throw fromTorch("bf16ProductSeconds", e);
      }
    }

    static long liveObjects() {
      return Pointer.totalCount();
    }

    static long useCount(NDArray a) {
      return borrow(a).use_count();
    }

    /** libtorch's errors arrive as multi-line messages with a C++ stack: keep the first line. */
    private static RuntimeException fromTorch(String op, RuntimeException e) {
      if (e instanceof IllegalArgumentException || e instanceof IllegalStateException) {
        return e;
      }
      String first = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
      return new IllegalStateException(op + " in libtorch: " + first, e);
    }
  }
}
