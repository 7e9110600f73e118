#!/usr/bin/env bash
# The installed `eipnn` on its own. Copies the install prefix to a scratch folder outside the
# build and source trees (so neither can be reached from the binary's location or the current
# directory), then, from there: `eipnn pool`, made-up energies added to the pool, one tiny epoch
# of `eipnn train`, and the learning-curve PNG that train draws with its installed plotting
# script (checked only where Debian's python3 has matplotlib). Also: no source path compiled in,
# and EIPNN_DATA is the data folder `eipnn reproduce` looks in.
# usage: installed_tool.sh PREFIX SOURCE_DIR
set -euo pipefail
prefix=$1
source_dir=$2
[ -x "$prefix/bin/eipnn" ] || { echo "no $prefix/bin/eipnn: build the tool (EIPNN_BUILD_TOOL) before install.into_prefix" >&2; exit 1; }
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cp -a "$prefix" "$scratch/prefix"
tool=$scratch/prefix/bin/eipnn
cd "$scratch"
unset EIPNN_SCRIPT_DIR EIPNN_DATA

fail() { echo "FAIL: $*" >&2; exit 1; }
# the paths of the source tree a build used to compile in; their absence is what makes the
# prefix relocatable
for p in "$source_dir/scripts" "$(cd "$source_dir/.." && pwd)/shared"; do
  ! grep -qaF "$p" "$tool" || fail "the installed binary contains $p"
done

"$tool" pool --element Si --count 12 --min-atoms 8 --max-atoms 8 --seed 7 --out pool.extxyz 2> pool.err ||
  { cat pool.err >&2; fail "eipnn pool"; }
# energy= on each frame's comment line: -4.6 eV/atom plus a small per-frame offset, enough for
# one epoch of training to run (the values mean nothing)
awk 'state == 0 { n = $1; print; state = 1; next }
     state == 1 { printf "%s energy=%.6f\n", $0, -4.6 * n + 0.013 * (f++ % 5); left = n; state = 2; next }
     { print; if (--left == 0) state = 0 }' pool.extxyz > labelled.extxyz
[ "$(grep -c 'energy=' labelled.extxyz)" -eq 12 ] || fail "labelling the pool"

"$tool" train --train labelled.extxyz --split 0.75 0.25 --out model.ckpt --epochs 1 --features 8 --rbf 8 \
  --interactions 1 --head-hidden 8 --batch-size 4 --threads 1 > train.out 2> train.err ||
  { cat train.err >&2; fail "eipnn train"; }
[ -s model.ckpt ] || fail "no checkpoint"
[ -s model.ckpt.log.csv ] || fail "no training log"
! grep -q "not found (looked in" train.err || { cat train.err >&2; fail "the installed tool did not find its plotting script"; }
if /usr/bin/python3 -c "import matplotlib" 2> /dev/null; then
  [ -s model.ckpt.curves.png ] || { cat train.err >&2; fail "no learning-curve PNG"; }
  grep -q "^learning curves: model.ckpt.curves.png" train.err || fail "no 'learning curves:' line"
  echo "learning curves drawn by the installed plotting script"
else
  echo "note: Debian's python3 has no matplotlib: PNG check skipped"
fi

# data folder from the environment: the error names the folder EIPNN_DATA gave
missing=$scratch/no-such-data
if EIPNN_DATA=$missing "$tool" reproduce --element Si --out repro --quick > /dev/null 2> repro.err; then
  fail "eipnn reproduce ran without data"
fi
grep -qF "$missing/mlearn-si/training.extxyz" repro.err || { cat repro.err >&2; fail "EIPNN_DATA not used"; }
echo "installed eipnn: pool, train, plot and data lookup work from a relocated prefix"
