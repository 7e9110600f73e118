#!/usr/bin/python3
"""PyTorch baseline for bench/compare soapnet: the same SOAPNet (weights and batch with precomputed
SOAP descriptors exported by bench_soapnet), float32, 2 threads. Times a training step (forward
from the descriptors, MSE loss, backward, Adam) -- the same work as eipnn's timed step. Prints
  torch train_ms=<median>
usage: soapnet_torch.py OUT_DIR [threads=2] [reps=5]"""
import math
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
    mean = torch.tensor([float(v) for v in rec["input_mean"]])
    inv_std = torch.tensor([float(v) for v in rec["input_inv_std"]])
    b, _ = read_records(out_dir + "/batch.txt")
    G = int(b["graphs"][0])
    graph = torch.tensor([int(v) for v in b["graph_of_atom"]])
    D = int(cfg["descriptors"])
    desc = torch.tensor([float(v) for v in b["descriptors"]]).reshape(-1, D)
    target = torch.tensor([float(v) for v in b["targets"]])
    sp = torch.tensor([species.index(int(z)) for z in b["numbers"]])
    L = int(cfg["backbone_layers"])
    ref_sum = torch.zeros(G).index_add(0, graph, ref[sp])

    def energy():
        x = (desc - mean) * inv_std
        for l in range(L):
            x = ssp(x @ P[f"backbone{l}.W"] + P[f"backbone{l}.b"])
        e_atom = (ssp(x @ P["head0.W1"] + P["head0.b1"]) @ P["head0.W2"] + P["head0.b2"])[:, 0]
        return scale * torch.zeros(G).index_add(0, graph, e_atom) + ref_sum

    opt = torch.optim.Adam(list(P.values()), lr=1e-3)

    def train_step():
        opt.zero_grad()
        loss = ((energy() - target) ** 2).mean()
        loss.backward()
        opt.step()

    train_step()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        train_step()
        ts.append((time.perf_counter() - t0) * 1e3)
    print(f"# torch {torch.__version__}, {torch.get_num_threads()} threads, {desc.shape[0]} atoms, {D} descriptors")
    print(f"torch train_ms={sorted(ts)[len(ts) // 2]:.3f}")


if __name__ == "__main__":
    main()
