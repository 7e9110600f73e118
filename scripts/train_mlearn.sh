#!/usr/bin/env bash
# Trains and evaluates a model (SchNet by default, EIPNN_MODEL=soapnet for SOAPNet) on each real DFT set (mlearn Si, Ge, Mo: training split, a
# validation part taken from it; the test split for the errors), beside the SNAP and quadratic
# SNAP models fitted to the same data, evaluated in the same run through LAMMPS `pair_style kim`.
#   scripts/train_mlearn.sh [OUT]    (default out/train_mlearn)
# Sizes: EIPNN_MODEL_FLAGS (default: the paper's SchNet scaled to 64 features, 64 Gaussians,
# 3 interactions for 2 cores), EIPNN_EPOCHS (default 60); the paper's:
#   EIPNN_MODEL_FLAGS="--features 128 --rbf 128 --interactions 5" EIPNN_EPOCHS=100
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out=${1:-out/train_mlearn}
build=${EIPNN_BUILD:-build-main}
epochs=${EIPNN_EPOCHS:-60}
model=${EIPNN_MODEL:-schnet}
model_flags=${EIPNN_MODEL_FLAGS:---features 64 --rbf 64 --interactions 3 --head-hidden 64}
elements=${EIPNN_ELEMENTS:-Si Ge Mo}
data=${EIPNN_DATA:-$root/../shared/data}

bash scripts/install_deps.sh
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DEIPNN_BUILD_TESTS=OFF -DEIPNN_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" --target eipnn_cli -j 2 >/dev/null
bash scripts/fetch_data.sh --dest "$data" --elements "$elements"
mkdir -p "$out"
summary="$out/summary.txt"
: > "$summary"
for el in $elements; do
  lower=$(echo "$el" | tr 'A-Z' 'a-z')
  dir="$data/mlearn-$lower"
  echo "== $el: $model ($model_flags, $epochs epochs)"
  "$build/bin/eipnn" train --model "$model" --train "$dir/training.extxyz" --split 0.9 0.1 --out "$out/${model}_$lower.ckpt" \
      --epochs "$epochs" $model_flags --seed 42
  "$build/bin/eipnn" eval --model "$out/${model}_$lower.ckpt" --data "$dir/test.extxyz" --json > "$out/test_$lower.json"
  mae=$(/usr/bin/python3 -c "import json,sys; print('%.2f' % json.load(open(sys.argv[1]))['energy_mae_meV_per_atom'])" "$out/test_$lower.json")
  sec=$(/usr/bin/python3 -c "import csv,sys; r=list(csv.DictReader(open(sys.argv[1]))); print('%.1f' % (sum(float(x['seconds']) for x in r)/len(r)))" "$out/${model}_$lower.ckpt.log.csv")
  snap=$(/usr/bin/python3 scripts/snap_baseline.py "$el" "$dir/test.extxyz" | tr '\n' ' ' || true)
  echo "$el $model test_mae_meV_per_atom=$mae s_per_epoch=$sec epochs=$epochs | $snap" | tee -a "$summary"
done
cat "$summary"
