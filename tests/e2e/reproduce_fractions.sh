#!/usr/bin/env bash
# `eipnn reproduce --train-fractions` on mlearn Mo at smoke sizes: the learning-curve table and
# CSV (one row per fraction, method and seed, the DFT configuration counts growing with the
# fraction), the per-fraction tables, the plot; and fraction 1 gives exactly the results of the
# same run without --train-fractions (same split, same order, same seed). --methods baseline,pretrain
# runs only those two, and they equal the plain run's rows. Exit 77 without the data.
set -euo pipefail
eipnn=$1 data=$2 out=$3
if [ ! -f "$data/mlearn-mo/training.extxyz" ]; then
  echo "SKIPPED: no real data at $data (run scripts/fetch_data.sh)"
  exit 77
fi
rm -rf "$out" "$out.plain" "$out.some"
small=(--element Mo --data "$data" --quick --epochs 2 --classifier-epochs 2 --pretrain-epochs 1 --pool-size 60 --threads 2)
fail() { echo "FAIL: $*"; exit 1; }
"$eipnn" reproduce "${small[@]}" --out "$out.plain" > /dev/null 2> "$out.plain.stderr" || { cat "$out.plain.stderr"; fail "plain run"; }
"$eipnn" reproduce "${small[@]}" --out "$out" --train-fractions 1,0.3 > /dev/null 2> "$out.stderr" || { cat "$out.stderr"; fail "fractions run"; }
"$eipnn" reproduce "${small[@]}" --out "$out.some" --methods pretrain,baseline > /dev/null 2> "$out.some.stderr" || {
  cat "$out.some.stderr"; fail "--methods run"; }
grep -E '^Mo,(baseline|pretrain),' "$out.plain/results.csv" > "$out.some.want"
tail -n +2 "$out.some/results.csv" | cmp -s - "$out.some.want" || {
  diff <(tail -n +2 "$out.some/results.csv") "$out.some.want"; fail "--methods pretrain,baseline differs from the plain run's rows"; }
grep -q "| weak |" "$out.some/results.md" && fail "--methods pretrain,baseline reports weak"
for f in 0.3 1; do
  [ -s "$out/fraction_$f/results.md" ] || fail "no fraction_$f/results.md"
  grep -q "Training subset: fraction $f" "$out/fraction_$f/results.md" || fail "fraction_$f/results.md does not say its subset"
done
cmp -s "$out.plain/results.csv" "$out/fraction_1/results.csv" || {
  diff "$out.plain/results.csv" "$out/fraction_1/results.csv"; fail "fraction 1 differs from the run without subsets"; }
[ -s "$out/learning_curve.md" ] || fail "no learning_curve.md"
grep -q "| 0.3 | .* | weak |" "$out/learning_curve.md" || fail "learning_curve.md has no weak row at fraction 0.3"
/usr/bin/python3 - "$out/learning_curve.csv" <<'PY' || fail "learning_curve.csv"
import csv, math, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert list(rows[0].keys()) == ["element", "method", "seed", "train_fraction", "n_train",
                                "test_energy_mae_meV_per_atom", "test_force_mae_eV_per_A"], rows[0].keys()
assert len(rows) == 8, "want 2 fractions x 4 methods, got %d rows" % len(rows)
n = {float(r["train_fraction"]): int(r["n_train"]) for r in rows}
assert sorted(n) == [0.3, 1.0], n
assert abs(n[0.3] - round(0.3 * n[1.0])) <= 1 and n[0.3] < n[1.0], n
assert all(math.isfinite(float(r["test_energy_mae_meV_per_atom"])) for r in rows)
print("learning curve: %s DFT configurations" % sorted(n.values()))
PY
if /usr/bin/python3 -c "import matplotlib" 2>/dev/null; then
  [ -s "$out/learning_curve.png" ] || fail "no learning-curve plot"
fi
echo "reproduce --train-fractions: outputs complete, fraction 1 equals the plain run; --methods runs a subset with the same rows"
