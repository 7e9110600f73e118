#!/usr/bin/python3
"""Independent PyTorch SchNet (torch_models.py beside this file, written from the formulas, not
from eipnn's code) for tests/reference/test_schnet_torch.cpp. Loads eipnn's exported weights
(nn/weights_io.hpp format) and a batch, evaluates in float64 over every directed edge with a dense
(non-windowed) Gaussian basis, and lets autograd produce forces and parameter gradients; with a
classifier, its logits in evaluation and training mode and the updated running statistics.

usage: schnet_torch.py WEIGHTS BATCH OUT
"""
import sys

import torch

from torch_models import Records, format_values, load_model

torch.set_default_dtype(torch.float64)


def main():
    wpath, bpath, opath = sys.argv[1:4]
    model = load_model(wpath, kind="schnet")
    P = model.P

    b = Records(bpath)
    G = int(b.tokens("graphs")[0])
    graph = b.ints("graph_of_atom")
    pos = b.floats("positions").reshape(-1, 3).requires_grad_(True)
    lat = b.floats("lattices").reshape(G, 3, 3)
    ci, nj = b.ints("centers"), b.ints("neighbors")
    shifts = b.floats("shifts").reshape(-1, 3)
    targets = b.floats("targets").reshape(G, len(model.head_scale))
    sp = model.species_index(b.tokens("numbers"))

    vec = pos[nj] + torch.einsum("ea,eab->eb", shifts, lat[graph[ci]]) - pos[ci]
    x = model.features(vec, ci, nj, sp)
    E = model.head_energies(x, graph, sp, G)  # (G, heads)

    (forces,) = torch.autograd.grad(E[:, 0].sum(), pos, retain_graph=True)
    forces = -forces
    loss = ((E - targets) ** 2).mean()
    names = list(P.keys())
    grads = torch.autograd.grad(loss, [P[n] for n in names], retain_graph=True, allow_unused=True)

    with open(opath, "w") as out:
        out.write("energies " + format_values(E) + "\n")
        out.write("forces " + format_values(forces) + "\n")
        for n, g in zip(names, grads):
            out.write(f"grad {n} " + format_values(g if g is not None else torch.zeros_like(P[n])) + "\n")

        if int(model.cfg["classes"]) > 0:
            running_mean = model.records.floats("bn_running_mean")
            running_var = model.records.floats("bn_running_var")
            for mode in ("eval", "train"):
                logits = model.classifier_logits(x, graph, G, running_mean, running_var, training=(mode == "train"))
                out.write(f"logits_{mode} " + format_values(logits) + "\n")
            out.write("running_mean " + format_values(running_mean) + "\n")
            out.write("running_var " + format_values(running_var) + "\n")


if __name__ == "__main__":
    main()
