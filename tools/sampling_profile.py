#!/usr/bin/env python3
"""Tables of a sampling profile of `jdino bench train` (tools/sampling_profile.sh).

    tools/sampling_profile.py SAMPLES.txt [BENCH.json]

SAMPLES.txt is `perf script --no-inline -F tid,comm,time,ip,sym,dso` of a `perf record` without
call graphs (libtorch has no frame pointers to walk). Each sample is put in the kind of work its
leaf function does; BENCH.json (`bench train --json`) turns shares into milliseconds per step.

Printed as Markdown: (1) the compute threads' time by kind of work; (2) what the main thread
(the one calling into libtorch) runs while another compute thread waits at an OpenMP barrier,
which is the step's serial part: the worker's idle share is what two cores lose to it.
"""
import bisect
import collections
import json
import re
import sys

# (kind, test on (symbol, library)); the first that matches wins.
KINDS = [
    ("OpenMP: a thread waiting (barrier, spin)", lambda s, d: "libgomp" in d or "libiomp" in d),
    ("fp32 matrix products (MKL; also inside fused attention)", lambda s, d: s.startswith("mkl_")),
    ("fused attention (flash kernel, outside its products)", lambda s, d: "flash_attention" in s),
    ("JIT code: oneDNN (bf16 products, GELU) and the JVM's compiled Java",
     lambda s, d: d.startswith("perf-") or d.startswith("[JIT]") or d == "//anon"
     or "brgemm" in s or "jit_" in s),
    ("casts bf16 <-> fp32", lambda s, d: "reduced_float_copy" in s or "CastLoad" in s
     or "convert" in s.lower()),
    ("copies (layouts, concatenation)", lambda s, d: "copy_kernel" in s or "copy_impl" in s
     or "cat_serial" in s),
    ("layer norm", lambda s, d: "LayerNorm" in s or "RowwiseMoments" in s),
    ("softmax, log-softmax", lambda s, d: "softmax" in s.lower()),
    ("reductions (sums, norms)", lambda s, d: re.search(r"sum|reduce|norm_kernel|Reduce", s)),
    ("element-wise (add, mul, div, fill, ...)", lambda s, d: "VectorizedLoop" in s
     or "_kernel" in s or "Sleef" in s or "vectorized" in s),
    ("memory: malloc/free, fresh pages", lambda s, d: d.startswith("libc.so")
     or "clear_page" in s or "page_fault" in s),
    ("operating system (other)", lambda s, d: d.startswith("[kernel")),
    ("dispatch, autograd, DJL's JNI (libtorch's bookkeeping)", lambda s, d: "libc10" in d
     or "libdjl" in d or "djl_torch" in d or "at::_ops" in s or "autograd" in s or "c10::" in s
     or "libjvm" in d or d.startswith("ld-linux")),
]
OTHER = "other libtorch code"


def kind(sym, dso):
    for name, test in KINDS:
        if test(sym, dso):
            return name
    return OTHER


# comm tid time: ip symbol (library); the symbol may hold parentheses, the library does not.
LINE = re.compile(r"^\s*(.+?)\s+(\d+)\s+([\d.]+):\s+[0-9a-f]+\s+(.*)\s+\(([^()]*)\)\s*$")


def read(path):
    threads = collections.defaultdict(list)  # tid -> [(time, kind)]
    names = {}
    for line in open(path, errors="replace"):
        m = LINE.match(line)
        if not m:
            continue
        comm, tid, t, sym, dso = m.groups()
        dso = dso.split("/")[-1]
        threads[tid].append((float(t), kind(sym, dso)))
        names[tid] = comm
    for v in threads.values():
        v.sort()
    return threads, names


def main():
    threads, names = read(sys.argv[1])
    bench = json.load(open(sys.argv[2])) if len(sys.argv) > 2 else None
    if not threads:
        sys.exit("sampling_profile: no samples in " + sys.argv[1])
    busiest = max(len(v) for v in threads.values())
    # The compute threads: libtorch's main thread and its OpenMP pool, each sampled about as
    # often as the busiest; augmentation workers (jdino-loader-*) and JVM threads are not.
    compute = [t for t, v in threads.items()
               if len(v) > 0.5 * busiest and not names[t].startswith("jdino-")]
    bookkeeping = "dispatch, autograd, DJL's JNI (libtorch's bookkeeping)"
    main_tid = max(compute, key=lambda t: sum(k == bookkeeping for _, k in threads[t]))
    pool = [t for t in compute if t != main_tid]
    others = sum(len(v) for t, v in threads.items() if t not in compute)
    total = sum(len(threads[t]) for t in compute)
    step_ms = 1000 * bench["seconds_per_step"] if bench else None

    machine = bench.get("machine", {}) if bench else {}
    print(f"machine: {machine.get('model_name', '?')} family {machine.get('family', '?')} "
          f"model {machine.get('model', '?')}; arithmetic: "
          f"{bench.get('arithmetic', '?') if bench else '?'}; "
          + (f"{bench['images_per_s']:.1f} source images/s, {step_ms:.0f} ms per step"
             if bench else "no bench JSON"))
    print(f"samples: {total} on {len(compute)} compute threads (main thread id {main_tid}, pool "
          f"{', '.join(pool) or 'none'}); {others} on other threads (data loading, JVM)\n")

    print("| kind of work (leaf function of each sample) | share of the compute threads' time |"
          + (" ms per step |" if step_ms else ""))
    print("|---|---|" + ("---|" if step_ms else ""))
    counts = collections.Counter(k for t in compute for _, k in threads[t])
    for k, n in counts.most_common():
        share = n / total
        print(f"| {k} | {100 * share:.1f} % |" + (f" {share * step_ms:.0f} |" if step_ms else ""))

    if not pool:
        return
    main_times = [t for t, _ in threads[main_tid]]
    # Samples of different threads are not simultaneous: pair each with the main thread's
    # nearest sample within half a sampling period.
    gaps = [b - a for a, b in zip(main_times, main_times[1:]) if b > a]
    window = 0.5 * sorted(gaps)[len(gaps) // 2] if gaps else 0.001
    waiting = collections.Counter()
    idle = 0
    pool_total = 0
    wait_kind = KINDS[0][0]
    for tid in pool:
        for t, k in threads[tid]:
            pool_total += 1
            if k != wait_kind:
                continue
            idle += 1
            i = bisect.bisect_left(main_times, t)
            near = [j for j in (i - 1, i) if 0 <= j < len(main_times)
                    and abs(main_times[j] - t) <= window]
            if near:
                j = min(near, key=lambda j: abs(main_times[j] - t))
                waiting[threads[main_tid][j][1]] += 1
    paired = sum(waiting.values())
    print(f"\nThe pool's threads wait in {100 * idle / pool_total:.1f} % of their samples"
          + (f" (about {idle / pool_total * step_ms:.0f} ms per step)" if step_ms else "")
          + f". What the main thread runs meanwhile ({paired} of {idle} samples paired):\n")
    print("| main thread, while the pool waits | share of the waiting |")
    print("|---|---|")
    for k, n in waiting.most_common():
        print(f"| {k} | {100 * n / paired:.1f} % |")


if __name__ == "__main__":
    main()
