package dev.jdino.engine;

import dev.jdino.io.BadInputException;
import java.io.IOException;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * The arithmetic of the large matrix products (qkv, proj, MLP, head) and of attention.
 *
 * <p>{@link #BF16} follows PyTorch's CPU autocast: those operations read bfloat16 copies of their
 * fp32 inputs and weights; master weights, optimiser state, loss, softmax, centring, sharpening and
 * layer norm stay in fp32. The official code trains in mixed precision by default ({@code
 * --use_fp16 True} in main_dino.py, fp16 with a gradient scaler on GPU); bf16 has fp32's exponent
 * range, so it needs no loss scaling.
 */
public enum Precision {
  FP32,
  BF16;

  /**
   * The flags that give bf16 products in hardware: AMX tiles (Intel Sapphire Rapids and later) or
   * AVX-512 BF16 (also AMD Zen 4 and 5). Without them libtorch emulates bf16, slower than fp32.
   */
  static final Set<String> BF16_FLAGS = Set.of("amx_bf16", "avx512_bf16");

  /**
   * The flag value, as on the command line and in {@code args.json}: {@code fp32} or {@code bf16}.
   */
  public String flag() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses a {@code --precision} value; anything but fp32 or bf16 is refused in one line. */
  public static Precision parse(String value) {
    if (value != null) {
      for (Precision p : values()) {
        if (p.flag().equals(value.trim().toLowerCase(Locale.ROOT))) {
          return p;
        }
      }
    }
    throw new BadInputException(
        "--precision: '" + value + "' is not a precision; expected fp32 or bf16");
  }

  /** A precision and why it was chosen, for the line printed at start and for {@code args.json}. */
  public record Choice(Precision precision, String reason) {
    public Choice {
      Objects.requireNonNull(precision, "precision");
      if (reason == null || reason.isBlank() || reason.contains("\n")) {
        throw new IllegalArgumentException(
            "a precision choice needs a one-line reason, got: " + reason);
      }
    }
  }

  /** The default precision for the processor this JVM runs on (from {@code /proc/cpuinfo}). */
  public static Choice forThisProcessor() {
    String cpuinfo;
    try {
      cpuinfo = CpuInfo.read();
    } catch (IOException | SecurityException e) {
      return new Choice(
          FP32, "fp32: cannot read " + CpuInfo.FILE + " to look for bf16 instructions");
    }
    return forProcessor(cpuinfo);
  }

  /**
   * The default precision for a processor described by the text of {@code /proc/cpuinfo}: bf16 when
   * the first processor's {@code flags} line has amx_bf16 or avx512_bf16, fp32 otherwise.
   */
  public static Choice forProcessor(String cpuinfo) {
    Set<String> have = CpuInfo.flags(cpuinfo);
    if (have == null) {
      return new Choice(FP32, "fp32: no instruction-set flags in " + CpuInfo.FILE);
    }
    // Both flags are named when present: AMX is the one that gives the large speed-up.
    String found =
        BF16_FLAGS.stream()
            .filter(have::contains)
            .sorted()
            .reduce((a, b) -> a + ", " + b)
            .orElse(null);
    if (found != null) {
      return new Choice(BF16, "bf16: the processor has " + found);
    }
    return new Choice(
        FP32,
        "fp32: the processor has neither amx_bf16 nor avx512_bf16 (bf16 would be emulated, slower"
            + " than fp32)");
  }

  /**
   * The default precision of the fused attention kernel when the matrix products run in {@code
   * products}: fp32 on every processor. CPU autocast would run {@code scaled_dot_product_attention}
   * in bf16, but libtorch 2.7.1's bf16 flash-attention backward is several times slower than its
   * fp32 one on this project's model shapes, with AMX tiles as without them (374 against 43 ms a
   * step on an Intel Xeon with AMX, 448 against 73 on an AMD Zen 4 with AVX512_BF16; BENCHMARKS.md,
   * "bf16 with AMX" and "bf16 on a processor with bf16 units"), while the products still gain.
   * Attention's inputs and output are fp32 here anyway, so fp32 attention costs no extra casts.
   * {@code --attention-precision bf16} asks for autocast's choice.
   */
  public static Choice attentionFor(Precision products) {
    if (Objects.requireNonNull(products, "products") == FP32) {
      return new Choice(FP32, "fp32 attention with fp32 products");
    }
    return new Choice(
        FP32,
        "fp32 attention: libtorch's bf16 attention backward is slower than its fp32 one, with AMX"
            + " or without");
  }
}
