#!/usr/bin/python3
"""Independent PyTorch SOAPNet (torch_models.py beside this file, written from the formulas, not
from eipnn's code) for tests/reference/test_soapnet_torch.cpp. Loads eipnn's exported weights
(nn/soapnet_weights_io.hpp format) and a batch with precomputed SOAP descriptors, evaluates in
float64, and lets autograd produce the parameter gradients of the energy loss and, with a
classifier, of the cross-entropy in evaluation and training mode.

usage: soapnet_torch.py WEIGHTS BATCH OUT
"""
import sys

import torch

from torch_models import Records, format_values, load_model, ssp_exact

torch.set_default_dtype(torch.float64)


def main():
    wpath, bpath, opath = sys.argv[1:4]
    # the exact shifted softplus: the classifier's pre-activations pass torch's softplus threshold
    model = load_model(wpath, activation=ssp_exact, kind="soapnet")
    P = model.P

    b = Records(bpath)
    G = int(b.tokens("graphs")[0])
    graph = b.ints("graph_of_atom")
    sp = model.species_index(b.tokens("numbers"))
    desc = b.floats("descriptors").reshape(-1, model.n_descriptors)
    targets = b.floats("targets").reshape(G, len(model.head_scale))
    labels = b.ints("labels")

    x = model.features(desc)
    E = model.head_energies(x, graph, sp, G)  # (G, heads)
    loss = ((E - targets) ** 2).mean()
    names = list(P.keys())

    def grads_of(value):
        gs = torch.autograd.grad(value, [P[n] for n in names], retain_graph=True, allow_unused=True)
        return [g if g is not None else torch.zeros_like(P[n]) for n, g in zip(names, gs)]

    with open(opath, "w") as out:
        out.write("energies " + format_values(E) + "\n")
        for n, g in zip(names, grads_of(loss)):
            out.write(f"grad {n} " + format_values(g) + "\n")

        if int(model.cfg["classes"]) > 0:
            running_mean = model.records.floats("bn_running_mean")
            running_var = model.records.floats("bn_running_var")
            for mode in ("eval", "train"):
                logits = model.classifier_logits(x, graph, G, running_mean, running_var, training=(mode == "train"))
                out.write(f"logits_{mode} " + format_values(logits) + "\n")
                ce = torch.nn.functional.cross_entropy(logits, labels)
                for n, g in zip(names, grads_of(ce)):
                    out.write(f"cegrad_{mode} {n} " + format_values(g) + "\n")
            out.write("running_mean " + format_values(running_mean) + "\n")
            out.write("running_var " + format_values(running_var) + "\n")


if __name__ == "__main__":
    main()
