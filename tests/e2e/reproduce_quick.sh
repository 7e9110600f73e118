#!/usr/bin/env bash
# `eipnn reproduce --quick [--model M]` on mlearn Mo, then checks what it wrote: the table as
# Markdown, the CSV with one row per method and the required columns, the bar chart, and training
# logs whose loss went down. Exit 77 (skipped) without the real data.
set -euo pipefail
eipnn=$1 data=$2 out=$3 model=${4:-schnet}
if [ ! -f "$data/mlearn-mo/training.extxyz" ]; then
  echo "SKIPPED: no real data at $data (run scripts/fetch_data.sh)"
  exit 77
fi
rm -rf "$out"
"$eipnn" reproduce --element Mo --model "$model" --data "$data" --out "$out" --quick --threads 2 > "$out.stdout" 2> "$out.stderr" || {
  cat "$out.stderr"; exit 1; }
fail() { echo "FAIL: $*"; exit 1; }
[ -s "$out/results.md" ] || fail "no results.md"
grep -q "| baseline |" "$out/results.md" || fail "results.md has no baseline row"
grep -q "^# Mo ($model)" "$out/results.md" || fail "results.md does not name the model $model"
head -1 "$out/results.csv" | grep -qx "element,method,seed,test_energy_mae_meV_per_atom,test_force_mae_eV_per_A" || fail "CSV header"
for m in baseline weak pretrain both; do
  # trained on energies only: the force column is empty
  grep -qE "^Mo,$m,0,[0-9.]+(e[-+]?[0-9]+)?,$" "$out/results.csv" || fail "CSV has no finite $m row"
done
[ "$(wc -l < "$out/results.csv")" -eq 5 ] || fail "CSV should have a header and 4 rows"
if /usr/bin/python3 -c "import matplotlib" 2>/dev/null; then
  [ -s "$out/results.png" ] || fail "no bar chart"
fi
# the baseline's training loss went down from the first epoch to the last
/usr/bin/python3 - "$out/seed0/baseline.ckpt.log.csv" <<'PY' || fail "baseline training did not reduce the loss"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
first, last = float(rows[0]["train_loss"]), float(rows[-1]["train_loss"])
print("baseline train loss %.4g -> %.4g over %d epochs" % (first, last, len(rows)))
sys.exit(0 if last < first else 1)
PY
# `eipnn eval` reads the checkpoint reproduce wrote (any model kind) and finds the test MAE that
# reproduce reported for the baseline (both evaluate the best checkpoint in double)
"$eipnn" eval --model "$out/seed0/baseline.ckpt" --data "$data/mlearn-mo/test.extxyz" --json --threads 2 \
  --out "$out/baseline_test_pred.extxyz" > "$out/eval.json" 2> "$out/eval.stderr" || { cat "$out/eval.stderr"; fail "eval failed"; }
/usr/bin/python3 - "$out/eval.json" "$out/results.csv" "$model" "$out/baseline_test_pred.extxyz" <<'PY' || fail "eval disagrees with reproduce"
import csv, json, math, sys
j = json.load(open(sys.argv[1]))
assert j["model_kind"] == sys.argv[3], "eval read a %s, reproduce wrote a %s" % (j["model_kind"], sys.argv[3])
row = [r for r in csv.DictReader(open(sys.argv[2])) if r["method"] == "baseline"][0]
want, got = float(row["test_energy_mae_meV_per_atom"]), j["energy_mae_meV_per_atom"]
assert abs(got - want) <= 1e-5 * abs(want), "eval MAE %.9g vs reproduce %.9g" % (got, want)
assert math.isfinite(j["force_mae_eV_per_A"]), "no force error"
text = open(sys.argv[4]).read()
assert "energy_eipnn" in text and "forces_eipnn" in text and "virial_eipnn" in text, "predictions incomplete"
print("eval of the %s baseline checkpoint: %.4f meV/atom (reproduce: %.4f), forces %.4f eV/A" % (
    sys.argv[3], got, want, j["force_mae_eV_per_A"]))
PY
echo "reproduce --quick Mo ($model): outputs complete"
