#!/usr/bin/python3
"""Learning curves from an eipnn training log: plot_learning_curves.py LOG.csv OUT.png

Left: training loss per epoch (log scale), and for training on forces each weighted term
(energy, forces, stress). Middle: validation energy MAE and RMSE in meV/atom. Right (training on
forces only): validation force MAE (eV/Å) and stress MAE (GPa).
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


def column(name):
    """Values of a column, or None when the log has no such column or it is all zero."""
    if name not in rows[0]:
        return None
    v = [float(r[name]) for r in rows]
    return v if any(x != 0 for x in v) else None


forces = column("valid_force_mae_eV_per_A")
fig, axes = plt.subplots(1, 3 if forces else 2, figsize=(15 if forces else 10, 4))
a, b = axes[0], axes[1]
a.semilogy(epoch, [float(r["train_loss"]) for r in rows], label="train loss")
for key, label in (("train_energy_term", "energy term"), ("train_force_term", "force term"),
                   ("train_stress_term", "stress term")):
    v = column(key)
    if v:
        a.semilogy(epoch, v, label=label, linestyle="--")
a.set_xlabel("epoch")
a.set_ylabel("loss")
a.legend()
b.plot(epoch, [float(r["valid_mae_meV_per_atom"]) for r in rows], label="valid MAE")
b.plot(epoch, [float(r["valid_rmse_meV_per_atom"]) for r in rows], label="valid RMSE")
b.set_yscale("log")
b.set_xlabel("epoch")
b.set_ylabel("energy error (meV/atom)")
b.legend()
if forces:
    c = axes[2]
    c.plot(epoch, forces, label="valid force MAE (eV/Å)")
    stress = column("valid_stress_mae_GPa")
    if stress:
        c.plot(epoch, stress, label="valid stress MAE (GPa)")
    c.set_yscale("log")
    c.set_xlabel("epoch")
    c.legend()
fig.tight_layout()
fig.savefig(sys.argv[2], dpi=110)
