#!/usr/bin/env bash
# bench/compare md [cells=8] [rounds=1]: molecular dynamics through the OpenKIM driver against the
# OpenKIM SNAP models fitted to the same mlearn Si data, in LAMMPS (pair_style kim, fix nve, 1 fs)
# on one diamond Si cell of 8 cells^3 atoms (8: 4,096 atoms, 43.4 Å), 1 and 2 MPI ranks:
#   <model> ranks=<n> atom_steps_per_s=... vs_qsnap=...   (quadratic SNAP on the same ranks = 1)
# then, for the eipnn models, where the driver's time goes (kim/phase_timer.hpp, EIPNN_KIM_TIMING):
# per compute and rank, KIM's lists -> pairs, make_explicit_graph, the model (ghosts included) and
# the copy back, with the ghosts' share of atoms and edges (what the ghost shell costs the model).
# Models: SchNet at the paper's size (128 features, 128 Gaussians, 5 blocks: a 25 Å ghost shell), a
# small SchNet (32, 32, 2 blocks: 10 Å), SOAPNet at the paper's size (n_max 8, l_max 6, 128 wide),
# SNAP and quadratic SNAP (Debian's openkim-models); both SchNets also with compressed filters
# (`export-kim --compress`: tabulated filters, nn/filter_table.hpp; *_compressed). eipnn weights
# come from `eipnn train --epochs 1` on 4 configurations: arbitrary, and as costly to evaluate as
# trained ones.
# Steps per run (after LAMMPS' set-up compute, which Loop time leaves out): SNAP 20, small SchNet
# and SOAPNet 3 (compressed small SchNet 6), paper SchNet 1 (about a minute per step on 4,096
# atoms; compressed 2). The rate is atoms x
# steps / LAMMPS' loop time, best of `rounds`; on a shared machine other work slows whole runs,
# and 2 ranks on 2 busy cores can be slower than 1 (the load is printed first).
set -euo pipefail
source "$(dirname "$0")/support/compare_setup.sh"
cells=${1:-8}
rounds=${2:-1}
require_mlearn_si training
build_bench eipnn_cli
scratch_dir
eipnn=$build/bin/eipnn
export KIM_API_MODEL_DRIVERS_DIR=$work/collection/md KIM_API_PORTABLE_MODELS_DIR=$work/collection/pm
export KIM_API_SIMULATOR_MODELS_DIR=$work/collection/sm TMPDIR=$work/tmp
mkdir -p "$KIM_API_MODEL_DRIVERS_DIR" "$KIM_API_PORTABLE_MODELS_DIR" "$KIM_API_SIMULATOR_MODELS_DIR" "$TMPDIR"
export OMP_NUM_THREADS=1  # one process per core: MPI ranks, as in production MD
snap=SNAP_ZuoChenLi_2019_Si__MO_869330304805_000
qsnap=SNAP_ZuoChenLi_2019quadratic_Si__MO_721469752060_000
installed=$(kim-api-collections-management list)
for m in $snap $qsnap; do
  grep -q "$m" <<< "$installed" || { echo "$m not installed (Debian: openkim-models)" >&2; exit 77; }
done
command -v lmp > /dev/null && command -v mpirun > /dev/null || { echo "lmp or mpirun not found" >&2; exit 77; }

# the eipnn models: name, steps, training flags
declare -A flags=(
  [schnet_paper]="--model schnet --features 128 --rbf 128 --interactions 5"
  [schnet_small]="--model schnet --features 32 --rbf 32 --interactions 2"
  [soapnet_paper]="--model soapnet --n-max 8 --l-max 6 --features 128"
)
declare -A steps=([schnet_paper]=1 [schnet_small]=3 [soapnet_paper]=3 [$snap]=20 [$qsnap]=20
                  [schnet_small_compressed]=6 [schnet_paper_compressed]=2)
order="$qsnap $snap schnet_small schnet_small_compressed soapnet_paper schnet_paper schnet_paper_compressed"
/usr/bin/python3 -c "
from ase.io import read, write
write('$work/train.extxyz', read('$data', ':4'))" 2> /dev/null
installed_driver=
for m in schnet_small soapnet_paper schnet_paper; do
  # shellcheck disable=SC2086
  "$eipnn" train --train "$work/train.extxyz" --split 0.75 0.25 --epochs 1 --threads 2 --out "$work/$m.ckpt" \
    ${flags[$m]} > /dev/null 2>&1
  "$eipnn" export-kim --model "$work/$m.ckpt" --name "bench_$m" --out "$work/items" > /dev/null
  if [ -z "$installed_driver" ]; then
    kim-api-collections-management install environment "$work/items/eipnn_model_driver" > /dev/null
    installed_driver=1
  fi
  kim-api-collections-management install environment "$work/items/bench_$m" > /dev/null
  case $m in
    schnet*)
      "$eipnn" export-kim --model "$work/$m.ckpt" --compress --name "bench_${m}_compressed" --out "$work/items" > /dev/null
      kim-api-collections-management install environment "$work/items/bench_${m}_compressed" > /dev/null ;;
  esac
done

kim_name() { case $1 in SNAP*) echo "$1" ;; *) echo "bench_$1" ;; esac; }
# run_md MODEL RANKS: LAMMPS' loop time (s) on stdout; the driver's timing lines in $work/timing.txt
run_md() {
  local m=$1 ranks=$2 dir=$work/run_$1_$2
  mkdir -p "$dir"
  cat > "$dir/in.lmp" << IN
kim init $(kim_name "$m") metal
lattice diamond 5.43
region box block 0 $cells 0 $cells 0 $cells
create_box 1 box
create_atoms 1 box
mass 1 28.0855
kim interactions Si
velocity all create 300.0 4928459 mom yes rot yes dist gaussian
timestep 0.001
fix 1 all nve
thermo ${steps[$m]}
run ${steps[$m]}
IN
  (cd "$dir" && EIPNN_KIM_TIMING=1 mpirun --allow-run-as-root --oversubscribe -np "$ranks" \
     lmp -in in.lmp -nocite -screen none -log log.lammps 2> stderr.txt) ||
    { echo "LAMMPS failed for $m on $ranks ranks:" >&2; tail -5 "$dir/log.lammps" "$dir/stderr.txt" >&2; exit 1; }
  grep '^eipnn_kim_timing' "$dir/stderr.txt" | sed "s/^/$m $ranks /" >> "$work/timing.txt" || true
  awk '/^Loop time of/ { print $4 }' "$dir/log.lammps"
}

atoms=$((8 * cells * cells * cells))
echo "# $(getconf _NPROCESSORS_ONLN) cores; load: $(uptime | sed 's/.*load average: //'); $atoms Si atoms; best of $rounds round(s)"
declare -A rate
for ranks in 1 2; do
  for m in $order; do
    best_s=
    for ((r = 0; r < rounds; ++r)); do
      s=$(run_md "$m" "$ranks")
      best_s=$(printf '%s\n' $best_s "$s" | sort -g | head -1)
    done
    rate[$m.$ranks]=$(awk -v a="$atoms" -v n="${steps[$m]}" -v s="$best_s" 'BEGIN { printf "%.4g", a * n / s }')
  done
  for m in $order; do
    awk -v m="$m" -v r="$ranks" -v x="${rate[$m.$ranks]}" -v q="${rate[$qsnap.$ranks]}" -v n="${steps[$m]}" \
      'BEGIN { printf "%s ranks=%d atom_steps_per_s=%s vs_qsnap=%.3g (%d steps)\n", m, r, x, x / q, n }'
  done
done
echo "# where the eipnn driver's time goes, per compute, mean over ranks (ms; the last round of each)"
awk '{ key = $1 " ranks=" $2; for (i = 4; i <= NF; ++i) { split($i, kv, "="); sum[key, kv[1]] += kv[2]; } n[key]++; keys[key] = 1 }
     END { for (k in keys) {
             c = sum[k, "contributing"] / n[k]; g = sum[k, "ghosts"] / n[k]
             e0 = sum[k, "edges_contributing"] / n[k]; e1 = sum[k, "edges_ghost"] / n[k]
             printf "%s neighbors_ms=%.3g graph_ms=%.3g model_ms=%.4g output_ms=%.3g atoms=%.0f ghosts=%.0f (%.0f%% of atoms) edges=%.0f (%.0f%% centred on ghosts)\n",
               k, sum[k, "neighbors_ms"] / n[k], sum[k, "graph_ms"] / n[k], sum[k, "model_ms"] / n[k],
               sum[k, "output_ms"] / n[k], c, g, 100 * g / (c + g), e0 + e1, 100 * e1 / (e0 + e1) } }' \
  "$work/timing.txt" | sort
