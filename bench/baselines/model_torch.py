#!/usr/bin/python3
"""PyTorch baseline for bench/compare schnet and bench/compare soapnet: the same model (weights and
batch exported by bench_schnet / bench_soapnet, the kind read from the weights' header), float32,
the model of tests/reference/torch_models.py (the one the reference tests check). Times a training
step (forward, MSE loss, backward, Adam) -- the same work as eipnn's timed step. SchNet works from
positions (schnetpack-style full-edge implementation with index_add aggregation) and also times
energy + forces inference (autograd.grad of the energy wrt positions); SOAPNet's energy step works
from the precomputed SOAP descriptors.

Both also time a training step on energies and forces, as eipnn's EnergyForceStep + Adam: forces
F = -autograd.grad(E.sum(), pos, create_graph=True), loss = w_E mean(((E - E_ref)/N)^2) + w_F
mean((F - F_ref)^2) with w_E = w_F = 1, loss.backward(), Adam -- from the exported weights (as
eipnn's force phase), after the energy step's and inference's timings. SOAPNet's force step starts
from positions: tests/reference/soap_torch.py's SOAP (soap_from_edges, i.e. soap_from_positions
with the periodic offsets formed once outside the timing, as for SchNet), run in float32 (it
takes the dtype of the edge vectors). Before timing it, the gradient of the loss at the exported
weights is checked against eipnn's (OUT_DIR/force_grads.txt), so neither side times a no-op.
Prints
  torch train_ms=<median> [infer_ms=<median>] train_forces_ms=<median> rss_mb=<peak before the
  force step> rss_forces_mb=<peak>
usage: model_torch.py OUT_DIR [threads=2] [reps=5]"""
import os
import resource
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "reference"))
from torch_models import Records, load_model  # noqa: E402

# a force-step gradient further than this (relative, over all parameters) from eipnn's fails the
# run: float32 on both sides agrees to ~1e-5; a wrong or missing term is of order 1
GRAD_TOLERANCE = 1e-3


def periodic_offsets(b, G, graph):
    """Edge lists and each edge's periodic offset shift . lattice, once, in double, outside the
    timing (as eipnn's batch holds the edge vectors)."""
    lat = b.floats("lattices").reshape(G, 3, 3)
    ci, nj = b.ints("centers"), b.ints("neighbors")
    offs = torch.einsum("ea,eab->eb", b.floats("shifts").reshape(-1, 3), lat[graph[ci]]).float()
    return ci, nj, offs


def schnet_energy(model, b, G, graph, sp):
    """E(positions) of the batch, and the positions."""
    ci, nj, offs = periodic_offsets(b, G, graph)

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


def soapnet_energy_from_positions(model, b, G, graph, sp):
    """E(positions) of the batch through soap_torch.py's SOAP in float32, and the positions."""
    from soap_torch import SoapSettings, radial_tables, soap_from_edges

    settings = SoapSettings.from_records(model.records)
    radial_tables(settings, torch.float32)  # the mpmath basis, once, outside the timing
    ci, nj, offs = periodic_offsets(b, G, graph)
    numbers = b.tokens("numbers")

    def energy(pos):
        desc = soap_from_edges(pos[nj] + offs - pos[ci], ci, nj, numbers, settings)
        return model.head_energies(model.features(desc), graph, sp, G, heads=[0])[:, 0]

    return energy, b.floats("positions").reshape(-1, 3).float()


def compare_gradients(model, path):
    """'# ' line: relative difference of eipnn's force-step gradient (path) from autograd's (the
    parameters' .grad), over all parameters and the worst tensor; False beyond GRAD_TOLERANCE."""
    theirs = Records(path).params
    num = den = 0.0
    worst, worst_name = 0.0, ""
    for name, p in model.P.items():
        g = p.grad.double() if p.grad is not None else torch.zeros_like(p, dtype=torch.float64)
        e = theirs[name].reshape(g.shape)
        d, n = float((e - g).norm()), float(g.norm())
        num, den = num + d * d, den + n * n
        if n > 0 and d / n > worst:
            worst, worst_name = d / n, name
    rel = (num / den) ** 0.5 if den > 0 else float("inf")
    print(f"# force-step gradient, eipnn vs autograd: |dg|/|g| {rel:.2e} over all parameters "
          f"(|g| {den ** 0.5:.3e}), worst tensor {worst_name} {worst:.2e}")
    return rel <= GRAD_TOLERANCE


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
    if kind == "schnet":
        energy_pos, positions = energy, inputs
    else:
        energy_pos, positions = soapnet_energy_from_positions(model, b, G, graph, sp)
    f_ref = b.floats("forces", torch.float32).reshape(-1, 3)
    n_atoms = torch.bincount(graph, minlength=G).float()
    initial = {k: v.detach().clone() for k, v in model.P.items()}
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

    def force_loss():
        pos = positions.clone().requires_grad_(True)
        e = energy_pos(pos)
        (g,) = torch.autograd.grad(e.sum(), pos, create_graph=True)
        loss_e = (((e - target) / n_atoms) ** 2).mean()
        loss_f = ((-g - f_ref) ** 2).mean()
        return loss_e, loss_f

    def train_forces_step():
        opt_f.zero_grad()
        loss_e, loss_f = force_loss()
        (loss_e + loss_f).backward()
        opt_f.step()
        return float(loss_e), float(loss_f)

    def timed(f):
        f()
        ts = []
        for _ in range(reps):
            t0 = time.perf_counter()
            f()
            ts.append((time.perf_counter() - t0) * 1e3)
        return sorted(ts)[len(ts) // 2]

    def peak_mb():
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0

    print(f"# torch {torch.__version__}, {torch.get_num_threads()} threads, {kind}, {sizes}")
    line = f"torch train_ms={timed(train_step):.3f}"
    if kind == "schnet":  # forces from positions; SOAPNet's inputs are descriptors, not positions
        line += f" infer_ms={timed(inference):.3f}"
    rss = peak_mb()

    # the force step, from the exported weights with a fresh Adam (as eipnn's force phase); its
    # first step's gradient is checked against eipnn's
    with torch.no_grad():
        for k, v in model.P.items():
            v.copy_(initial[k])
    opt_f = torch.optim.Adam(list(model.P.values()), lr=1e-3)
    opt_f.zero_grad()
    loss_e, loss_f = force_loss()
    (loss_e + loss_f).backward()
    if not compare_gradients(model, out_dir + "/force_grads.txt"):
        print(f"force-step gradient differs from eipnn's by more than {GRAD_TOLERANCE}", file=sys.stderr)
        sys.exit(1)
    opt_f.step()
    first = (float(loss_e), float(loss_f))
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        last = train_forces_step()
        ts.append((time.perf_counter() - t0) * 1e3)
    print(f"# torch force loss (E + F) at the exported weights {first[0]:.6g} + {first[1]:.6g}, "
          f"before step {reps + 1} {last[0]:.6g} + {last[1]:.6g}")
    line += f" train_forces_ms={sorted(ts)[len(ts) // 2]:.3f}"
    print(f"{line} rss_mb={rss:.1f} rss_forces_mb={peak_mb():.1f} sgemm_gflops={sgemm_gflops():.1f}")


def sgemm_gflops(n=1024):
    """torch.mm on (n, n) float32 with this process's threads: the system BLAS (on Debian, the
    libblas.so.3 alternative: OpenBLAS with libopenblas0-pthread), the ceiling the SchNet rates of
    bench/compare schnet are read against beside eipnn's Eigen sgemm."""
    a = torch.rand(n, n)
    b = torch.rand(n, n)
    torch.mm(a, b)
    ts = []
    for _ in range(5):
        t0 = time.perf_counter()
        torch.mm(a, b)
        ts.append(time.perf_counter() - t0)
    return 2.0 * n ** 3 / sorted(ts)[len(ts) // 2] * 1e-9


if __name__ == "__main__":
    main()
