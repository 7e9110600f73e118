#!/usr/bin/env bash
# bench/compare schnet [n_configs=32] [reps=5] [rounds=3]: eipnn's SchNet against the identical
# PyTorch model on mlearn Si, both with 2 threads, in one run: a training step on energies, a
# training step on energies and forces (eipnn's EnergyForceStep against autograd.grad with
# create_graph; the baseline checks the two gradients agree before timing), and energy + forces
# inference, exact and through compressed filters (the PyTorch side of the latter is the same
# uncompressed inference), then eipnn's per-phase profile of the three (profile lines). Each
# round runs eipnn then PyTorch (each timing the median of `reps` steps); the printed times are
# the best round of each side and the "spread" lines give every round, because on a shared
# machine one round can be slowed by other work. PyTorch at its best
# and eipnn from the standard bench build: see support/compare_setup.sh. `bench/compare schnet 2
# 1 1` is a quick check that both sides run.
set -euo pipefail
source "$(dirname "$0")/support/compare_setup.sh"
n=${1:-32}
reps=${2:-5}
rounds=${3:-3}
require_mlearn_si training
build_bench bench_schnet
scratch_dir
run_rounds bench_schnet model_torch.py "$n" "$reps" "$rounds"
mapfile -t et < <(values train_ms "${e_out[@]}")
mapfile -t ei < <(values infer_ms "${e_out[@]}")
mapfile -t ec < <(values infer_compressed_ms "${e_out[@]}")
mapfile -t tt < <(values train_ms "${t_out[@]}")
mapfile -t ti < <(values infer_ms "${t_out[@]}")
mapfile -t ef < <(values train_forces_ms "${e_out[@]}")
mapfile -t tf < <(values train_forces_ms "${t_out[@]}")
em=$(largest $(values rss_mb "${e_out[@]}"))
tm=$(largest $(values rss_mb "${t_out[@]}"))
emf=$(largest $(values rss_forces_mb "${e_out[@]}"))
tmf=$(largest $(values rss_forces_mb "${t_out[@]}"))
last=${e_out[-1]}
gflop=$(get "$last" step_gflop)
fgflop=$(get "$last" forces_gflop)
igflop=$(get "$last" infer_gflop)
# the sgemm ceilings, each the best of its rounds: Eigen's GEMM and eipnn's gemm (its AVX-512
# kernel where it exists) in eipnn's process, the system BLAS through torch.mm (OpenBLAS on Debian)
# in the baseline's; item 1 of issue 19 reads the rates against the best of them
sgemm=$(largest $(values sgemm_gflops "${e_out[@]}"))
eigen_sgemm=$(largest $(values eigen_sgemm_gflops "${e_out[@]}"))
eipnn_sgemm=$(largest $(values eipnn_sgemm_gflops "${e_out[@]}"))
tsgemm=$(largest $(values sgemm_gflops "${t_out[@]}"))
best_sgemm=$(largest "$sgemm" "$tsgemm")
bet=$(best "${et[@]}"); bei=$(best "${ei[@]}"); btt=$(best "${tt[@]}"); bti=$(best "${ti[@]}")
bec=$(best "${ec[@]}")
bef=$(best "${ef[@]}"); btf=$(best "${tf[@]}")
awk -v a="$bet" -v b="$btt" 'BEGIN{printf "train_step eipnn_ms=%.2f torch_ms=%.2f ratio=%.2f\n", a, b, b/a}'
awk -v a="$bef" -v b="$btf" 'BEGIN{printf "train_step_forces eipnn_ms=%.2f torch_ms=%.2f ratio=%.2f\n", a, b, b/a}'
awk -v a="$bei" -v b="$bti" 'BEGIN{printf "inference eipnn_ms=%.2f torch_ms=%.2f ratio=%.2f\n", a, b, b/a}'
# eipnn through compressed filters (nn/filter_table.hpp) against the same uncompressed PyTorch inference
awk -v a="$bec" -v b="$bti" 'BEGIN{printf "inference_compressed eipnn_ms=%.2f torch_ms=%.2f ratio=%.2f\n", a, b, b/a}'
echo "peak_rss eipnn_mb=$em torch_mb=$tm (getrusage max RSS of each process before its force step, data and weights files included)"
echo "peak_rss_forces eipnn_mb=$emf torch_mb=$tmf (the same, the force-training step included)"
echo "sgemm_1024 eigen_gflops=$eigen_sgemm eipnn_gemm_gflops=$eipnn_sgemm system_blas_gflops=$tsgemm best_gflops=$best_sgemm (2 threads; system BLAS through torch.mm)"
for row in "throughput $gflop $bet" "throughput_forces $fgflop $bef" "throughput_inference $igflop $bei"; do
  set -- $row
  awk -v name="$1" -v f="$2" -v t="$3" -v g="$best_sgemm" \
    'BEGIN{printf "%s step_gflop=%.3f achieved_gflops=%.1f of_best_sgemm=%.0f%%\n", name, f, f / (t * 1e-3), 100 * f / (t * 1e-3) / g}'
done
# where the time goes, from the round with the fastest training step (bench_schnet records the
# steps again by phase: core/phase_profile.hpp); GEMM phases give their rate against the sgemm line
for ((k = 0; k < ${#et[@]}; ++k)); do [ "${et[k]}" = "$bet" ] && { echo "${e_out[k]}" | grep '^profile' || true; break; }; done
echo "spread over $rounds rounds (ms): eipnn train ${et[*]} | torch train ${tt[*]} | eipnn train_forces ${ef[*]} | torch train_forces ${tf[*]} | eipnn infer ${ei[*]} | torch infer ${ti[*]} | eipnn infer_compressed ${ec[*]}"
echo "per-round ratios: train $(ratios et tt)| train_forces $(ratios ef tf)| inference $(ratios ei ti)| inference_compressed $(ratios ec ti)"
