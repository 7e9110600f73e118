#!/usr/bin/env bash
# bench/compare soapnet [n_configs=32] [reps=5] [rounds=3]: eipnn's SOAPNet training step against
# the identical PyTorch model on mlearn Si, both from the same precomputed SOAP descriptors and
# with 2 threads, in one run. Each round runs eipnn then PyTorch (each timing the median of `reps`
# steps); the printed times are the best round of each side, the "spread" line gives every round
# (one round can be slowed by other work on a shared machine). PyTorch at its best: see
# support/compare_setup.sh. Inference (energy + forces with the SOAP descriptors computed inside
# the timed call) has no PyTorch counterpart (the baseline has no SOAP) and is printed for eipnn
# alone. `bench/compare soapnet 2 1 1` is a quick check that both sides run.
set -euo pipefail
source "$(dirname "$0")/support/compare_setup.sh"
n=${1:-32}
reps=${2:-5}
rounds=${3:-3}
require_mlearn_si training
build_bench bench_soapnet
scratch_dir
run_rounds bench_soapnet model_torch.py "$n" "$reps" "$rounds"
mapfile -t et < <(values train_ms "${e_out[@]}")
mapfile -t ei < <(values infer_ms "${e_out[@]}")
mapfile -t es < <(values soap_ms "${e_out[@]}")
mapfile -t tt < <(values train_ms "${t_out[@]}")
bet=$(best "${et[@]}"); btt=$(best "${tt[@]}"); bei=$(best "${ei[@]}"); bes=$(best "${es[@]}")
awk -v a="$bet" -v b="$btt" 'BEGIN{printf "train_step eipnn_ms=%.3f torch_ms=%.3f ratio=%.2f\n", a, b, b/a}'
echo "inference eipnn_ms=$bei (energy + forces + virials of the batch, SOAP descriptors and their gradients included; soap_fwd alone ${bes} ms; no PyTorch counterpart)"
echo "spread over $rounds rounds (ms): eipnn train ${et[*]} | torch train ${tt[*]} | eipnn infer ${ei[*]}"
