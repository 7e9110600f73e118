#!/usr/bin/python3
"""PyTorch baseline for bench/compare schnet and bench/compare soapnet: the same model (weights and
batch exported by bench_schnet / bench_soapnet, the kind read from the weights' header), float32,
the model of tests/reference/torch_models.py (the one the reference tests check). Times a training
step (forward, MSE loss, backward, Adam) -- the same work as eipnn's timed step. SchNet works from
positions (schnetpack-style full-edge implementation with index_add aggregation) and also times
energy + forces inference (autograd.grad of the energy wrt positions); SOAPNet works from the
precomputed SOAP descriptors (the baseline has no SOAP). Prints
  torch train_ms=<median> [infer_ms=<median>] rss_mb=<peak>
usage: model_torch.py OUT_DIR [threads=2] [reps=5]"""
import os
import resource
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "reference"))
from torch_models import Records, load_model  # noqa: E402


def schnet_energy(model, b, G, graph, sp):
    """E(positions) of the batch, and the positions; periodic offsets once, in double, outside the
    timing (as eipnn's batch holds them)."""
    lat = b.floats("lattices").reshape(G, 3, 3)
    ci, nj = b.ints("centers"), b.ints("neighbors")
    offs = torch.einsum("ea,eab->eb", b.floats("shifts").reshape(-1, 3), lat[graph[ci]]).float()

    def energy(pos):
        x = model.features(pos[nj] + offs - pos[ci], ci, nj, sp)
        return model.head_energies(x, graph, sp, G, heads=[0])[:, 0]

    pos = b.floats("positions").reshape(-1, 3).float()
    return energy, pos, f"{pos.shape[0]} atoms, {ci.numel()} edges"


def soapnet_energy(model, b, G, graph, sp):
    """E(descriptors) of the batch, and the descriptors."""
    desc = b.floats("descriptors", torch.float32).reshape(-1, model.n_descriptors)

    def energy(d):
        return model.head_energies(model.features(d), graph, sp, G, heads=[0])[:, 0]

    return energy, desc, f"{desc.shape[0]} atoms, {model.n_descriptors} descriptors"


def main():
    out_dir = sys.argv[1]
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    reps = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    torch.set_num_threads(threads)
    model = load_model(out_dir + "/weights.txt", dtype=torch.float32)
    b = Records(out_dir + "/batch.txt")
    G = int(b.tokens("graphs")[0])
    graph = b.ints("graph_of_atom")
    target = b.floats("targets", torch.float32)
    sp = model.species_index(b.tokens("numbers"))
    kind = Records(out_dir + "/weights.txt").kind
    energy, inputs, sizes = {"schnet": schnet_energy, "soapnet": soapnet_energy}[kind](model, b, G, graph, sp)
    opt = torch.optim.Adam(list(model.P.values()), lr=1e-3)

    def train_step():
        opt.zero_grad()
        loss = ((energy(inputs) - target) ** 2).mean()
        loss.backward()
        opt.step()

    def inference():
        pos = inputs.clone().requires_grad_(True)
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

    line = f"torch train_ms={timed(train_step):.3f}"
    if kind == "schnet":  # forces from positions; SOAPNet's inputs are descriptors, not positions
        line += f" infer_ms={timed(inference):.3f}"
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(f"# torch {torch.__version__}, {torch.get_num_threads()} threads, {kind}, {sizes}")
    print(f"{line} rss_mb={rss:.1f}")


if __name__ == "__main__":
    main()
