#!/usr/bin/env bash
# bench/compare schnet [n_configs=32] [reps=5]: eipnn's SchNet against the identical PyTorch
# model on mlearn Si, both with 2 threads, in one run. PyTorch at its best: OpenBLAS (pthread)
# with OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE unset so it picks its own kernels; eipnn built with the
# machine's vector ISA (its own build directory, so the shared bench build keeps its flags).
set -euo pipefail
n=${1:-32}
reps=${2:-5}
root=${EIPNN_ROOT:?run through bench/compare}
data=$root/../shared/data/mlearn-si/training.extxyz
[ -f "$data" ] || { echo "mlearn Si data not found at $data" >&2; exit 77; }
build=${EIPNN_SCHNET_BUILD:-$root/build-bench-native}
isa="-mavx2 -mfma"
grep -q avx512f /proc/cpuinfo && grep -q avx512vl /proc/cpuinfo && isa="$isa -mavx512f -mavx512vl -mavx512dq -mavx512bw"
grep -q ' avx2' /proc/cpuinfo || isa=""
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DEIPNN_BUILD_TESTS=OFF -DEIPNN_BUILD_EXAMPLES=OFF \
  -DCMAKE_CXX_FLAGS="$isa" >/dev/null
cmake --build "$build" --target bench_schnet -j2 >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OMP_NUM_THREADS=2
e=$("$build/bench/bench_schnet" "$data" "$work" "$n" 2 "$reps")
echo "$e" | grep '^#' || true
t=$(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 "$root/bench/baselines/schnet_torch.py" "$work" 2 "$reps")
echo "$t" | grep '^#' || true
get() { echo "$1" | grep -v '^#' | tr ' ' '\n' | sed -n "s/^$2=//p"; }
et=$(get "$e" train_ms); ei=$(get "$e" infer_ms); em=$(get "$e" rss_mb)
tt=$(get "$t" train_ms); ti=$(get "$t" infer_ms); tm=$(get "$t" rss_mb)
awk -v a="$et" -v b="$tt" 'BEGIN{printf "train_step eipnn_ms=%.2f torch_ms=%.2f ratio=%.2f\n", a, b, b/a}'
awk -v a="$ei" -v b="$ti" 'BEGIN{printf "inference eipnn_ms=%.2f torch_ms=%.2f ratio=%.2f\n", a, b, b/a}'
echo "peak_rss eipnn_mb=$em torch_mb=$tm (getrusage max RSS of each process, data and weights files included)"
echo "throughput step_gflop=$(get "$e" step_gflop) achieved_gflops=$(get "$e" step_gflops) eigen_sgemm_1024_gflops=$(get "$e" sgemm_gflops) (2 threads)"
