#!/usr/bin/env bash
# Builds the JNI library over MPI's C API (src/main/native/jdino_mpi.c) into the path given as the
# first argument, with the MPI compiler wrapper `mpicc` (so any MPI's own include and link flags
# apply: Debian's Open MPI here, a cluster's module elsewhere).
#
# Called by `mvn package` (pom.xml, generate-resources) and by the jdino launcher. Single-process
# training never loads this library, so a missing mpicc or mpi.h is not an error here: it prints
# one line saying what is missing and exits 0; distributed runs then refuse to start with a
# message naming the library (dev.jdino.dist.MpiCollectives). A compile error (an MPI too old or
# too odd for jdino_mpi.c) prints the compiler's output and one line, and exits 0 as well unless
# --required is given (the launcher passes it for distributed runs): a broken MPI install must
# not stop the build for single-process use. The MPI tests fail when mpirun exists but the
# library does not, so CI still catches a compile error.
#
# Quiet and instant when the library is newer than its source. Several processes may run this at
# once (every rank of `mpirun -np N ./jdino ...` starts the launcher): each compiles to its own
# temporary file and renames it into place, so none ever loads a half-written library.
set -euo pipefail

out="${1:?usage: build_mpi.sh <output .so> [--required]}"
required="${2:-}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="$here/jdino_mpi.c"

if [[ -f "$out" && "$out" -nt "$src" ]]; then
  exit 0
fi
mpicc="${MPICC:-mpicc}"
if ! command -v "$mpicc" >/dev/null 2>&1; then
  echo "jdino: MPI library not built: $mpicc not found (for distributed training install MPI, e.g. apt-get install openmpi-bin libopenmpi-dev; single-process training does not need it)" >&2
  exit 0
fi

# jni.h: from JAVA_HOME, else from the JDK that holds the `javac` (or `java`) on PATH.
java_home="${JAVA_HOME:-}"
if [[ -z "$java_home" || ! -f "$java_home/include/jni.h" ]]; then
  for tool in javac java; do
    if command -v "$tool" >/dev/null 2>&1; then
      java_home="$(dirname "$(dirname "$(readlink -f "$(command -v "$tool")")")")"
      [[ -f "$java_home/include/jni.h" ]] && break
    fi
  done
fi
if [[ ! -f "$java_home/include/jni.h" ]]; then
  echo "jdino: MPI library not built: jni.h not found (set JAVA_HOME to a JDK, not a JRE)" >&2
  exit 0
fi

mkdir -p "$(dirname "$out")"
tmp="$out.tmp.$$"
log="$(mktemp)"
trap 'rm -f "$tmp" "$log"' EXIT
if ! "$mpicc" -O2 -std=c11 -Wall -Wextra -shared -fPIC \
    -I"$java_home/include" -I"$java_home/include/linux" \
    -o "$tmp" "$src" -ldl >"$log" 2>&1; then
  rm -f "$out" # an older build of a changed source must not be loaded instead
  if grep -q "mpi\.h" "$log" && grep -qi "no such file" "$log"; then
    echo "jdino: MPI library not built: $mpicc cannot find mpi.h (install MPI's development files, e.g. apt-get install libopenmpi-dev)" >&2
    exit 0
  fi
  cat "$log" >&2
  echo "jdino: MPI library not built: compiling $src with $mpicc failed (errors above); distributed training is unavailable" >&2
  [[ "$required" == --required ]] && exit 1
  exit 0
fi
# Warnings are errors in spirit: show them, but a working library is still installed.
[[ -s "$log" ]] && cat "$log" >&2
mv -f "$tmp" "$out"
