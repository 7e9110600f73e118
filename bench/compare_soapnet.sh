#!/usr/bin/env bash
# bench/compare soapnet [n_configs=32] [reps=5] [rounds=3]: eipnn's SOAPNet training steps against
# the identical PyTorch model on mlearn Si, with 2 threads, in one run: on energies, both from the
# same precomputed SOAP descriptors; on energies and forces, both from positions (eipnn's
# EnergyForceStep, SOAP and its tangent included, against autograd.grad with create_graph through
# tests/reference/soap_torch.py's float32 SOAP; the baseline checks the two gradients agree before
# timing). Each round runs eipnn then PyTorch (each timing the median of `reps` steps); the
# printed times are the best round of each side, the "spread" line gives every round (one round
# can be slowed by other work on a shared machine). PyTorch at its best: see
# support/compare_setup.sh. Inference (energy + forces with the SOAP descriptors computed inside
# the timed call) is printed for eipnn alone. `bench/compare soapnet 2 1 1` is a quick check that
# both sides run.
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
mapfile -t ef < <(values train_forces_ms "${e_out[@]}")
mapfile -t tf < <(values train_forces_ms "${t_out[@]}")
em=$(largest $(values rss_mb "${e_out[@]}"))
tm=$(largest $(values rss_mb "${t_out[@]}"))
emf=$(largest $(values rss_forces_mb "${e_out[@]}"))
tmf=$(largest $(values rss_forces_mb "${t_out[@]}"))
last=${e_out[-1]}
fgflop=$(get "$last" forces_dense_gflop)
sgemm=$(get "$last" sgemm_gflops)
bet=$(best "${et[@]}"); btt=$(best "${tt[@]}"); bei=$(best "${ei[@]}"); bes=$(best "${es[@]}")
bef=$(best "${ef[@]}"); btf=$(best "${tf[@]}")
awk -v a="$bet" -v b="$btt" 'BEGIN{printf "train_step eipnn_ms=%.3f torch_ms=%.3f ratio=%.2f\n", a, b, b/a}'
awk -v a="$bef" -v b="$btf" 'BEGIN{printf "train_step_forces eipnn_ms=%.2f torch_ms=%.2f ratio=%.2f\n", a, b, b/a}'
echo "inference eipnn_ms=$bei (energy + forces + virials of the batch, SOAP descriptors and their gradients included; soap_fwd alone ${bes} ms; no PyTorch counterpart)"
echo "peak_rss eipnn_mb=$em torch_mb=$tm (getrusage max RSS of each process before its force step, data and weights files included)"
echo "peak_rss_forces eipnn_mb=$emf torch_mb=$tmf (the same, the force-training step included; torch's SOAP is soap_torch.py's)"
awk -v f="$fgflop" -v t="$bef" -v g="$sgemm" 'BEGIN{printf "throughput_forces dense_gflop=%.3f achieved_gflops=%.1f eigen_sgemm_1024_gflops=%s (2 threads; dense layers only, the SOAP work not counted)\n", f, f / (t * 1e-3), g}'
echo "spread over $rounds rounds (ms): eipnn train ${et[*]} | torch train ${tt[*]} | eipnn train_forces ${ef[*]} | torch train_forces ${tf[*]} | eipnn infer ${ei[*]}"
echo "per-round ratios: train $(ratios et tt)| train_forces $(ratios ef tf)"
