#!/usr/bin/python3
"""Independent PyTorch SOAPNet, written from the formulas (not from eipnn's code), for
tests/reference/test_soapnet_torch.cpp. Loads eipnn's exported weights (nn/soapnet_weights_io.hpp
format) and a batch with precomputed SOAP descriptors, evaluates in float64, and lets autograd
produce the parameter gradients.

  z   = (P - mean) * inv_std
  x   = ssp(... ssp(z W_0 + b_0) ... W_{L-1} + b_{L-1})
  E_g = scale * sum_i (ssp(x W1 + b1) W2 + b2) + sum_i ref[species_i]        per head
  logits = ssp(BN(sum_i x_i) W1 + b1) W2 + b2                               classifier

usage: soapnet_torch.py WEIGHTS BATCH OUT
"""
import math
import sys

import torch

torch.set_default_dtype(torch.float64)


def read_records(path):
    rec = {}
    params = []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if not parts:
                continue
            if parts[0] == "param":
                name, rows, cols = parts[1], int(parts[2]), int(parts[3])
                vals = torch.tensor([float(v) for v in parts[4:]]).reshape(rows, cols)
                params.append((name, vals))
            else:
                rec[parts[0]] = parts[1:]
    return rec, params


def ssp(x):
    # softplus written out: torch.nn.functional.softplus returns x itself above its threshold 20,
    # an error of log1p(exp(-20)) ~ 2e-9, which the classifier's pre-activations (evaluation-mode
    # BatchNorm leaves them unnormalised, up to ~100 here) reach
    return torch.relu(x) + torch.log1p(torch.exp(-torch.abs(x))) - math.log(2.0)


def floats(rec, key):
    return torch.tensor([float(v) for v in rec[key]])


def main():
    wpath, bpath, opath = sys.argv[1:4]
    rec, plist = read_records(wpath)
    t = rec["config"]
    cfg = {t[i]: float(t[i + 1]) for i in range(0, len(t), 2)}
    species = [int(z) for z in rec["species"][1:]]
    P = {name: v.clone().requires_grad_(True) for name, v in plist}
    scale = [float(v) for v in rec["head_scale"]]
    ref = floats(rec, "head_ref").reshape(len(scale), len(species))
    mean, inv_std = floats(rec, "input_mean"), floats(rec, "input_inv_std")

    brec, _ = read_records(bpath)
    G = int(brec["graphs"][0])
    graph = torch.tensor([int(v) for v in brec["graph_of_atom"]])
    sp = torch.tensor([species.index(int(z)) for z in brec["numbers"]])
    D = int(cfg["descriptors"])
    desc = floats(brec, "descriptors").reshape(-1, D)
    targets = floats(brec, "targets").reshape(G, len(scale))
    labels = torch.tensor([int(v) for v in brec["labels"]])

    def backbone():
        x = (desc - mean) * inv_std
        for l in range(int(cfg["backbone_layers"])):
            x = ssp(x @ P[f"backbone{l}.W"] + P[f"backbone{l}.b"])
        return x

    x = backbone()
    energies = []
    for k in range(len(scale)):
        h = f"head{k}."
        e_atom = (ssp(x @ P[h + "W1"] + P[h + "b1"]) @ P[h + "W2"] + P[h + "b2"])[:, 0]
        e = scale[k] * torch.zeros(G).index_add(0, graph, e_atom) + torch.zeros(G).index_add(0, graph, ref[k][sp])
        energies.append(e)
    E = torch.stack(energies, dim=1)  # (G, heads)
    loss = ((E - targets) ** 2).mean()
    names = list(P.keys())

    def grads_of(value):
        gs = torch.autograd.grad(value, [P[n] for n in names], retain_graph=True, allow_unused=True)
        return [g if g is not None else torch.zeros_like(P[n]) for n, g in zip(names, gs)]

    out = open(opath, "w")
    fmt = lambda t: " ".join(repr(float(v)) for v in t.detach().reshape(-1))
    out.write("energies " + fmt(E) + "\n")
    for n, g in zip(names, grads_of(loss)):
        out.write(f"grad {n} " + fmt(g) + "\n")

    if int(cfg["classes"]) > 0:
        pooled = torch.zeros(G, x.shape[1]).index_add(0, graph, x)
        bn = torch.nn.BatchNorm1d(x.shape[1], eps=1e-5, momentum=0.1)
        with torch.no_grad():
            bn.running_mean.copy_(floats(rec, "bn_running_mean"))
            bn.running_var.copy_(floats(rec, "bn_running_var"))
        for mode in ("eval", "train"):
            bn.train(mode == "train")
            # BatchNorm's affine part from the parameters, so their gradients reach P
            zhat = torch.nn.functional.batch_norm(pooled, bn.running_mean, bn.running_var, training=(mode == "train"),
                                                  momentum=0.1, eps=1e-5)
            z = zhat * P["classifier.bn.gamma"][0] + P["classifier.bn.beta"][0]
            logits = ssp(z @ P["classifier.W1"] + P["classifier.b1"]) @ P["classifier.W2"] + P["classifier.b2"]
            out.write(f"logits_{mode} " + fmt(logits) + "\n")
            ce = torch.nn.functional.cross_entropy(logits, labels)
            for n, g in zip(names, grads_of(ce)):
                out.write(f"cegrad_{mode} {n} " + fmt(g) + "\n")
        out.write("running_mean " + fmt(bn.running_mean) + "\n")
        out.write("running_var " + fmt(bn.running_var) + "\n")
    out.close()


if __name__ == "__main__":
    main()
