#!/usr/bin/env bash
# bench/compare schnet [n_configs=32] [reps=5] [rounds=3]: eipnn's SchNet against the identical
# PyTorch model on mlearn Si, both with 2 threads, in one run. Each round runs eipnn then PyTorch
# (each timing the median of `reps` steps); the printed times are the best round of each side
# and the "spread" lines give every round, because on a shared machine one round can be slowed
# by other work. PyTorch at its best: OpenBLAS (pthread)
# with OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE unset so it picks its own kernels; eipnn from the
# standard bench build ($EIPNN_BUILD, set by bench/compare), whose CMake compiles benchmarks with
# -O3 -march=native.
set -euo pipefail
n=${1:-32}
reps=${2:-5}
root=${EIPNN_ROOT:?run through bench/compare}
build=${EIPNN_BUILD:?run through bench/compare}
data=$root/../shared/data/mlearn-si/training.extxyz
[ -f "$data" ] || { echo "mlearn Si data not found at $data" >&2; exit 77; }
[ -f "$build/CMakeCache.txt" ] || cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --target bench_schnet -j2 >/dev/null
rounds=${3:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OMP_NUM_THREADS=2
get() { echo "$1" | grep -v '^#' | tr ' ' '\n' | sed -n "s/^$2=//p"; }
et=(); ei=(); tt=(); ti=(); em=0; tm=0
for ((k = 0; k < rounds; ++k)); do
  e=$("$build/bench/bench_schnet" "$data" "$work" "$n" 2 "$reps")
  [ $k -eq 0 ] && { echo "$e" | grep '^#' || true; }
  t=$(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 "$root/bench/baselines/schnet_torch.py" "$work" 2 "$reps")
  [ $k -eq 0 ] && { echo "$t" | grep '^#' || true; }
  et+=("$(get "$e" train_ms)"); ei+=("$(get "$e" infer_ms)"); tt+=("$(get "$t" train_ms)"); ti+=("$(get "$t" infer_ms)")
  em=$(awk -v a="$em" -v b="$(get "$e" rss_mb)" 'BEGIN{print (b > a ? b : a)}')
  tm=$(awk -v a="$tm" -v b="$(get "$t" rss_mb)" 'BEGIN{print (b > a ? b : a)}')
  gflop=$(get "$e" step_gflop); sgemm=$(get "$e" sgemm_gflops)
done
best() { printf '%s\n' "$@" | sort -g | head -1; }
bet=$(best "${et[@]}"); bei=$(best "${ei[@]}"); btt=$(best "${tt[@]}"); bti=$(best "${ti[@]}")
awk -v a="$bet" -v b="$btt" 'BEGIN{printf "train_step eipnn_ms=%.2f torch_ms=%.2f ratio=%.2f\n", a, b, b/a}'
awk -v a="$bei" -v b="$bti" 'BEGIN{printf "inference eipnn_ms=%.2f torch_ms=%.2f ratio=%.2f\n", a, b, b/a}'
echo "peak_rss eipnn_mb=$em torch_mb=$tm (getrusage max RSS of each process, data and weights files included)"
awk -v f="$gflop" -v t="$bet" -v g="$sgemm" 'BEGIN{printf "throughput step_gflop=%.3f achieved_gflops=%.1f eigen_sgemm_1024_gflops=%s (2 threads)\n", f, f / (t * 1e-3), g}'
echo "spread over $rounds rounds (ms): eipnn train ${et[*]} | torch train ${tt[*]} | eipnn infer ${ei[*]} | torch infer ${ti[*]}"
ratios() { local -n a=$1 b=$2; for ((k = 0; k < ${#a[@]}; ++k)); do awk -v x="${a[k]}" -v y="${b[k]}" 'BEGIN{printf "%.2f ", y/x}'; done; }
echo "per-round ratios: train $(ratios et tt)| inference $(ratios ei ti)"
