#!/usr/bin/env bash
# Force training on the real DFT sets (issue 14's accuracy table): for each model, element and
# seed, `eipnn train --forces` on mlearn's training split (a seeded 10 % of it for validation,
# which alone picks the checkpoint), then `eipnn eval` on the test split; the SNAP and quadratic
# SNAP models fitted to the same data are evaluated in the same run (scripts/snap_baseline.py).
# Writes OUT/table.md (mean ± std over seeds of the test energy and force MAE, wall time per
# model) and OUT/runs.csv.
#   scripts/train_forces_mlearn.sh [OUT]          (default out/train_forces_mlearn)
# Environment: EIPNN_MODELS (default "soapnet schnet"), EIPNN_ELEMENTS ("Si Ge Mo"), EIPNN_SEEDS
# ("1 2 3"), EIPNN_LANES (runs side by side, one thread each; default 2; another instance on the
# same OUT adds lanes: each run is claimed by one), EIPNN_EXTRA_FLAGS (added
# to every train command, e.g. "--epochs 60"), EIPNN_SCHNET_FLAGS (default: the paper's sizes).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out=${1:-out/train_forces_mlearn}
build=${EIPNN_BUILD:-build-main}
models=${EIPNN_MODELS:-soapnet schnet}
elements=${EIPNN_ELEMENTS:-Si Ge Mo}
seeds=${EIPNN_SEEDS:-1 2 3}
lanes=${EIPNN_LANES:-2}
extra=${EIPNN_EXTRA_FLAGS:-}
data=${EIPNN_DATA:-$root/../shared/data}
eipnn=${EIPNN_TOOL:-$build/bin/eipnn}

if [ -z "${EIPNN_TOOL:-}" ]; then
  bash scripts/install_deps.sh
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DEIPNN_BUILD_TESTS=OFF -DEIPNN_BUILD_BENCH=OFF >/dev/null
  cmake --build "$build" --target eipnn_cli -j 2 >/dev/null
fi
bash scripts/fetch_data.sh --dest "$data" --elements "$elements"
mkdir -p "$out"

one_run() {  # model element seed
  local model=$1 el=$2 seed=$3 lower
  lower=$(echo "$el" | tr 'A-Z' 'a-z')
  local tag="${model}_${lower}_seed${seed}" dir="$data/mlearn-$lower"
  [ -s "$out/$tag.test.json" ] && return 0  # finished earlier: a rerun continues where it stopped
  # claimed by another instance of this script on the same OUT (one more lane started later); a
  # lock left by a killed run is removed by hand (rmdir OUT/*.lock)
  mkdir "$out/$tag.lock" 2>/dev/null || return 0
  trap 'rmdir "$out/$tag.lock"' RETURN
  local resume=()
  [ -f "$out/$tag.ckpt.last" ] && resume=(--resume)
  "$eipnn" train --model "$model" --train "$dir/training.extxyz" --split 0.9 0.1 --forces --seed "$seed" \
    --threads 1 --out "$out/$tag.ckpt" "${resume[@]}" $extra \
    $([ "$model" = schnet ] && echo "${EIPNN_SCHNET_FLAGS:-}") > "$out/$tag.train.log" 2>&1 || return 1
  "$eipnn" eval --model "$out/$tag.ckpt" --data "$dir/test.extxyz" --threads 1 --json > "$out/$tag.test.json.tmp" || return 1
  mv "$out/$tag.test.json.tmp" "$out/$tag.test.json"
}
export -f one_run
export out data eipnn extra

jobs_file="$out/jobs.txt"
: > "$jobs_file"
for model in $models; do for el in $elements; do for seed in $seeds; do
  echo "$model $el $seed" >> "$jobs_file"
done; done; done
echo "== $(wc -l < "$jobs_file") training runs, $lanes side by side"
xargs -P "$lanes" -L 1 bash -c 'one_run "$0" "$1" "$2" && echo "done: $0 $1 seed $2"' < "$jobs_file"

echo "== SNAP and quadratic SNAP through LAMMPS (same data)"
for el in $elements; do
  lower=$(echo "$el" | tr 'A-Z' 'a-z')
  /usr/bin/python3 scripts/snap_baseline.py "$el" "$data/mlearn-$lower/test.extxyz" --json > "$out/snap_$lower.json" ||
    echo "note: SNAP baseline unavailable for $el (ase, lmp or the KIM models missing)"
done
/usr/bin/python3 scripts/force_table.py "$out" --models "$models" --elements "$elements" --seeds "$seeds" | tee "$out/table.md"
