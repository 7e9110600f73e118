#!/usr/bin/python3
"""PyTorch double-backward oracle of eipnn's force and stress training (train/force_loss.hpp,
train/force_training.hpp) for tests/reference/test_models_torch_forces.cpp. The model is
torch_models.py's (written from the formulas, not from eipnn's code); SOAPNet's descriptors come
from soap_torch.py as a differentiable function of the positions. In float64:

  E_g(positions, lattices)   head 0 energy of graph g
  F = -dE/dpositions         autograd, create_graph (so L below can be differentiated again)
  sigma_g = (1/V_g) dE_g/deps_g at eps = 0, eps a homogeneous strain (below), create_graph
  L = w_E mean_g ((E_g - E_dft,g)/N_g)^2 + w_F mean_ia (F_ia - F_dft,ia)^2
      + w_S mean over labelled g and 9 components of (sigma_g - sigma_dft,g)^2
  dL/dtheta for every parameter: torch.autograd.grad, i.e. the second derivatives of E by
  autograd's double backward, against eipnn's hand-written ones (nn/second_order.hpp).

The stress deliberately does not use eipnn's virial W = -sum_e vec_e (x) dE/dvec_e: it is the
derivative of the energy under a strain of the whole configuration. With positions and lattice
vectors as row vectors, the strain maps r -> r (I + eps) and every lattice row L_k -> L_k (I + eps),
so every edge vector vec_e = r_j + s_e . L - r_i (s_e integer) maps the same way:
  vec'_e,b = vec_e,b + sum_a vec_e,a eps_ab,   d vec'_e,b / d eps_ab = vec_e,a.
Hence, at eps = 0 and for an energy of the edge vectors only (both models: a fixed neighbour list),
  dE/deps_ab = sum_e sum_b' dE/dvec_e,b' d vec'_e,b'/d eps_ab = sum_e vec_e,a dE/dvec_e,b
             = -W_ab,
with the same index order: a (first, row) is the edge-vector component, b (second, column) the
energy-gradient component, as in eipnn's row-major W_ab = -sum_e vec_e,a g_e,b. So
sigma_ab = (1/V) dE/deps_ab = -W_ab / V holds component by component, without symmetrising:
all 9 are compared as they come (both are symmetric only because E is rotation invariant, which
neither side assumes). A strain acting as (I + eps) r on column vectors would give the transpose.
V is the volume of the undeformed cell; eps is per graph, since E_g depends on graph g only.

usage: forces_torch.py WEIGHTS BATCH OUT      (OUT: energies, forces, stresses, loss terms, grads)
       forces_torch.py --check WEIGHTS BATCH  (finite-difference checks of this oracle itself)
"""
import sys

import torch

from torch_models import Records, format_values, load_model, ssp_exact

torch.set_default_dtype(torch.float64)


class Batch:
    """The batch file test_models_torch_forces.cpp writes: geometry as schnet_torch.py reads it,
    the labels (energy_labels per graph, force_labels per atom and component, stress_labels 9 per
    graph row-major with has_stress 0/1 per graph) and loss_weights w_E w_F w_S."""

    def __init__(self, path):
        self.records = b = Records(path)
        self.G = int(b.tokens("graphs")[0])
        self.graph = b.ints("graph_of_atom")
        self.positions = b.floats("positions").reshape(-1, 3)
        self.lattices = b.floats("lattices").reshape(self.G, 3, 3)
        self.centers, self.neighbors = b.ints("centers"), b.ints("neighbors")
        self.shifts = b.floats("shifts").reshape(-1, 3)
        self.numbers = b.tokens("numbers")
        self.energy_labels = b.floats("energy_labels")
        self.force_labels = b.floats("force_labels").reshape(-1, 3)
        self.stress_labels = b.floats("stress_labels").reshape(self.G, 3, 3)
        self.has_stress = b.ints("has_stress").bool()
        self.w_E, self.w_F, self.w_S = (float(v) for v in b.tokens("loss_weights"))
        self.n_atoms = torch.bincount(self.graph, minlength=self.G).to(torch.float64)
        # |det| of the rows: the volume of the undeformed cell
        self.volumes = torch.linalg.det(self.lattices).abs()


def energies(model, kind, batch, positions, lattices):
    """Head 0 energies (G,) as a function of positions (n_atoms, 3) and lattices (G, 3, 3)."""
    sp = model.species_index(batch.numbers)
    if kind == "schnet":
        shift_vec = torch.einsum("ea,eab->eb", batch.shifts, lattices[batch.graph[batch.centers]])
        vec = positions[batch.neighbors] + shift_vec - positions[batch.centers]
        x = model.features(vec, batch.centers, batch.neighbors, sp)
    else:
        import soap_torch  # only SOAPNet needs it (and its NumPy/SciPy/mpmath reference basis)
        desc = soap_torch.soap_descriptors(batch.records, model, positions=positions, lattices=lattices)
        x = model.features(desc)  # the fixed input standardisation (input_mean, input_inv_std) first
    return model.head_energies(x, batch.graph, sp, batch.G, heads=[0])[:, 0]


def predictions(model, kind, batch, create_graph=True):
    """E (G,), F (n_atoms, 3) and sigma (G, 3, 3), the last two differentiable again."""
    pos = batch.positions.clone().requires_grad_(True)
    eps = torch.zeros(batch.G, 3, 3, requires_grad=True)
    # r (I + eps) and L (I + eps) with row vectors; at eps = 0 these are the batch's own values
    strained_pos = pos + torch.einsum("ia,iab->ib", pos, eps[batch.graph])
    strained_lat = batch.lattices + torch.einsum("gka,gab->gkb", batch.lattices, eps)
    E = energies(model, kind, batch, strained_pos, strained_lat)
    dE_dpos, dE_deps = torch.autograd.grad(E.sum(), [pos, eps], create_graph=create_graph)
    return E, -dE_dpos, dE_deps / batch.volumes[:, None, None]


def loss_terms(batch, E, F, sigma):
    """The three weighted terms of L, as train/force_loss.hpp defines them."""
    energy = batch.w_E * (((E - batch.energy_labels) / batch.n_atoms) ** 2).mean()
    forces = batch.w_F * ((F - batch.force_labels) ** 2).mean()
    labelled = batch.has_stress
    if labelled.any():
        stress = batch.w_S * ((sigma[labelled] - batch.stress_labels[labelled]) ** 2).mean()
    else:
        stress = torch.zeros(())
    return energy, forces, stress


def main(wpath, bpath, opath):
    # the exact shifted softplus: torch's softplus switches to the identity above 20, which is
    # 2e-9 off in the value and whose second derivative there is 0 instead of ~2e-9
    model = load_model(wpath, activation=ssp_exact)
    batch = Batch(bpath)
    E, F, sigma = predictions(model, model.records.kind, batch)
    terms = loss_terms(batch, E, F, sigma)
    names = list(model.P.keys())
    grads = torch.autograd.grad(sum(terms), [model.P[n] for n in names], allow_unused=True)
    with open(opath, "w") as out:
        out.write("energies " + format_values(E) + "\n")
        out.write("forces " + format_values(F) + "\n")
        out.write("stresses " + format_values(sigma) + "\n")
        out.write("loss_terms " + format_values(torch.stack(terms)) + "\n")
        for n, g in zip(names, grads):
            # the classifier has no part in L: autograd says None, eipnn leaves zeros
            out.write(f"grad {n} " + format_values(g if g is not None else torch.zeros_like(model.P[n])) + "\n")


def check(wpath, bpath):
    """Finite differences of this oracle (not of eipnn): the strain derivative against energies
    of strained cells, the forces against displaced atoms, and dL/dtheta for the largest-gradient
    entry of each parameter against central differences of L (autograd's forces and stresses
    inside L are exact to rounding, so the stencil sees only the parameter). Fourth-order stencils;
    the strain's step is 1e-5 (atoms move by ~1e-4 Å): SOAP's cutoff switch is only C^1, and with
    1e-4 some edge's stencil straddles a kink (~1e-7 instead of ~1e-9 on the mlearn batch). The
    errors printed are relative to the largest magnitude of each quantity."""
    model = load_model(wpath, activation=ssp_exact)
    kind = model.records.kind
    batch = Batch(bpath)
    E, F, sigma = predictions(model, kind, batch, create_graph=False)

    def stencil(f, h):
        return (8 * (f(h) - f(-h)) - (f(2 * h) - f(-2 * h))) / (12 * h)

    worst = 0.0
    with torch.no_grad():
        for g in range(batch.G):
            for a in range(3):
                for b in range(3):
                    def strained(t):
                        eps = torch.zeros(batch.G, 3, 3)
                        eps[g, a, b] = t
                        pos = batch.positions + torch.einsum("ia,iab->ib", batch.positions, eps[batch.graph])
                        lat = batch.lattices + torch.einsum("gka,gab->gkb", batch.lattices, eps)
                        return energies(model, kind, batch, pos, lat)[g]
                    fd = stencil(strained, 1e-5) / batch.volumes[g]
                    worst = max(worst, float((fd - sigma[g, a, b]).abs()))
    print(f"stress (1/V) dE/deps vs strained energies: {worst / float(sigma.abs().max()):.2e}")

    worst = 0.0
    with torch.no_grad():
        for i in range(0, F.shape[0], max(1, F.shape[0] // 6)):
            for a in range(3):
                def displaced(t):
                    pos = batch.positions.clone()
                    pos[i, a] += t
                    return energies(model, kind, batch, pos, batch.lattices).sum()
                worst = max(worst, float((-stencil(displaced, 1e-4) - F[i, a]).abs()))
    print(f"forces (sampled atoms) vs displaced energies: {worst / float(F.abs().max()):.2e}")

    E, F, sigma = predictions(model, kind, batch)
    names = list(model.P.keys())
    grads = torch.autograd.grad(sum(loss_terms(batch, E, F, sigma)), [model.P[n] for n in names], allow_unused=True)
    for n, g in zip(names, grads):
        if g is None:
            continue
        k = int(g.abs().argmax())
        p = model.P[n]

        def loss_at(t, p=p, k=k, original=float(p.view(-1)[k])):
            with torch.no_grad():
                p.view(-1)[k] = original + t
            Et, Ft, st = predictions(model, kind, batch, create_graph=False)
            value = float(sum(loss_terms(batch, Et, Ft, st)))
            with torch.no_grad():
                p.view(-1)[k] = original  # restored exactly (original + t - t need not be)
            return value

        h = 1e-4 * max(1.0, float(p.view(-1)[k].abs()))
        fd = stencil(loss_at, h)
        print(f"dL/d{n}[{k}]: autograd {float(g.view(-1)[k]):+.12e}  fd {fd:+.12e}  "
              f"rel {abs(fd - float(g.view(-1)[k])) / float(g.abs().max()):.2e}")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--check":
        check(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 4:
        main(*sys.argv[1:4])
    else:
        sys.exit(__doc__)
