#!/usr/bin/env bash
# Faults under mpirun: data that a rank cannot read stops the whole job (no rank waits forever)
# with a message that names the rank; a bad flag, the same on every rank, is reported once.
# usage: fault_ranks.sh TOOL MPIEXEC SCRATCH
set -euo pipefail
TOOL=$1 MPIEXEC=$2 WORK=$3
. "$(dirname "$0")/mpi_support.sh"
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK"

# (a job that hangs instead of stopping fails through the timeout)
if timeout 120 "$MPIEXEC" --oversubscribe -np 2 "$TOOL" train --train missing.extxyz --out w.ckpt 2> err.txt; then
  echo "FAIL: training on a missing file succeeded"; exit 1
fi
grep -q 'error on rank [01] of 2: .*missing.extxyz' err.txt || { echo "FAIL: no message naming the rank:"; cat err.txt; exit 1; }
[ ! -e w.ckpt ] && [ ! -e w.ckpt.last ] || { echo "FAIL: a checkpoint was written"; exit 1; }
echo "unreadable data: stopped, rank named"

"$TOOL" pool --element Si --count 4 --max-atoms 8 --out pool.extxyz 2>/dev/null
if run_ranks 3 train --train pool.extxyz --out w.ckpt --epochs 0 2> err2.txt; then
  echo "FAIL: --epochs 0 was accepted"; exit 1
fi
[ "$(grep -c -- '--epochs must be at least 1' err2.txt)" = 1 ] || { echo "FAIL: the flag error is not reported once:"; cat err2.txt; exit 1; }
echo "bad flag: reported once"
echo "PASS"
