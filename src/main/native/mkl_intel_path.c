/*
 * Preloaded (LD_PRELOAD) by the jdino launcher on AMD x86-64 processors.
 *
 * libtorch's bundled Intel MKL asks these two service functions whether it runs on an Intel CPU
 * and, if not, falls back to generic code paths for matrix products, about half as fast on the
 * AVX-512 AMD processors jdino is benchmarked on. Answering "yes" lets MKL pick its kernels from
 * the CPU's actual instruction sets (it still checks CPUID for AVX2 / AVX-512 itself); results
 * are equal within float32 rounding (tested: ProcessorTuningTest). Disable with
 * JDINO_MKL_OVERRIDE=0.
 */
int mkl_serv_intel_cpu_true(void) { return 1; }
int mkl_serv_intel_cpu(void) { return 1; }
