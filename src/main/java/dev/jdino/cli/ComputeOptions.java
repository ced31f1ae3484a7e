package dev.jdino.cli;

import dev.jdino.engine.Precision;
import dev.jdino.engine.TorchBridge;
import dev.jdino.io.BadInputException;
import dev.jdino.model.Compute;
import java.io.PrintWriter;
import java.util.Optional;
import picocli.CommandLine.Option;

/** The arithmetic a command trains or evaluates with: the same two flags wherever it matters. */
final class ComputeOptions {
  @Option(
      names = "--precision",
      paramLabel = "fp32|bf16",
      description =
          "Arithmetic of the large matrix products (fp32 master weights, optimiser and loss"
              + " either way; the fused attention stays fp32 unless --attention-precision bf16)."
              + " Default: bf16 on processors with AMX or AVX512_BF16, else fp32.")
  String precision;

  @Option(
      names = "--attention",
      paramLabel = "fused|explicit",
      description =
          "Attention kernel while training: libtorch's fused scaled_dot_product_attention"
              + " (the default when it loads) or the explicit softmax path.")
  String attention;

  @Option(
      names = "--attention-precision",
      paramLabel = "fp32|bf16",
      description =
          "Arithmetic of the fused attention kernel. Default: fp32, also under --precision bf16"
              + " (libtorch's bf16 attention backward is slower than fp32's, with AMX or"
              + " without); bf16 is autocast's choice.")
  String attentionPrecision;

  private Compute compute;

  /**
   * The arithmetic of this run, chosen once: the flags, else the processor's default; one line on
   * {@code out} says what and why (a warning goes to {@code err}). Without the libtorch bridge it
   * is fp32 with explicit attention, and the line says why.
   */
  Compute compute(PrintWriter out, PrintWriter err) {
    if (compute != null) {
      return compute;
    }
    Precision.Choice p =
        precision != null
            ? new Precision.Choice(parse("--precision", precision), "--precision " + precision)
            : Precision.forThisProcessor();
    boolean fused;
    if (attention == null) {
      fused = true;
    } else if (attention.equalsIgnoreCase("fused") || attention.equalsIgnoreCase("explicit")) {
      fused = attention.equalsIgnoreCase("fused");
    } else {
      throw new BadInputException("--attention " + attention + ": expected fused or explicit");
    }
    if (fused || p.precision() != Precision.FP32) {
      Optional<String> why = TorchBridge.unavailableReason();
      if (why.isPresent()) {
        if (precision != null && p.precision() != Precision.FP32
            || attentionPrecision != null
            || "fused".equalsIgnoreCase(attention)) {
          err.println("jdino: warning: " + why.get() + "; running fp32 with explicit attention");
        }
        p = new Precision.Choice(Precision.FP32, "fp32 (" + why.get() + ")");
        fused = false;
      }
    }
    Precision asked =
        attentionPrecision == null ? null : parse("--attention-precision", attentionPrecision);
    if ("explicit".equalsIgnoreCase(attention) && asked == Precision.BF16) {
      throw new BadInputException(
          "--attention-precision "
              + attentionPrecision
              + ": only the fused attention runs in bf16; the explicit path is fp32");
    }
    Precision.Choice a =
        !fused
            ? new Precision.Choice(Precision.FP32, "explicit attention")
            : asked != null
                ? new Precision.Choice(asked, "--attention-precision " + attentionPrecision)
                : Precision.attentionFor(p.precision());
    compute = new Compute(p.precision(), fused, a.precision());
    // The attention's reason is said only where it is not simply the products' precision.
    String why =
        p.precision() == a.precision() && asked == null
            ? p.reason()
            : p.reason() + "; " + a.reason();
    out.println("jdino: arithmetic " + compute + " (" + why + ")");
    out.flush();
    return compute;
  }

  /** {@link Precision#parse}, its one-line refusal naming {@code flag}. */
  private static Precision parse(String flag, String value) {
    try {
      return Precision.parse(value);
    } catch (BadInputException e) {
      throw new BadInputException(
          flag + ": '" + value + "' is not a precision; expected fp32 or bf16");
    }
  }
}
