#!/usr/bin/python3
"""The main job's summary: summarize_main_job.py OUT El [El ...]

Reads OUT/<El>/results.csv (`eipnn reproduce`) and, where present, OUT/<El>/snap.json
(`snap_baseline.py --json-out`), and writes OUT/summary.md: one table of the test energy MAE per
element and method (mean ± std over seeds), each strategy's change against the baseline paired by
seed (same split, same initialisation), and the SNAP / quadratic SNAP models fitted to the same
data, measured on the same test set; and OUT/summary.png (one panel per element) when matplotlib
is there. Prints the table.
"""
import csv
import json
import os
import statistics
import sys

METHODS = ("baseline", "weak", "pretrain", "both")


def mean_sd(values):
    return statistics.mean(values), (statistics.stdev(values) if len(values) > 1 else 0.0)


def element_rows(out, element):
    """{method: {seed: test MAE}} of one element's results.csv."""
    by_method = {}
    with open(os.path.join(out, element, "results.csv")) as f:
        for r in csv.DictReader(f):
            by_method.setdefault(r["method"], {})[int(r["seed"])] = float(r["test_energy_mae_meV_per_atom"])
    return by_method


def snap_figures(out, element):
    path = os.path.join(out, element, "snap.json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        s = json.load(f)
    return s["snap_energy_mae_meV_per_atom"], s["qsnap_energy_mae_meV_per_atom"]


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    out, elements = sys.argv[1], sys.argv[2:]
    table = {el: element_rows(out, el) for el in elements}
    snaps = {el: snap_figures(out, el) for el in elements}
    methods = [m for m in METHODS if all(m in table[el] for el in elements)]
    seeds = {el: len(table[el]["baseline"]) for el in elements}
    lines = ["# The paper's method on mlearn %s: test energy MAE (meV/atom)" % ", ".join(elements), "",
             "Mean ± std over seeds (%s); change = 100 (baseline - method) / baseline per seed, then mean ± std. "
             "SNAP / qSNAP: the OpenKIM models fitted to the same data (Zuo et al.), on the same test set."
             % ", ".join("%s %d" % (el, seeds[el]) for el in elements), "",
             "| element | " + " | ".join(methods) + " | SNAP | qSNAP |",
             "|---" * (len(methods) + 3) + "|"]
    for el in elements:
        base = table[el]["baseline"]
        cells = []
        for m in methods:
            mean, sd = mean_sd(list(table[el][m].values()))
            cell = "%.1f ± %.1f" % (mean, sd)
            if m != "baseline":
                change = [100.0 * (base[s] - table[el][m][s]) / base[s] for s in base if s in table[el][m]]
                cm, cs = mean_sd(change)
                cell += " (%+.0f ± %.0f %%)" % (cm, cs)
            cells.append(cell)
        snap = snaps[el]
        cells += ["%.2f" % snap[0], "%.2f" % snap[1]] if snap else ["—", "—"]
        lines.append("| %s | %s |" % (el, " | ".join(cells)))
    lines += ["", "Beside this file: `summary.png` (all elements), `<El>/results.md` (per seed: the classifier, "
              "the weak labels, the EIPs' aligned errors) and `<El>/results.png`.", ""]
    text = "\n".join(lines)
    with open(os.path.join(out, "summary.md"), "w") as f:
        f.write(text)
    print(text)
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("note: no summary.png (python3-matplotlib missing)", file=sys.stderr)
        return
    colours = {"baseline": "#777777", "weak": "#3b7dd8", "pretrain": "#d8823b", "both": "#4aa35a"}
    fig, axes = plt.subplots(1, len(elements), figsize=(4.2 * len(elements), 3.8), squeeze=False)
    for ax, el in zip(axes[0], elements):
        stats = [mean_sd(list(table[el][m].values())) for m in methods]
        ax.bar(methods, [s[0] for s in stats], yerr=[s[1] for s in stats], capsize=4, color=[colours[m] for m in methods])
        if snaps[el]:
            ax.axhline(snaps[el][0], ls="--", color="k", lw=1, label="SNAP")
            ax.axhline(snaps[el][1], ls=":", color="k", lw=1, label="qSNAP")
            ax.legend(fontsize=8)
        ax.set_title("%s (%d seeds)" % (el, seeds[el]))
        ax.set_ylabel("test energy MAE (meV/atom)")
    fig.tight_layout()
    fig.savefig(os.path.join(out, "summary.png"), dpi=110)


if __name__ == "__main__":
    main()
