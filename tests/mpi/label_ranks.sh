#!/usr/bin/env bash
# `mpirun -np N eipnn label` writes the single-process output byte for byte (N = 1, 2, 3), skipping
# a configuration that an EIP cannot handle at the same place; with --on-error stop every rank
# stops with one message and no output file. Input: mlearn Si's test set when ../shared/data has
# it, else a generated pool; one Ge configuration is put in the middle (Si potentials reject it).
# usage: label_ranks.sh TOOL MPIEXEC DATA_DIR SCRATCH
set -euo pipefail
TOOL=$1 MPIEXEC=$2 DATA=$3 WORK=$4
. "$(dirname "$0")/mpi_support.sh"
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK"

if [ -f "$DATA/mlearn-si/test.extxyz" ]; then
  cp "$DATA/mlearn-si/test.extxyz" si.extxyz
  echo "input: mlearn Si test set"
else
  echo "input: generated pool ($DATA/mlearn-si/test.extxyz is absent)"
  "$TOOL" pool --element Si --count 25 --max-atoms 32 --out si.extxyz 2>/dev/null
fi
"$TOOL" pool --element Ge --count 1 --max-atoms 16 --out ge.extxyz 2>/dev/null
# first 10 Si frames, the Ge frame, the rest: split at the 11th frame header
frames_of() {  # frames are "count line, comment, count atom lines"
  awk -v stop="$2" 'BEGIN { f = 0; left = 0 }
    left == 0 { if ($1 ~ /^[0-9]+$/) { n = $1; left = n + 2 } }
    { if ((stop > 0 && f < stop) || (stop < 0 && f >= -stop)) print; left--; if (left == 0) f++ }' "$1"
}
frames_of si.extxyz 10 > in.extxyz
cat ge.extxyz >> in.extxyz
frames_of si.extxyz -10 >> in.extxyz

eips=(--eip SW=sw:Si.sw --eip T=tersoff:Si.tersoff --threads 1)
"$TOOL" label --in in.extxyz --out one.extxyz "${eips[@]}" --on-error skip 2>/dev/null
frames=$(grep -c 'Lattice=' one.extxyz)
echo "single process: $frames frames written"
[ "$frames" -ge 2 ] || { echo "FAIL: the single-process output is too short"; exit 1; }
for n in 1 2 3; do
  run_ranks "$n" label --in in.extxyz --out ranks$n.extxyz "${eips[@]}" --on-error skip 2>/dev/null
  cmp one.extxyz ranks$n.extxyz || { echo "FAIL: $n ranks differ from one process"; exit 1; }
  echo "$n ranks: identical"
done

# --on-error stop: a nonzero exit, the message once (rank 0), no output file
for n in 1 3; do
  if run_ranks "$n" label --in in.extxyz --out stop$n.extxyz "${eips[@]}" 2>err$n.txt; then
    echo "FAIL: $n ranks: label succeeded on a Ge configuration with Si potentials"; exit 1
  fi
  count=$(grep -c 'configuration 10 ' err$n.txt || true)
  [ "$count" = 1 ] || { echo "FAIL: $n ranks: the error is reported $count times:"; cat err$n.txt; exit 1; }
  [ ! -e stop$n.extxyz ] && [ ! -e stop$n.extxyz.tmp ] || { echo "FAIL: $n ranks: stop left a file"; exit 1; }
  echo "$n ranks: stop reported once, nothing written"
done
echo "PASS"
