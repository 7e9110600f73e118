#!/usr/bin/env bash
# `mpirun -np N eipnn reproduce` gives the same table for N = 1, 2 and 3: every method (the
# classifier runs whole batches on each rank, every other training splits its batches over the
# ranks) on mlearn Si with a tiny SchNet, a small pool and two alphas; results.csv and every
# checkpoint are compared byte for byte, and only rank 0 prints the table. Each rank holds a share
# of the training file, the test set and the pool (the banner's "configurations held"), never all.
# CASE forces: trained on DFT energies and forces, weak labels with the EIP's forces; soapnet: a
# tiny SOAPNet instead of SchNet.
# usage: reproduce_ranks.sh TOOL MPIEXEC DATA_DIR SCRATCH [energy|forces|soapnet]
set -euo pipefail
TOOL=$1 MPIEXEC=$2 DATA=$3 WORK=$4 CASE=${5:-energy}
. "$(dirname "$0")/mpi_support.sh"
[ -f "$DATA/mlearn-si/training.extxyz" ] || { echo "skipped: $DATA/mlearn-si is absent"; exit 77; }
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK"

args=(--element Si --data "$DATA" --quick --seeds 1 --threads 1 --features 8 --rbf 8 --interactions 1 --cutoff 4
      --epochs 2 --classifier-epochs 2 --pretrain-epochs 1 --pool-size 24 --alphas 0.5,2)
case $CASE in
  energy) ;;
  forces) args+=(--forces --weak-forces) ;;
  soapnet) args+=(--model soapnet --n-max 3 --l-max 2) ;;
  *) echo "unknown case $CASE"; exit 2 ;;
esac
for n in 1 2 3; do
  run_ranks "$n" reproduce "${args[@]}" --out r$n > out$n.txt 2> err$n.txt || { cat err$n.txt; exit 1; }
done
[ -s r1/results.csv ] || { echo "FAIL: no results.csv"; exit 1; }
# the weak-label path ran (pool items appended to the sharded training set)
weak=$(grep -o 'weak labels: [0-9]* of' err1.txt | grep -o '[0-9]*' | head -1)
[ "${weak:-0}" -gt 0 ] || { echo "FAIL: no weak labels, the strategy-1 path did not run"; exit 1; }
for n in 2 3; do
  cmp r1/results.csv r$n/results.csv || { echo "FAIL: the table of $n ranks differs from 1 rank"; exit 1; }
  for c in r1/seed0/*.ckpt; do
    cmp "$c" "r$n/seed0/$(basename "$c")" || { echo "FAIL: $(basename "$c") of $n ranks differs from 1 rank"; exit 1; }
  done
done
# "configurations held: training 81, 81 of 162; test 13, 12 of 25; pool 12, 12 of 24": each a
# partition over the n ranks in which no rank holds all
for n in 2 3; do
  line=$(grep -o 'configurations held: .*' err$n.txt) || { echo "FAIL: $n ranks printed no shares"; exit 1; }
  echo "$n ranks: $line"
  for part in training test pool; do
    share=$(echo "$line" | grep -o "$part [0-9, ]* of [0-9]*") || { echo "FAIL: no $part shares"; exit 1; }
    echo "$share" | awk -v n=$n '{ sub(/^[a-z]+ /, ""); split($0, p, " of "); total = p[2]; k = split(p[1], c, ", ");
      s = 0; for (i = 1; i <= k; ++i) { s += c[i]; if (c[i] >= total) bad = 1 } exit !(k == n && s == total && !bad) }' \
      || { echo "FAIL: the $part shares of $n ranks are not a partition ($share)"; exit 1; }
  done
done
# the ranks split the trainings (parallel/distributed_step.hpp: exact sums per configuration), which
# is not the plain path's arithmetic: without mpirun the baseline's weights differ in their last bits
"$TOOL" reproduce "${args[@]}" --out plain > /dev/null 2>&1
! cmp -s plain/seed0/baseline.ckpt r1/seed0/baseline.ckpt || { echo "FAIL: the MPI run took the plain path"; exit 1; }
# only rank 0 prints: the table's header line appears once
[ "$(grep -c '^| method' out3.txt)" = 1 ] || { echo "FAIL: 3 ranks printed the table more than once"; exit 1; }
echo "PASS: reproduce ($CASE) identical for 1, 2, 3 ranks ($(ls r1/seed0/*.ckpt | wc -l) checkpoints)"
