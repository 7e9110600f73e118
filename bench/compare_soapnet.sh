#!/usr/bin/env bash
# bench/compare soapnet [n_configs=32] [reps=5] [rounds=3]: eipnn's SOAPNet training step against
# the identical PyTorch model on mlearn Si, both from the same precomputed SOAP descriptors and
# with 2 threads, in one run. Each round runs eipnn then PyTorch (each timing the median of `reps`
# steps); the printed times are the best round of each side, the "spread" line gives every round
# (one round can be slowed by other work on a shared machine). PyTorch at its best: OpenBLAS
# (pthread) with OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE unset, as compare_schnet.sh. Inference
# (energy + forces with the SOAP descriptors computed inside the timed call) has no PyTorch
# counterpart (the baseline has no SOAP) and is printed for eipnn alone.
set -euo pipefail
n=${1:-32}
reps=${2:-5}
root=${EIPNN_ROOT:?run through bench/compare}
build=${EIPNN_BUILD:?run through bench/compare}
data=$root/../shared/data/mlearn-si/training.extxyz
[ -f "$data" ] || { echo "mlearn Si data not found at $data" >&2; exit 77; }
[ -f "$build/CMakeCache.txt" ] || cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --target bench_soapnet -j2 >/dev/null
rounds=${3:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OMP_NUM_THREADS=2
get() { echo "$1" | grep -v '^#' | tr ' ' '\n' | sed -n "s/^$2=//p"; }
et=(); ei=(); es=(); tt=()
for ((k = 0; k < rounds; ++k)); do
  e=$("$build/bench/bench_soapnet" "$data" "$work" "$n" 2 "$reps")
  [ $k -eq 0 ] && { echo "$e" | grep '^#' || true; }
  t=$(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 "$root/bench/baselines/soapnet_torch.py" "$work" 2 "$reps")
  [ $k -eq 0 ] && { echo "$t" | grep '^#' || true; }
  et+=("$(get "$e" train_ms)"); ei+=("$(get "$e" infer_ms)"); es+=("$(get "$e" soap_ms)"); tt+=("$(get "$t" train_ms)")
done
best() { printf '%s\n' "$@" | sort -g | head -1; }
bet=$(best "${et[@]}"); btt=$(best "${tt[@]}"); bei=$(best "${ei[@]}"); bes=$(best "${es[@]}")
awk -v a="$bet" -v b="$btt" 'BEGIN{printf "train_step eipnn_ms=%.3f torch_ms=%.3f ratio=%.2f\n", a, b, b/a}'
echo "inference eipnn_ms=$bei (energy + forces + virials of the batch, SOAP descriptors and their gradients included; soap_fwd alone ${bes} ms; no PyTorch counterpart)"
echo "spread over $rounds rounds (ms): eipnn train ${et[*]} | torch train ${tt[*]} | eipnn infer ${ei[*]}"
