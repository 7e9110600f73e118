#!/usr/bin/python3
"""SOAP power spectrum in PyTorch float64 as a differentiable function of the edge vectors, so
autograd gives the forces of a SOAP-based model (the SOAPNet force oracle). The convention is
eipnn's (include/eipnn/soap/soap.hpp); the radial constants (grid a_nl, A_nl, B_nl and the
40-digit Cholesky beta) come from soap_numpy.py, the reference it is checked against.

  c^Z_nlm(i) = sum_{j of Z} w(r_ij) R_lm(r_ij) sum_n' beta^l_nn' A_n'l exp(-B_n'l r_ij^2)
               + the centre's own Gaussian (r = 0, w = 1, only l = 0; no position dependence)
  p^{Z1 Z2}_{n n' l} = pi sqrt(8/(2l+1)) sum_m c^{Z1}_nlm c^{Z2}_n'lm, features [(Z1<=Z2)][n][n'][l]

R_lm are real solid harmonics (r^l Y_lm), built as polynomials in x, y, z: no division by r, no
angles, so they and their gradients are exact and smooth down to r = 0. sum_m c c* is the same
for real and complex harmonics, so the spectrum equals the complex-harmonic one of soap_numpy.py.
Everything is vectorised over edges (Python loops run over l, m and species pairs only).

API:
  SoapSettings(species, cutoff, n_max, l_max, sigma, width, l2)   (.from_records(weights Records))
  solid_harmonics(vec, l_max)                     (E, (l_max+1)^2), index l^2 + l + m
  soap_from_edges(vec, centers, neighbors, numbers, settings)       (n_atoms, D)
  soap_from_positions(positions, numbers, lattices, graph_of_atom, centers, neighbors, shifts, settings)
  soap_descriptors(records, config, positions=None, lattices=None)  batch Records + weights Records

usage: soap_torch.py --check      (self-checks against soap_numpy.py, finite differences, timing)
"""
import math
import sys

import numpy as np
import torch

import soap_numpy


class SoapSettings:
    """The SOAP configuration (soap/soap_config.hpp's fields; width = cutoff_width)."""

    def __init__(self, species, cutoff, n_max, l_max, sigma, width, l2):
        self.species = [int(z) for z in species]
        self.cutoff, self.n_max, self.l_max = float(cutoff), int(n_max), int(l_max)
        self.sigma, self.width, self.l2 = float(sigma), float(width), bool(l2)

    @classmethod
    def from_records(cls, rec):
        """From an eipnn weights file (nn/model_weights_io.hpp): `species <n> <Z...>` and the
        config line's cutoff, n_max, l_max, sigma, cutoff_width, normalization (0 none, 1 l2)."""
        cfg = rec.pairs("config")
        species = [int(z) for z in rec.tokens("species")[1:]]
        norm = int(cfg["normalization"])
        if norm not in (0, 1):
            raise ValueError(f"{rec.path}: normalization {norm}; this reader knows 0 (none) and 1 (l2)")
        s = cls(species, cfg["cutoff"], cfg["n_max"], cfg["l_max"], cfg["sigma"], cfg["cutoff_width"], norm == 1)
        # the derived descriptor count guards against a convention change on the C++ side
        if "descriptors" in cfg and int(cfg["descriptors"]) != s.n_features():
            raise ValueError(f"{rec.path}: descriptors {int(cfg['descriptors'])}, this SOAP gives {s.n_features()}")
        return s

    def n_features(self):
        S, N, L = len(self.species), self.n_max, self.l_max + 1
        return L * (S * N * (N + 1) // 2 + S * (S - 1) // 2 * N * N)

    def key(self):
        return (self.cutoff, self.n_max, self.l_max, self.sigma)


_basis_cache = {}


def radial_tables(settings, dtype=torch.float64):
    """M[l, n, n'] = beta^l_nn' A_n'l and B[l, n'] from soap_numpy.Basis (its mpmath Cholesky is
    what lets the two agree to round-off); cached because the 40-digit factorisation is slow."""
    key = settings.key()
    if key not in _basis_cache:
        b = soap_numpy.Basis(settings.cutoff, settings.n_max, settings.l_max, settings.sigma)
        M = b.beta * b.A[:, None, :]
        _basis_cache[key] = (torch.tensor(M, dtype=torch.float64), torch.tensor(b.B, dtype=torch.float64))
    M, B = _basis_cache[key]
    return M.to(dtype), B.to(dtype)


def solid_harmonics(vec, l_max):
    """Real solid harmonics R_lm(v) = |v|^l Y_lm(v^), (E, (l_max+1)^2), column l^2 + l + m.

    R_l0 = K_l0 Pi_l^0, R_lm = sqrt2 K_lm Pi_l^m C_m, R_l,-m = sqrt2 K_lm Pi_l^m S_m (m > 0), with
    K_lm^2 = (2l+1)/(4 pi) (l-m)!/(l+m)!, C_m + i S_m = (x + i y)^m = (r sin(theta))^m e^{i m phi}
    and Pi_l^m = r^{l-m} d^m P_l/dt^m (t = z/r) from the Legendre recurrence multiplied by r^{l-m}:
      Pi_m^m = (2m-1)!!,  Pi_{m+1}^m = (2m+1) z Pi_m^m,
      (l-m) Pi_l^m = (2l-1) z Pi_{l-1}^m - (l+m-1) r^2 Pi_{l-2}^m.
    All are polynomials in x, y, z. The Condon-Shortley phase is left out: a sign per m, which no
    sum over m of products sees (addition theorem, power spectrum)."""
    x, y, z = vec[:, 0], vec[:, 1], vec[:, 2]
    r2 = x * x + y * y + z * z
    one = torch.ones_like(x)
    C, S = [one], [torch.zeros_like(x)]
    for m in range(1, l_max + 1):
        C.append(x * C[m - 1] - y * S[m - 1])
        S.append(x * S[m - 1] + y * C[m - 1])
    Pi = [[None] * (l_max + 1) for _ in range(l_max + 1)]  # Pi[l][m]
    for m in range(l_max + 1):
        Pi[m][m] = float(np.prod(np.arange(2 * m - 1, 0, -2), dtype=float)) * one
        if m + 1 <= l_max:
            Pi[m + 1][m] = (2 * m + 1) * z * Pi[m][m]
        for l in range(m + 2, l_max + 1):
            Pi[l][m] = ((2 * l - 1) * z * Pi[l - 1][m] - (l + m - 1) * r2 * Pi[l - 2][m]) / (l - m)
    cols = []
    for l in range(l_max + 1):
        row = [None] * (2 * l + 1)
        for m in range(l + 1):
            K = math.sqrt((2 * l + 1) / (4 * math.pi) * math.factorial(l - m) / math.factorial(l + m))
            if m == 0:
                row[l] = K * Pi[l][0]
            else:
                row[l + m] = math.sqrt(2.0) * K * Pi[l][m] * C[m]
                row[l - m] = math.sqrt(2.0) * K * Pi[l][m] * S[m]
        cols += row
    return torch.stack(cols, dim=1)


def switch(r, cutoff, width):
    """Cosine switch (C^1 at the cutoff): 1 below rc - width, 0 from rc on."""
    inner = 0.5 * (1.0 + torch.cos(math.pi * (r - cutoff + width) / width))
    return torch.where(r < cutoff - width, torch.ones_like(r), torch.where(r < cutoff, inner, torch.zeros_like(r)))


def feature_index(settings):
    """Flat indices into (S, S, N, N, L+1) of the features, in eipnn's order."""
    S, N, L = len(settings.species), settings.n_max, settings.l_max + 1
    idx = []
    for s1 in range(S):
        for s2 in range(s1, S):
            for n in range(N):
                for k in range(n if s1 == s2 else 0, N):
                    idx += [(((s1 * S + s2) * N + n) * N + k) * L + l for l in range(L)]
    return torch.tensor(idx, dtype=torch.long)


def channels(numbers, settings):
    """Density channel of every atom (position in settings.species)."""
    lookup = {z: k for k, z in enumerate(settings.species)}
    try:
        return torch.tensor([lookup[int(z)] for z in numbers], dtype=torch.long)
    except KeyError as e:
        raise ValueError(f"atomic number {e.args[0]} is not among the SOAP species {settings.species}") from None


def soap_from_edges(vec, centers, neighbors, numbers, settings):
    """(n_atoms, D) power spectra from the directed edges centers -> neighbors with vectors
    vec (E, 3) = r_j + shift - r_i; differentiable with respect to vec."""
    dtype = vec.dtype
    n_atoms, S, N, L = len(numbers), len(settings.species), settings.n_max, settings.l_max
    LM = (L + 1) ** 2
    ch = channels(numbers, settings)
    M, B = radial_tables(settings, dtype)
    l_of = torch.tensor([l for l in range(L + 1) for _ in range(2 * l + 1)], dtype=torch.long)

    r2 = (vec * vec).sum(dim=1)
    w = switch(torch.sqrt(r2), settings.cutoff, settings.width)
    G = torch.einsum("lnk,elk->enl", M, torch.exp(-B[None] * r2[:, None, None]))  # (E, N, L+1)
    contrib = (G * w[:, None, None])[:, :, l_of] * solid_harmonics(vec, L)[:, None, :]  # (E, N, LM)
    c = torch.zeros(n_atoms * S, N, LM, dtype=dtype).index_add(0, centers * S + ch[neighbors], contrib)
    # the centre's own Gaussian: r = 0, so only R_00 = 1/sqrt(4 pi) and G(0) = sum_n' M[0, n, n']
    own = torch.zeros(n_atoms, N, LM, dtype=dtype)
    own[:, :, 0] = M[0].sum(dim=1) / math.sqrt(4 * math.pi)
    c = c.index_add(0, torch.arange(n_atoms) * S + ch, own).reshape(n_atoms, S, N, LM)

    blocks = []
    for l in range(L + 1):
        cl = c[..., l * l:(l + 1) * (l + 1)]
        blocks.append(math.pi * math.sqrt(8.0 / (2 * l + 1)) * torch.einsum("asnm,atkm->astnk", cl, cl))
    P = torch.stack(blocks, dim=-1).reshape(n_atoms, -1)[:, feature_index(settings)]
    if settings.l2:
        P = P / P.norm(dim=1, keepdim=True)
    return P


def edge_vectors(positions, lattices, graph_of_atom, centers, neighbors, shifts):
    """vec_e = r_j - r_i + shift_e . lattice of the centre's graph (rows of the lattice)."""
    shift_vec = torch.einsum("ea,eab->eb", shifts.to(positions.dtype), lattices[graph_of_atom[centers]])
    return positions[neighbors] + shift_vec - positions[centers]


def soap_from_positions(positions, numbers, lattices, graph_of_atom, centers, neighbors, shifts, settings):
    """(n_atoms, D) power spectra of a batch; differentiable with respect to positions (n_atoms, 3)
    and lattices (n_graphs, 3, 3). centers/neighbors are batch atom indices, shifts (E, 3) integers."""
    vec = edge_vectors(positions, lattices, graph_of_atom, centers, neighbors, shifts)
    return soap_from_edges(vec, centers, neighbors, numbers, settings)


def soap_descriptors(records, config, positions=None, lattices=None):
    """Descriptors (n_atoms, D) of a batch file (torch_models.Records with graphs, numbers,
    graph_of_atom, positions, lattices, centers, neighbors, shifts, as schnet_torch.py reads
    them) under the SOAP configuration of `config`: a weights-file Records (its species and
    config line), a model from torch_models.load_model, or a SoapSettings. Pass `positions`
    (and `lattices`) as leaves with requires_grad to differentiate; by default they are read from
    the batch as a fresh leaf (positions, requires_grad) and constants (lattices)."""
    if isinstance(config, SoapSettings):
        settings = config
    else:
        settings = SoapSettings.from_records(getattr(config, "records", config))
    G = int(records.tokens("graphs")[0])
    if positions is None:
        positions = records.floats("positions").reshape(-1, 3).requires_grad_(True)
    if lattices is None:
        lattices = records.floats("lattices").reshape(G, 3, 3)
    return soap_from_positions(positions, records.tokens("numbers"), lattices, records.ints("graph_of_atom"),
                               records.ints("centers"), records.ints("neighbors"), records.floats("shifts").reshape(-1, 3),
                               settings)


# ---- self-checks ------------------------------------------------------------------------------

def _ase_edges(atoms, cutoff):
    """eipnn-style edge list of one structure from ASE: centers, neighbors, integer shifts."""
    from ase.neighborlist import neighbor_list
    i, j, S = neighbor_list("ijS", atoms, cutoff)
    return torch.tensor(i, dtype=torch.long), torch.tensor(j, dtype=torch.long), torch.tensor(S, dtype=torch.long)


def _structures(seed=7):
    """A perturbed Si diamond supercell (one species) and a sheared two-species (Si, C) cell."""
    from ase import Atoms
    from ase.build import bulk
    rng = np.random.default_rng(seed)
    si = bulk("Si", "diamond", a=5.43, cubic=True).repeat((2, 1, 1))
    si.positions += rng.normal(scale=0.08, size=si.positions.shape)
    cell = np.array([[4.6, 0.0, 0.0], [1.1, 4.2, 0.0], [0.7, -0.9, 5.1]])
    frac = []
    while len(frac) < 12:  # random atoms at least 1.2 Å from every image of the others
        f = rng.random(3)
        d = [np.linalg.norm(((f - g + 0.5) % 1.0 - 0.5) @ cell) for g in frac]
        if all(x > 1.2 for x in d):
            frac.append(f)
    mixed = Atoms(numbers=rng.choice([14, 6], size=12), scaled_positions=frac, cell=cell, pbc=True)
    return [si, mixed]


def _relative(a, b):
    """Worst per-atom error relative to the atom's largest feature (as test_soap_numpy.cpp)."""
    a, b = np.asarray(a), np.asarray(b)
    return float(np.max(np.abs(a - b).max(axis=1) / np.abs(b).max(axis=1)))


def check_addition_theorem(l_max=9, seed=3):
    """Worst |sum_m R_lm(a) R_lm(b) - (2l+1)/(4 pi) |a|^l |b|^l P_l(cos)| / (|a||b|)^l (2l+1)/(4 pi)."""
    from scipy.special import eval_legendre
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=(50, 3)), rng.normal(size=(50, 3))
    b[:5] = a[:5] * rng.uniform(0.3, 2.0, size=(5, 1))  # parallel pairs: P_l(1) = 1
    Ra = solid_harmonics(torch.tensor(a), l_max).numpy()
    Rb = solid_harmonics(torch.tensor(b), l_max).numpy()
    na, nb = np.linalg.norm(a, axis=1), np.linalg.norm(b, axis=1)
    cos = np.clip((a * b).sum(axis=1) / (na * nb), -1, 1)
    worst = 0.0
    for l in range(l_max + 1):
        lhs = (Ra[:, l * l:(l + 1) ** 2] * Rb[:, l * l:(l + 1) ** 2]).sum(axis=1)
        scale = (2 * l + 1) / (4 * np.pi) * (na * nb) ** l
        worst = max(worst, float(np.max(np.abs(lhs - scale * eval_legendre(l, cos)) / scale)))
    return worst


def check_origin(l_max=9):
    """At v = 0 (where angles are undefined): R = (1/sqrt(4 pi), 0, ...) and the Jacobian is that
    of the polynomials, finite, nonzero only for l = 1 (R_1m = sqrt(3/(4 pi)) (y, z, x) for
    m = -1, 0, 1). Returns the worst deviation."""
    v = torch.zeros(1, 3, requires_grad=True)
    R = solid_harmonics(v, l_max)[0]
    J = torch.stack([torch.autograd.grad(R[k], v, retain_graph=True)[0][0] for k in range(R.numel())])
    R_ref = torch.zeros_like(R)
    R_ref[0] = 1 / math.sqrt(4 * math.pi)
    J_ref = torch.zeros_like(J)
    J_ref[1:4] = math.sqrt(3 / (4 * math.pi)) * torch.tensor([[0.0, 1, 0], [0, 0, 1], [1, 0, 0]])
    return float(max((R - R_ref).abs().max(), (J - J_ref).abs().max()))


def check_against_numpy(settings, structures):
    worst = 0.0
    basis = soap_numpy.Basis(settings.cutoff, settings.n_max, settings.l_max, settings.sigma)
    for atoms in structures:
        ci, nj, sh = _ase_edges(atoms, settings.cutoff)
        pos = torch.tensor(atoms.positions)
        lat = torch.tensor(np.array(atoms.cell))[None]
        P = soap_from_positions(pos, atoms.numbers, lat, torch.zeros(len(atoms), dtype=torch.long), ci, nj, sh,
                                settings)
        ref = soap_numpy.spectrum(atoms.positions, atoms.numbers, np.array(atoms.cell), atoms.pbc, settings.species,
                                  settings.cutoff, settings.width, basis, settings.l2)
        assert P.shape == ref.shape == (len(atoms), settings.n_features())
        worst = max(worst, _relative(P.detach().numpy(), ref))
    return worst


def check_gradient(settings, atoms, h=1e-3, seed=5):
    """Autograd d(sum_ia u_ia P_ia)/dr (random u) against fourth-order central differences, the
    edge list fixed (the function is then the same function of positions); worst error relative
    to the largest gradient component. The fourth-order stencil at h 1e-3 is ~1e-10 from the
    derivative, against ~1e-9 at best for the two-point one (its h^2 error meets rounding); h
    much larger lets a stencil straddle the switch's kinks in the second derivative."""
    ci, nj, sh = _ase_edges(atoms, settings.cutoff)
    lat = torch.tensor(np.array(atoms.cell))[None]
    graph = torch.zeros(len(atoms), dtype=torch.long)
    u = torch.tensor(np.random.default_rng(seed).normal(size=(len(atoms), settings.n_features())))

    def f(pos):
        return (u * soap_from_positions(pos, atoms.numbers, lat, graph, ci, nj, sh, settings)).sum()

    pos = torch.tensor(atoms.positions, requires_grad=True)
    (g,) = torch.autograd.grad(f(pos), pos)
    fd = torch.zeros_like(g)
    with torch.no_grad():
        for a in range(len(atoms)):
            for d in range(3):
                def at(t):
                    q = pos.detach().clone()
                    q[a, d] += t
                    return f(q)
                fd[a, d] = (8 * (at(h) - at(-h)) - (at(2 * h) - at(-2 * h))) / (12 * h)
    return float((g - fd).abs().max() / g.abs().max())


def check_descriptors_api(settings, structures):
    """soap_descriptors on a two-graph batch written as eipnn's text records (global atom indices,
    per-graph lattices), against soap_numpy.py per structure."""
    import os
    import tempfile
    from torch_models import Records
    lines, pos, numbers, graph, lat, ci, nj, sh = [], [], [], [], [], [], [], []
    offset = 0
    for g, atoms in enumerate(structures):
        i, j, S = _ase_edges(atoms, settings.cutoff)
        ci += (i + offset).tolist()
        nj += (j + offset).tolist()
        sh += S.reshape(-1).tolist()
        pos += atoms.positions.reshape(-1).tolist()
        lat += np.array(atoms.cell).reshape(-1).tolist()
        numbers += atoms.numbers.tolist()
        graph += [g] * len(atoms)
        offset += len(atoms)
    fmt = lambda key, v: key + " " + " ".join(repr(x) for x in v) + "\n"
    with tempfile.TemporaryDirectory() as tmp:
        wpath, bpath = os.path.join(tmp, "weights.txt"), os.path.join(tmp, "batch.txt")
        with open(wpath, "w") as f:
            f.write("eipnn-soapnet 1\n" + fmt("species", [len(settings.species)] + settings.species))
            f.write(f"config cutoff {settings.cutoff!r} n_max {settings.n_max} l_max {settings.l_max} sigma "
                    f"{settings.sigma!r} cutoff_width {settings.width!r} normalization {int(settings.l2)} "
                    f"descriptors {settings.n_features()}\n")
        with open(bpath, "w") as f:
            f.write(f"graphs {len(structures)}\n" + fmt("numbers", numbers) + fmt("graph_of_atom", graph))
            f.write(fmt("positions", pos) + fmt("lattices", lat) + fmt("centers", ci) + fmt("neighbors", nj)
                    + fmt("shifts", sh))
        batch = Records(bpath)
        positions = batch.floats("positions").reshape(-1, 3).requires_grad_(True)
        P = soap_descriptors(batch, Records(wpath), positions=positions)
    assert P.requires_grad
    basis = soap_numpy.Basis(settings.cutoff, settings.n_max, settings.l_max, settings.sigma)
    ref = np.vstack([soap_numpy.spectrum(a.positions, a.numbers, np.array(a.cell), a.pbc, settings.species,
                                         settings.cutoff, settings.width, basis, settings.l2) for a in structures])
    return _relative(P.detach().numpy(), ref)


def time_batch(n_configs=8, seed=11):
    """Forward + backward (forces) of n_configs Si structures of 30-60 atoms at the paper's sizes."""
    import time
    from ase import Atoms
    rng = np.random.default_rng(seed)
    settings = SoapSettings([14], 5.0, 8, 6, 0.5, 1.0, False)
    pos, numbers, graph, lat, ci, nj, sh = [], [], [], [], [], [], []
    offset = 0
    for g in range(n_configs):
        n = int(rng.integers(30, 61))
        L = (n * 20.0) ** (1 / 3)  # ~ diamond Si density, 20 Å^3 per atom
        atoms = Atoms(numbers=[14] * n, scaled_positions=rng.random((n, 3)), cell=np.eye(3) * L, pbc=True)
        i, j, S = _ase_edges(atoms, settings.cutoff)
        ci.append(i + offset), nj.append(j + offset), sh.append(S)
        pos.append(atoms.positions), lat.append(np.array(atoms.cell))
        numbers += [14] * n
        graph += [g] * n
        offset += n
    radial_tables(settings)  # the basis (mpmath) is built once per configuration, not per call
    t0 = time.perf_counter()
    positions = torch.tensor(np.vstack(pos), requires_grad=True)
    P = soap_from_positions(positions, numbers, torch.tensor(np.array(lat)), torch.tensor(graph), torch.cat(ci),
                            torch.cat(nj), torch.cat(sh), settings)
    t1 = time.perf_counter()
    (g,) = torch.autograd.grad((P * P).sum(), positions)
    t2 = time.perf_counter()
    return offset, int(torch.cat(ci).numel()), t1 - t0, t2 - t1


def self_check():
    torch.set_default_dtype(torch.float64)
    ok = True

    def report(name, value, limit):
        nonlocal ok
        ok &= value <= limit
        print(f"{name:58s} {value:.3e}  (limit {limit:.0e})")

    report("addition theorem, l <= 9", check_addition_theorem(), 1e-13)
    report("solid harmonics and their Jacobian at r = 0", check_origin(), 1e-15)
    structures = _structures()
    paper = SoapSettings([14, 6], 5.0, 8, 6, 0.5, 1.0, False)
    small = SoapSettings([6, 14], 4.5, 5, 4, 0.4, 1.5, True)
    report("vs soap_numpy: Si + SiC, n8 l6 rc5 sigma0.5 w1", check_against_numpy(paper, structures), 1e-12)
    report("vs soap_numpy: Si + SiC, n5 l4 rc4.5 sigma0.4 w1.5 l2", check_against_numpy(small, structures), 1e-12)
    report("soap_descriptors (2-graph batch records) vs soap_numpy", check_descriptors_api(paper, structures), 1e-12)
    report("autograd vs 4th-order central differences, SiC, n8 l6", check_gradient(paper, structures[1]), 1e-9)
    report("autograd vs 4th-order central differences, SiC, l2", check_gradient(small, structures[1]), 1e-9)
    report("autograd vs 4th-order central differences, Si, n8 l6", check_gradient(paper, structures[0]), 1e-9)
    n_atoms, n_edges, t_fwd, t_bwd = time_batch()
    print(f"timing: 8 Si configurations, {n_atoms} atoms, {n_edges} edges, n8 l6 rc5: "
          f"forward {t_fwd:.2f} s, backward {t_bwd:.2f} s")
    print("all checks passed" if ok else "SOME CHECKS FAILED")
    return ok


if __name__ == "__main__":
    if sys.argv[1:] != ["--check"]:
        sys.exit(__doc__)
    sys.exit(0 if self_check() else 1)
