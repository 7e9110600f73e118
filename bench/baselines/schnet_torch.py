#!/usr/bin/python3
"""PyTorch baseline for bench/compare schnet: the same SchNet (weights and batch exported by
bench_schnet), float32, 2 threads, schnetpack-style full-edge implementation with index_add
aggregation. Times a training step (forward, MSE loss, backward, Adam) and energy + forces
inference (autograd.grad of the energy wrt positions). Prints
  torch train_ms=<median> infer_ms=<median> rss_mb=<peak>
usage: schnet_torch.py OUT_DIR [threads=2] [reps=5]"""
import math
import resource
import sys
import time

import torch


def read_records(path):
    rec, params = {}, []
    with open(path) as f:
        for line in f:
            p = line.split()
            if not p:
                continue
            if p[0] == "param":
                params.append((p[1], torch.tensor([float(v) for v in p[4:]]).reshape(int(p[2]), int(p[3]))))
            else:
                rec[p[0]] = p[1:]
    return rec, params


def ssp(x):
    return torch.nn.functional.softplus(x) - math.log(2.0)


def main():
    out_dir = sys.argv[1]
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    reps = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    torch.set_num_threads(threads)
    rec, plist = read_records(out_dir + "/weights.txt")
    c = rec["config"]
    cfg = {c[i]: float(c[i + 1]) for i in range(0, len(c), 2)}
    species = [int(z) for z in rec["species"][1:]]
    P = {n: v.float().requires_grad_(True) for n, v in plist}
    scale = float(rec["head_scale"][0])
    ref = torch.tensor([float(v) for v in rec["head_ref"]][: len(species)])
    b, _ = read_records(out_dir + "/batch.txt")
    G = int(b["graphs"][0])
    graph = torch.tensor([int(v) for v in b["graph_of_atom"]])
    pos0 = torch.tensor([float(v) for v in b["positions"]], dtype=torch.float64).reshape(-1, 3)
    lat = torch.tensor([float(v) for v in b["lattices"]], dtype=torch.float64).reshape(G, 3, 3)
    ci = torch.tensor([int(v) for v in b["centers"]])
    nj = torch.tensor([int(v) for v in b["neighbors"]])
    shifts = torch.tensor([float(v) for v in b["shifts"]], dtype=torch.float64).reshape(-1, 3)
    offs = torch.einsum("ea,eab->eb", shifts, lat[graph[ci]]).float()
    target = torch.tensor([float(v) for v in b["targets"]])
    sp = torch.tensor([species.index(int(z)) for z in b["numbers"]])
    rc, K = cfg["cutoff"], int(cfg["rbf"])
    mu = torch.linspace(0.0, rc, K)
    width = cfg["rbf_width"] if cfg["rbf_width"] > 0 else rc / (K - 1)
    gamma = 0.5 / width**2
    n_atoms = pos0.shape[0]

    def energy(pos):
        vec = pos[nj] + offs - pos[ci]
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
        e_atom = (ssp(x @ P["head0.W1"] + P["head0.b1"]) @ P["head0.W2"] + P["head0.b2"])[:, 0]
        return scale * torch.zeros(G).index_add(0, graph, e_atom) + torch.zeros(G).index_add(0, graph, ref[sp])

    opt = torch.optim.Adam(list(P.values()), lr=1e-3)
    pos_f = pos0.float()

    def train_step():
        opt.zero_grad()
        loss = ((energy(pos_f) - target) ** 2).mean()
        loss.backward()
        opt.step()

    def inference():
        pos = pos_f.clone().requires_grad_(True)
        e = energy(pos)
        (g,) = torch.autograd.grad(e.sum(), pos)
        return e.detach(), -g

    def timed(f):
        f()
        ts = []
        for _ in range(reps):
            t0 = time.perf_counter()
            f()
            ts.append((time.perf_counter() - t0) * 1e3)
        return sorted(ts)[len(ts) // 2]

    train_ms = timed(train_step)
    infer_ms = timed(inference)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(f"# torch {torch.__version__}, {torch.get_num_threads()} threads, {n_atoms} atoms, {ci.numel()} edges")
    print(f"torch train_ms={train_ms:.2f} infer_ms={infer_ms:.2f} rss_mb={rss:.1f}")


if __name__ == "__main__":
    main()
