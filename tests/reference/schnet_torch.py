#!/usr/bin/python3
"""Independent PyTorch SchNet, written from the formulas (not from eipnn's code), for
tests/reference/test_schnet_torch.cpp. Loads eipnn's exported weights (nn/weights_io.hpp format)
and a batch, evaluates in float64 over every directed edge with a dense (non-windowed) Gaussian
basis, and lets autograd produce forces and parameter gradients.

  x0 = E[species]
  rbf_k(r) = exp(-gamma (r - mu_k)^2), mu = linspace(0, rc, K), gamma = 0.5 / width^2
  W_ij = (ssp(rbf W1 + b1) W2 + b2) * 0.5 (cos(pi r / rc) + 1)
  y_i = sum_j (x W_in)_j * W_ij;  v = ssp(y Wo1 + bo1) Wo2 + bo2;  x <- v or x + v
  E_g = scale * sum_i (ssp(x W1 + b1) W2 + b2) + sum_i ref[species_i]        per head
  logits = ssp(BN(sum_i x_i) W1 + b1) W2 + b2                               classifier

usage: schnet_torch.py WEIGHTS BATCH OUT
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
    return torch.nn.functional.softplus(x) - math.log(2.0)


def main():
    wpath, bpath, opath = sys.argv[1:4]
    rec, plist = read_records(wpath)
    cfg_tokens = rec["config"]
    cfg = {cfg_tokens[i]: float(cfg_tokens[i + 1]) for i in range(0, len(cfg_tokens), 2)}
    species = [int(z) for z in rec["species"][1:]]
    P = {name: v.clone().requires_grad_(True) for name, v in plist}
    scale = [float(v) for v in rec["head_scale"]]
    ref = torch.tensor([float(v) for v in rec["head_ref"]]).reshape(len(scale), len(species))

    brec, _ = read_records(bpath)
    numbers = [int(v) for v in brec["numbers"]]
    graph = torch.tensor([int(v) for v in brec["graph_of_atom"]])
    G = int(brec["graphs"][0])
    pos = torch.tensor([float(v) for v in brec["positions"]]).reshape(-1, 3).requires_grad_(True)
    lat = torch.tensor([float(v) for v in brec["lattices"]]).reshape(G, 3, 3)
    ci = torch.tensor([int(v) for v in brec["centers"]])
    nj = torch.tensor([int(v) for v in brec["neighbors"]])
    shifts = torch.tensor([float(v) for v in brec["shifts"]]).reshape(-1, 3)
    targets = torch.tensor([float(v) for v in brec["targets"]]).reshape(G, len(scale))
    sp = torch.tensor([species.index(z) for z in numbers])

    rc, K, width = cfg["cutoff"], int(cfg["rbf"]), cfg["rbf_width"]
    mu = torch.linspace(0.0, rc, K)
    if width <= 0:
        width = rc / (K - 1)
    gamma = 0.5 / width**2

    vec = pos[nj] + torch.einsum("ea,eab->eb", shifts, lat[graph[ci]]) - pos[ci]
    r = vec.norm(dim=1)
    rbf = torch.exp(-gamma * (r[:, None] - mu[None, :]) ** 2)
    fc = 0.5 * (torch.cos(math.pi * r / rc) + 1.0) * (r < rc)

    x = P["embedding"][sp]
    for t in range(int(cfg["interactions"])):
        p = f"interaction{t}."
        w = (ssp(rbf @ P[p + "filter1.W"] + P[p + "filter1.b"]) @ P[p + "filter2.W"] + P[p + "filter2.b"]) * fc[:, None]
        xin = x @ P[p + "in.W"]
        y = torch.zeros_like(xin).index_add(0, ci, xin[nj] * w)
        v = ssp(y @ P[p + "out1.W"] + P[p + "out1.b"]) @ P[p + "out2.W"] + P[p + "out2.b"]
        x = x + v if cfg["residual"] else v

    energies = []
    for k in range(len(scale)):
        h = f"head{k}."
        e_atom = (ssp(x @ P[h + "W1"] + P[h + "b1"]) @ P[h + "W2"] + P[h + "b2"])[:, 0]
        e = scale[k] * torch.zeros(G).index_add(0, graph, e_atom) + torch.zeros(G).index_add(0, graph, ref[k][sp])
        energies.append(e)
    E = torch.stack(energies, dim=1)  # (G, heads)

    (forces,) = torch.autograd.grad(E[:, 0].sum(), pos, retain_graph=True)
    forces = -forces
    loss = ((E - targets) ** 2).mean()
    names = list(P.keys())
    grads = torch.autograd.grad(loss, [P[n] for n in names], retain_graph=True, allow_unused=True)

    out = open(opath, "w")
    fmt = lambda t: " ".join(repr(float(v)) for v in t.detach().reshape(-1))
    out.write("energies " + fmt(E) + "\n")
    out.write("forces " + fmt(forces) + "\n")
    for n, g in zip(names, grads):
        out.write(f"grad {n} " + fmt(g if g is not None else torch.zeros_like(P[n])) + "\n")

    if int(cfg["classes"]) > 0:
        pooled = torch.zeros(G, x.shape[1]).index_add(0, graph, x)
        bn = torch.nn.BatchNorm1d(x.shape[1], eps=1e-5, momentum=0.1)
        with torch.no_grad():
            bn.weight.copy_(P["classifier.bn.gamma"][0])
            bn.bias.copy_(P["classifier.bn.beta"][0])
            bn.running_mean.copy_(torch.tensor([float(v) for v in rec["bn_running_mean"]]))
            bn.running_var.copy_(torch.tensor([float(v) for v in rec["bn_running_var"]]))
        for mode in ("eval", "train"):
            bn.train(mode == "train")
            z = bn(pooled)
            logits = ssp(z @ P["classifier.W1"] + P["classifier.b1"]) @ P["classifier.W2"] + P["classifier.b2"]
            out.write(f"logits_{mode} " + fmt(logits) + "\n")
        out.write("running_mean " + fmt(bn.running_mean) + "\n")
        out.write("running_var " + fmt(bn.running_var) + "\n")
    out.close()


if __name__ == "__main__":
    main()
