#!/usr/bin/python3
"""Bar chart of `eipnn reproduce` results: plot_reproduce.py results.csv out.png

Mean test energy MAE (meV/atom) per method with the standard deviation over seeds as error bars.
Needs Debian's python3-matplotlib; exits 3 without it.
"""
import csv
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
methods = [m for m in ("baseline", "weak", "pretrain", "both") if any(r["method"] == m for r in rows)]
element = rows[0]["element"] if rows else "?"
values = {m: [float(r["test_energy_mae_meV_per_atom"]) for r in rows if r["method"] == m] for m in methods}
means = [statistics.mean(values[m]) if values[m] else 0.0 for m in methods]
sds = [statistics.stdev(values[m]) if len(values[m]) > 1 else 0.0 for m in methods]
fig, ax = plt.subplots(figsize=(6, 4))
colours = {"baseline": "#777777", "weak": "#3b7dd8", "pretrain": "#d8823b", "both": "#4aa35a"}
ax.bar(methods, means, yerr=sds, capsize=4, color=[colours[m] for m in methods])
ax.set_ylabel("test energy MAE (meV/atom)")
ax.set_title("%s: %d seed(s)" % (element, max(len(v) for v in values.values())))
fig.tight_layout()
fig.savefig(sys.argv[2], dpi=110)
