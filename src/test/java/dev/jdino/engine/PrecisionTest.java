package dev.jdino.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jdino.io.BadInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class PrecisionTest {
  /** Two processors of /proc/cpuinfo, abridged: a Sapphire Rapids Xeon and a Zen 3 EPYC. */
  private static final String INTEL_AMX =
      """
      processor\t: 0
      vendor_id\t: GenuineIntel
      model name\t: Intel(R) Xeon(R) Platinum 8488C
      flags\t\t: fpu vme sse sse2 avx avx2 fma avx512f avx512bw avx512vl avx512_bf16 \
      avx512_fp16 amx_bf16 amx_tile amx_int8
      bugs\t\t: spectre_v1

      processor\t: 1
      flags\t\t: fpu vme sse sse2
      """;

  private static final String AMD_AVX2 =
      """
      processor\t: 0
      vendor_id\t: AuthenticAMD
      model name\t: AMD EPYC 7B13
      flags\t\t: fpu vme de pse tsc msr sse sse2 ssse3 fma sse4_1 sse4_2 avx f16c avx2 \
      bmi2 sha_ni vaes vpclmulqdq
      """;

  @Test
  void flagsParseAndBadValuesAreRefusedInOneLine() {
    assertEquals(Precision.FP32, Precision.parse("fp32"));
    assertEquals(Precision.BF16, Precision.parse(" BF16 "));
    assertEquals("bf16", Precision.BF16.flag());
    BadInputException e = assertThrows(BadInputException.class, () -> Precision.parse("fp16"));
    assertEquals("--precision: 'fp16' is not a precision; expected fp32 or bf16", e.getMessage());
    assertThrows(BadInputException.class, () -> Precision.parse(null));
  }

  @Test
  void bf16WhereTheProcessorHasBf16Instructions() {
    Precision.Choice amx = Precision.forProcessor(INTEL_AMX);
    assertEquals(Precision.BF16, amx.precision());
    assertEquals("bf16: the processor has amx_bf16, avx512_bf16", amx.reason());
    // AVX-512 BF16 without AMX (AMD Zen 4 and 5)
    Precision.Choice zen5 = Precision.forProcessor(AMD_AVX2.replace("avx2", "avx2 avx512_bf16"));
    assertEquals(new Precision.Choice(Precision.BF16, "bf16: the processor has avx512_bf16"), zen5);
  }

  @Test
  void fp32ElsewhereAndWhenTheFlagsCannotBeRead() {
    Precision.Choice zen3 = Precision.forProcessor(AMD_AVX2);
    assertEquals(Precision.FP32, zen3.precision());
    assertEquals(
        "fp32: the processor has neither amx_bf16 nor avx512_bf16 (bf16 would be"
            + " emulated, slower than fp32)",
        zen3.reason());
    // a flag's name inside another word is not the flag
    assertEquals(
        Precision.FP32, Precision.forProcessor("flags : avx512_bf16x no_amx_bf16").precision());
    assertEquals(
        new Precision.Choice(Precision.FP32, "fp32: no instruction-set flags in /proc/cpuinfo"),
        Precision.forProcessor("processor : 0\nBogoMIPS : 50\n"));
  }

  @Test
  void thisProcessorIsReadFromProcCpuinfo() throws Exception {
    String cpuinfo = Files.readString(Path.of("/proc/cpuinfo"));
    assertEquals(Precision.forProcessor(cpuinfo), Precision.forThisProcessor());
  }

  @Test
  void aChoiceNeedsAOneLineReason() {
    assertThrows(IllegalArgumentException.class, () -> new Precision.Choice(Precision.FP32, " "));
    assertThrows(
        IllegalArgumentException.class, () -> new Precision.Choice(Precision.FP32, "a\nb"));
    assertThrows(NullPointerException.class, () -> new Precision.Choice(null, "x"));
  }

  @Test
  void fusedAttentionDefaultsToFp32UnderBothProductPrecisions() {
    // bf16 products where the processor has them (AMX or AVX512_BF16), attention in fp32 anyway
    assertEquals(Precision.BF16, Precision.forProcessor(INTEL_AMX).precision());
    assertEquals(
        new Precision.Choice(
            Precision.FP32,
            "fp32 attention: libtorch's bf16 attention backward is slower than its fp32 one, with"
                + " AMX or without"),
        Precision.attentionFor(Precision.BF16));
    assertEquals(
        new Precision.Choice(Precision.FP32, "fp32 attention with fp32 products"),
        Precision.attentionFor(Precision.FP32));
    assertThrows(NullPointerException.class, () -> Precision.attentionFor(null));
  }

  @Test
  void aFlagListedTwiceIsStillRead() {
    assertEquals(
        Precision.BF16,
        Precision.forProcessor("flags : avx2 amx_bf16 amx_bf16 avx512_bf16").precision());
  }
}
