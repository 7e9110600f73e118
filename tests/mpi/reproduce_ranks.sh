#!/usr/bin/env bash
# `mpirun -np N eipnn reproduce` gives the same table for N = 1, 2 and 3: every method (the
# classifier runs whole on each rank, every other training splits its batches over the ranks)
# on mlearn Si with a tiny SchNet, a small pool and two alphas; results.csv and every checkpoint
# are compared byte for byte, and only rank 0 prints the table. Skipped without the data.
# usage: reproduce_ranks.sh TOOL MPIEXEC DATA_DIR SCRATCH
set -euo pipefail
TOOL=$1 MPIEXEC=$2 DATA=$3 WORK=$4
. "$(dirname "$0")/mpi_support.sh"
[ -f "$DATA/mlearn-si/training.extxyz" ] || { echo "skipped: $DATA/mlearn-si is absent"; exit 77; }
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK"

args=(--element Si --data "$DATA" --quick --seeds 1 --threads 1 --features 8 --rbf 8 --interactions 1 --cutoff 4
      --epochs 2 --classifier-epochs 2 --pretrain-epochs 1 --pool-size 24 --alphas 0.5,2)
for n in 1 2 3; do
  run_ranks "$n" reproduce "${args[@]}" --out r$n > out$n.txt 2> err$n.txt || { cat err$n.txt; exit 1; }
done
[ -s r1/results.csv ] || { echo "FAIL: no results.csv"; exit 1; }
for n in 2 3; do
  cmp r1/results.csv r$n/results.csv || { echo "FAIL: the table of $n ranks differs from 1 rank"; exit 1; }
  for c in r1/seed0/*.ckpt; do
    cmp "$c" "r$n/seed0/$(basename "$c")" || { echo "FAIL: $(basename "$c") of $n ranks differs from 1 rank"; exit 1; }
  done
done
# the ranks split the trainings (parallel/distributed_step.hpp: exact sums per configuration), which
# is not the plain path's arithmetic: without mpirun the baseline's weights differ in their last bits
"$TOOL" reproduce "${args[@]}" --out plain > /dev/null 2>&1
! cmp -s plain/seed0/baseline.ckpt r1/seed0/baseline.ckpt || { echo "FAIL: the MPI run took the plain path"; exit 1; }
# only rank 0 prints: the table's header line appears once
[ "$(grep -c '^| method' out3.txt)" = 1 ] || { echo "FAIL: 3 ranks printed the table more than once"; exit 1; }
echo "PASS: reproduce identical for 1, 2, 3 ranks ($(ls r1/seed0/*.ckpt | wc -l) checkpoints)"
