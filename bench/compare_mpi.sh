#!/usr/bin/env bash
# bench/compare mpi [epochs=2] [model flags...]: MPI data-parallel training (issue 18), the epoch
# time of `eipnn train` on mlearn Si's training set (90 % of it; 10 % validates) for
#   1 rank x 1 thread (plain), 1 rank x 2 threads (plain), 2 ranks x 1 thread (mpirun)
# interleaved (each configuration once per round, two rounds, the faster round kept), the speed-up
# of each over 1 x 1, and, from the 2-rank run, the bytes each rank reduces per optimizer step (one
# int64 per parameter: parallel/exact_sum.hpp), the reduction's own time per step and the time
# spent waiting for the slower rank (the tool's closing "MPI:" line). The time is the log's
# wall-clock column of the last epoch (validation included). Model: SchNet at the paper's size
# unless flags are given.
#
# Then a cost model for many ranks (bench/support/mpi_scaling_model.py): the measured compute per
# configuration, bytes reduced and gathered per step with an alpha-beta model of the collectives,
# for 8, 64 and 512 ranks and a data set of 10^6 configurations.
set -euo pipefail
source "$(dirname "$0")/support/compare_setup.sh"
epochs=${1:-2}
shift || true
model=("$@")
[ ${#model[@]} -gt 0 ] || model=(--model schnet --features 128 --rbf 128 --interactions 5 --cutoff 5)
require_mlearn_si training
build_bench eipnn_cli
scratch_dir
eipnn=$build/bin/eipnn
command -v mpirun > /dev/null || { echo "mpirun not found (Debian: openmpi-bin)" >&2; exit 77; }
[ "$(id -u)" = 0 ] && export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
echo "# load before: $(cut -d' ' -f1-3 /proc/loadavg); data: $data; ${model[*]}; $epochs epoch(s); batch 32"

# epoch_seconds RANKS THREADS: one training, plain when RANKS is 0, else under mpirun; prints the
# last epoch's seconds; the tool's output stays in $work/train_RANKS_THREADS.txt
epoch_seconds() {
  local ranks=$1 threads=$2 out=$work/run.ckpt
  local launch=()
  [ "$ranks" -gt 0 ] && launch=(mpirun --oversubscribe -np "$ranks")
  rm -f "$out"*
  OMP_NUM_THREADS=$threads "${launch[@]}" "$eipnn" train --train "$data" --split 0.9 0.1 --epochs "$epochs" \
    --threads "$threads" --out "$out" "${model[@]}" > "$work/train_${ranks}_$threads.txt" 2>&1 ||
    { cat "$work/train_${ranks}_$threads.txt" >&2; exit 1; }
  tail -n 1 "$out.log.csv" | awk -F, '{print $NF}'
}
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a < b ? a : b) }'; }
t11=1e30 t12=1e30 t21=1e30
for round in 1 2; do
  t11=$(min "$t11" "$(epoch_seconds 0 1)")
  t12=$(min "$t12" "$(epoch_seconds 0 2)")
  t21=$(min "$t21" "$(epoch_seconds 2 1)")
done
# "MPI: 2 ranks, S steps, B bytes reduced per step; the most on any rank: reduction R s (...),
# waiting for a slower rank W s (...)" (all epochs of the last 2-rank run)
line=$(grep '^MPI:' "$work/train_2_1.txt")
steps=$(echo "$line" | sed -n 's/.* \([0-9]*\) steps.*/\1/p')
bytes=$(echo "$line" | sed -n 's/.* \([0-9]*\) bytes reduced.*/\1/p')
reduce_s=$(echo "$line" | sed -n 's/.*reduction \([0-9.e+-]*\) s.*/\1/p')
wait_s=$(echo "$line" | sed -n 's/.*slower rank \([0-9.e+-]*\) s.*/\1/p')
n_train=$(sed -n 's/^train: \([0-9]*\) configurations.*/\1/p' "$work/train_0_1.txt")
n_atoms=$(sed -n 's/^train: [0-9]* configurations (\([0-9]*\) atoms).*/\1/p' "$work/train_0_1.txt")
# a gathered configuration of n atoms (sharded_set.hpp's packing): 26 + 7 n doubles, forces included
gather_bytes=$(awk -v a="$n_atoms" -v c="$n_train" 'BEGIN { print 8 * (26 + 7 * a / c) }')
awk -v a="$t11" -v b="$t12" -v c="$t21" -v by="$bytes" -v st="$steps" -v r="$reduce_s" -v w="$wait_s" 'BEGIN {
  printf "mpi ranks=1 threads=1 epoch_s=%.3f speedup=1.00\n", a
  printf "mpi ranks=1 threads=2 epoch_s=%.3f speedup=%.2f\n", b, a / b
  printf "mpi ranks=2 threads=1 epoch_s=%.3f speedup=%.2f (target >= 1.8)\n", c, a / c
  printf "mpi reduced_bytes_per_step=%d reduction_ms_per_step=%.3f wait_ms_per_step=%.3f steps=%d\n", by, 1e3 * r / st, 1e3 * w / st, st }'
/usr/bin/python3 "$root/bench/support/mpi_scaling_model.py" --epoch-seconds "$t11" --configs "$n_train" \
  --bytes "$bytes" --gather-bytes "$gather_bytes" --measured-reduction-ms "$(awk -v r="$reduce_s" -v s="$steps" 'BEGIN { print 1e3 * r / s }')"
