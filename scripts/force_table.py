#!/usr/bin/python3
"""The table of scripts/train_forces_mlearn.sh: test energy and force MAE per model and element,
mean ± std over seeds (sample std), the training wall time, beside SNAP / quadratic SNAP measured
in the same run (snap_<el>.json) and the published GAP / MTP figures (Zuo et al., J. Phys. Chem.
A 124, 731 (2020), test sets of the same splits).

  force_table.py OUT --models "soapnet schnet" --elements "Si Ge Mo" --seeds "1 2 3"

Also writes OUT/runs.csv (one row per run)."""
import argparse
import csv
import json
import os
import statistics

PUBLISHED = {  # energy meV/atom, force eV/Å: GAP, MTP
    "Si": {"GAP": (2.91, 0.07), "MTP": (2.21, 0.06)},
    "Ge": {"GAP": (2.06, 0.05), "MTP": (1.79, 0.05)},
    "Mo": {"GAP": (2.24, 0.09), "MTP": (2.83, 0.09)},
}


def mean_std(values):
    if not values:
        return "—"
    if len(values) == 1:
        return "%.3g" % values[0]
    return "%.3g ± %.2g" % (statistics.mean(values), statistics.stdev(values))


def snap_value(snap, kind, quantity):
    """A SNAP figure from snap_baseline.py's JSON, whatever the exact key spelling."""
    for key, value in snap.items():
        if key.startswith(kind + "_") and quantity in key and isinstance(value, (int, float)):
            return value
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--models", default="soapnet schnet")
    ap.add_argument("--elements", default="Si Ge Mo")
    ap.add_argument("--seeds", default="1 2 3")
    a = ap.parse_args()
    models, elements, seeds = a.models.split(), a.elements.split(), a.seeds.split()
    rows = []
    for model in models:
        for el in elements:
            for seed in seeds:
                tag = "%s_%s_seed%s" % (model, el.lower(), seed)
                path = os.path.join(a.out, tag + ".test.json")
                if not os.path.exists(path):
                    continue
                with open(path) as f:
                    j = json.load(f)
                with open(os.path.join(a.out, tag + ".ckpt.log.csv")) as f:
                    log = list(csv.DictReader(f))
                rows.append({"model": model, "element": el, "seed": seed,
                             "energy_mae_meV_per_atom": j["energy_mae_meV_per_atom"],
                             "force_mae_eV_per_A": j["force_mae_eV_per_A"],
                             "stress_mae_GPa": j.get("stress_mae_GPa"),
                             "epochs": len(log),
                             "train_seconds": sum(float(r["seconds"]) for r in log)})
    with open(os.path.join(a.out, "runs.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()) if rows else ["model"])
        w.writeheader()
        w.writerows(rows)

    print("Test-set errors on mlearn (energy MAE meV/atom | force MAE eV/Å), mean ± std over seeds %s;"
          " eipnn models trained with `eipnn train --forces`, one thread each.\n" % ", ".join(seeds))
    head = "| element | " + " | ".join("%s energy | %s force" % (m, m) for m in models)
    head += " | SNAP energy | SNAP force | qSNAP energy | qSNAP force | GAP | MTP |"
    print(head)
    print("|" + "---|" * (1 + 2 * len(models) + 6))
    for el in elements:
        cells = [el]
        for m in models:
            mine = [r for r in rows if r["model"] == m and r["element"] == el]
            cells.append(mean_std([r["energy_mae_meV_per_atom"] for r in mine]))
            cells.append(mean_std([r["force_mae_eV_per_A"] for r in mine]))
        snap = {}
        path = os.path.join(a.out, "snap_%s.json" % el.lower())
        if os.path.exists(path) and os.path.getsize(path) > 0:
            with open(path) as f:
                snap = json.load(f)
        for kind in ("snap", "qsnap"):
            for q in ("energy_mae", "force_mae"):
                v = snap_value(snap, kind, q)
                cells.append("—" if v is None else "%.3g" % v)
        for method in ("GAP", "MTP"):
            e, f = PUBLISHED[el][method]
            cells.append("%.3g / %.2g" % (e, f))
        print("| " + " | ".join(cells) + " |")
    print("\nWall time per run (training, s; mean over seeds) and epochs:")
    for m in models:
        for el in elements:
            mine = [r for r in rows if r["model"] == m and r["element"] == el]
            if mine:
                print("- %s %s: %.0f s, %d epochs, stress MAE %s GPa" % (
                    m, el, statistics.mean(r["train_seconds"] for r in mine), mine[0]["epochs"],
                    mean_std([r["stress_mae_GPa"] for r in mine if r["stress_mae_GPa"] is not None])))


if __name__ == "__main__":
    main()
