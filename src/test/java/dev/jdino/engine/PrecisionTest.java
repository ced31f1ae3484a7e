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
  void bf16AttentionOnlyWithAmxAndNeverUnderFp32Products() {
    assertEquals(
        new Precision.Choice(Precision.BF16, "bf16 attention: the processor has amx_bf16"),
        Precision.attentionForProcessor(Precision.BF16, INTEL_AMX));
    // AVX512_BF16 without AMX (AMD Zen 4, Zen 5): products in bf16, attention in fp32
    String zen4 = AMD_AVX2.replace("avx2", "avx2 avx512f avx512_bf16");
    assertEquals(Precision.BF16, Precision.forProcessor(zen4).precision());
    assertEquals(
        new Precision.Choice(
            Precision.FP32,
            "fp32 attention: without amx_bf16 libtorch's bf16 attention kernel is slower than its"
                + " fp32 one"),
        Precision.attentionForProcessor(Precision.BF16, zen4));
    assertEquals(
        Precision.FP32, Precision.attentionForProcessor(Precision.BF16, "no flags").precision());
    assertEquals(
        new Precision.Choice(Precision.FP32, "fp32 attention with fp32 products"),
        Precision.attentionForProcessor(Precision.FP32, INTEL_AMX));
    // the rule this JVM applies is the rule for its own /proc/cpuinfo
    assertEquals(Precision.FP32, Precision.attentionForThisProcessor(Precision.FP32).precision());
  }

  @Test
  void aFlagListedTwiceIsStillRead() {
    assertEquals(
        Precision.BF16,
        Precision.forProcessor("flags : avx2 amx_bf16 amx_bf16 avx512_bf16").precision());
    assertEquals(
        Precision.BF16,
        Precision.attentionForProcessor(Precision.BF16, "flags : amx_bf16 amx_bf16").precision());
  }
}
