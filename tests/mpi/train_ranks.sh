#!/usr/bin/env bash
# `mpirun -np N eipnn train` reaches the same weights, bit for bit, for N = 1, 2 and 3: the best
# checkpoint is compared byte for byte, the log (all but its wall-clock column) line for line, and
# the final weights (OUT.last, which also holds the wall-clock log) through their predictions,
# printed with 17 digits by `eipnn eval`. With 2 and 3 ranks, each rank holds only its share of the
# configurations (the banner's "configurations held").
# One run per case on 20 configurations of mlearn Si with a tiny model, 2 epochs, batches of 8
# (uneven splits over 3 ranks). Skipped without the data.
# usage: train_ranks.sh TOOL MPIEXEC DATA_DIR SCRATCH CASE   (CASE: schnet | schnet-double |
#        soapnet | soapnet-double | schnet-forces | soapnet-forces | schnet-resume)
# schnet-resume: 1 epoch on 2 ranks, then --resume to 2 epochs on 3 ranks, against 2 epochs on 1.
set -euo pipefail
TOOL=$1 MPIEXEC=$2 DATA=$3 WORK=$4 CASE=$5
. "$(dirname "$0")/mpi_support.sh"
src="$DATA/mlearn-si/test.extxyz"
[ -f "$src" ] || { echo "skipped: $src is absent"; exit 77; }
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK"

args=(--train "$src" --split 0.8 0.2 --batch-size 8 --threads 1 --cutoff 4 --features 8 --seed 7)
case "$CASE" in
  schnet*) args+=(--model schnet --rbf 8 --interactions 1) ;;
  soapnet*) args+=(--model soapnet --n-max 2 --l-max 2) ;;
  *) echo "unknown case $CASE"; exit 2 ;;
esac
case "$CASE" in *double*) args+=(--double) ;; esac
case "$CASE" in *forces*) args+=(--forces) ;; esac

if [ "$CASE" = schnet-resume ]; then
  run_ranks 1 train "${args[@]}" --epochs 2 --out w1.ckpt > out1.txt 2> err1.txt || { cat err1.txt; exit 1; }
  run_ranks 2 train "${args[@]}" --epochs 1 --out r.ckpt > /dev/null 2> err2.txt || { cat err2.txt; exit 1; }
  run_ranks 3 train "${args[@]}" --epochs 2 --resume --out r.ckpt > /dev/null 2> err3.txt || { cat err3.txt; exit 1; }
  for w in w1 r; do
    "$TOOL" eval --model $w.ckpt.last --data "$src" --out pred_$w.extxyz --threads 1 >/dev/null 2>&1
    cut -d, -f1-13 $w.ckpt.log.csv > log_$w.csv
  done
  cmp pred_w1.extxyz pred_r.extxyz || { echo "FAIL: resuming on 3 ranks after 1 epoch on 2 differs"; exit 1; }
  cmp log_w1.csv log_r.csv || { echo "FAIL: the resumed log differs"; exit 1; }
  echo "PASS: 1 epoch on 2 ranks + 1 resumed on 3 = 2 epochs on 1 rank"
  exit 0
fi

for n in 1 2 3; do
  start=$(date +%s.%N)
  run_ranks "$n" train "${args[@]}" --epochs 2 --out w$n.ckpt > out$n.txt 2> err$n.txt || { cat err$n.txt; exit 1; }
  echo "$n ranks: $(tail -n 1 out$n.txt)  ($(echo "$(date +%s.%N) - $start" | bc) s)"
  cut -d, -f1-13 w$n.ckpt.log.csv > log$n.csv  # the last column is wall-clock seconds
  "$TOOL" eval --model w$n.ckpt.last --data "$src" --out pred$n.extxyz --threads 1 >/dev/null 2>&1
  [ ! -e w$n.ckpt.tmp ] && [ ! -e w$n.ckpt.last.tmp ] || { echo "FAIL: a temporary file was left"; exit 1; }
done
# each rank holds a share of the data: "configurations held: 13, 12 of 25" (no rank holds all)
for n in 2 3; do
  held=$(grep -o 'configurations held: [0-9, ]* of [0-9]*' err$n.txt) || { echo "FAIL: $n ranks printed no shares"; exit 1; }
  echo "$n ranks: $held"
  echo "$held" | awk -v n=$n '{ sub(/configurations held: /, ""); split($0, p, " of "); total = p[2]; k = split(p[1], c, ", ");
    s = 0; for (i = 1; i <= k; ++i) { s += c[i]; if (c[i] >= total) bad = 1 } exit !(k == n && s == total && !bad) }' \
    || { echo "FAIL: the shares of $n ranks are not a partition of the data"; exit 1; }
done
for n in 2 3; do
  cmp w1.ckpt w$n.ckpt || { echo "FAIL: the weights of $n ranks differ from 1 rank"; exit 1; }
  cmp log1.csv log$n.csv || { echo "FAIL: the log of $n ranks differs from 1 rank"; exit 1; }
  cmp pred1.extxyz pred$n.extxyz || { echo "FAIL: the final weights of $n ranks differ from 1 rank"; exit 1; }
done
# only rank 0 writes: the banner and the result lines appear once
[ "$(grep -c '^best epoch' out3.txt)" = 1 ] || { echo "FAIL: 3 ranks printed the result more than once"; exit 1; }
echo "PASS: $CASE identical for 1, 2, 3 ranks"
