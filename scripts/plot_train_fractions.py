#!/usr/bin/python3
"""Learning curves of `eipnn reproduce --train-fractions`:
  plot_train_fractions.py learning_curve.csv out.png [snap.json]

Test MAE against the number of DFT training configurations, log-log, one line per method (mean
over seeds, error bars one standard deviation), energy on the left and, for runs trained on
forces, force MAE on the right. snap.json (scripts/snap_baseline.py --json-out) adds SNAP and
quadratic SNAP on the same test set as horizontal references.
Needs Debian's python3-matplotlib; exits 3 without it.
"""
import csv
import json
import statistics
import sys

try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError as exc:
    print("matplotlib not available: %s" % exc, file=sys.stderr)
    sys.exit(3)

rows = list(csv.DictReader(open(sys.argv[1])))
if not rows:
    print("empty table: %s" % sys.argv[1], file=sys.stderr)
    sys.exit(1)
snap = json.load(open(sys.argv[3])) if len(sys.argv) > 3 else {}
methods = ["baseline", "weak", "pretrain", "both"]
colors = {"baseline": "#777777", "weak": "#3b7dd8", "pretrain": "#d8823b", "both": "#4aa35a"}
forces = any(r["test_force_mae_eV_per_A"] for r in rows)
panels = [("test_energy_mae_meV_per_atom", "test energy MAE (meV/atom)", "energy_mae_meV_per_atom")]
if forces:
    panels.append(("test_force_mae_eV_per_A", "test force MAE (eV/Å)", "force_mae_eV_per_A"))
fig, axes = plt.subplots(1, len(panels), figsize=(6 * len(panels), 4.5), squeeze=False)
for ax, (column, label, snap_key) in zip(axes[0], panels):
    for m in methods:
        by_fraction = {}
        for r in rows:
            if r["method"] == m and r[column]:
                by_fraction.setdefault(float(r["train_fraction"]), []).append((int(r["n_train"]), float(r[column])))
        if not by_fraction:
            continue
        fractions = sorted(by_fraction)
        n = [statistics.mean(p[0] for p in by_fraction[f]) for f in fractions]
        v = [[p[1] for p in by_fraction[f]] for f in fractions]
        mean = [statistics.mean(x) for x in v]
        sd = [statistics.stdev(x) if len(x) > 1 else 0.0 for x in v]
        ax.errorbar(n, mean, yerr=sd, marker="o", capsize=3, color=colors[m], label=m)
    for prefix, style, name in (("snap", "--", "SNAP"), ("qsnap", ":", "qSNAP")):
        key = "%s_%s" % (prefix, snap_key)
        if key in snap:
            ax.axhline(snap[key], color="black", linestyle=style, linewidth=1, label="%s (test)" % name)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("DFT training configurations")
    ax.set_ylabel(label)
    ax.legend(fontsize=8)
seeds = len({r["seed"] for r in rows})
fig.suptitle("%s: %d seed(s)" % (rows[0]["element"], seeds))
fig.tight_layout()
fig.savefig(sys.argv[2], dpi=110)
