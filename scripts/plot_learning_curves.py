#!/usr/bin/python3
"""Learning curves from an eipnn training log: plot_learning_curves.py LOG.csv OUT.png

Left: training loss per epoch (log scale). Right: validation energy MAE and RMSE in meV/atom.
Needs Debian's python3-matplotlib; exits 3 without it (the caller then skips the plot).
"""
import csv
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
    print("empty log: %s" % sys.argv[1], file=sys.stderr)
    sys.exit(1)
epoch = [int(r["epoch"]) for r in rows]
fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
a.semilogy(epoch, [float(r["train_loss"]) for r in rows], label="train loss")
a.set_xlabel("epoch")
a.set_ylabel("loss (scaled units)")
a.legend()
b.plot(epoch, [float(r["valid_mae_meV_per_atom"]) for r in rows], label="valid MAE")
b.plot(epoch, [float(r["valid_rmse_meV_per_atom"]) for r in rows], label="valid RMSE")
b.set_yscale("log")
b.set_xlabel("epoch")
b.set_ylabel("energy error (meV/atom)")
b.legend()
fig.tight_layout()
fig.savefig(sys.argv[2], dpi=110)
