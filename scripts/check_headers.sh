#!/usr/bin/env bash
# Every public header compiles on its own (DESIGN habit 11): include/ with g++ (plain C++17, no
# CUDA), kernels/ with nvcc for the pinned architectures. Run from the repository root.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$root"
jobs=${EIPNN_JOBS:-2}

check_cxx() {
  local h=$1 tu
  tu="$2/$(echo "$h" | tr '/.' '__').cpp"
  printf '#include "%s"\n#include "%s"\n' "${h#include/}" "${h#include/}" > "$tu"   # twice: include guards
  g++ -std=c++17 -fsyntax-only -Wall -Wextra -Werror -fopenmp -Iinclude -I/usr/include/eigen3 "$tu" \
    || { echo "FAILED: $h does not compile on its own with g++"; return 1; }
}
check_cu() {
  local h=$1 tu
  tu="$2/$(echo "$h" | tr '/.' '__').cu"
  printf '#include "%s"\n' "${h#kernels/}" > "$tu"
  "$NVCC" -std=c++17 -Iinclude -Ikernels --expt-relaxed-constexpr --extended-lambda \
    -gencode arch=compute_80,code=sm_80 -gencode arch=compute_90,code=sm_90 -c "$tu" -o "${tu%.cu}.o" \
    || { echo "FAILED: $h does not compile on its own with nvcc"; return 1; }
}
export -f check_cxx check_cu

headers=$(find include -name '*.hpp' | sort)
echo "check_headers: $(echo "$headers" | wc -l) include/ headers with g++"
echo "$headers" | xargs -P "$jobs" -I{} bash -c 'check_cxx "$@"' _ {} "$work"

NVCC=${CUDACXX:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}
if [ -x "$NVCC" ]; then
  export NVCC
  cuda_headers=$(find kernels -name '*.cuh' | sort)
  echo "check_headers: $(echo "$cuda_headers" | wc -l) kernels/ headers with $NVCC (sm_80, sm_90)"
  echo "$cuda_headers" | xargs -P "$jobs" -I{} bash -c 'check_cu "$@"' _ {} "$work"
else
  echo "check_headers: nvcc not found; kernels/ headers NOT checked"
  [ "${CI:-}" = "true" ] && { echo "check_headers: CI requires nvcc"; exit 1; }
fi
echo "check_headers: all headers compile on their own"
