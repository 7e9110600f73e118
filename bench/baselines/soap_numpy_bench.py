#!/usr/bin/env python3
"""Throughput of a NumPy SOAP power spectrum (the convention of tests/reference/soap_numpy.py,
basis from that file) vectorised over all edges of a structure, descriptor alone and descriptor +
gradient. Neighbour lists (ASE) and the basis are built once, outside the timing, as in
bench_soap.cpp; best of `reps` passes over all configurations each.

descriptor (`spectrum`): radial factors (E, n, l), scipy complex Y_lm (E, lm), per-(atom, species)
segment sums by np.add.reduceat, the power spectrum by einsum. Checked against the reference's
per-atom loop on the first configuration (1e-12) before timing.

descriptor + gradient (`spectrum_and_vjp`): analytic, vectorised over edges, with real solid
harmonics in Cartesian form and their gradients; returns P and the vector-Jacobian product
dL/dvec (n_edges, 3) for a given (random) dL/dP, the quantity eipnn's soap_bwd computes (not the
full Jacobian). Checked before timing: its gradient against central differences of `spectrum` on a
small cluster (1e-7 of max |grad|), its descriptor against `spectrum` (1e-12); aborts otherwise.

usage: soap_numpy_bench.py DATA.extxyz [reps=3]
prints: numpy atoms_per_s=<x> atoms=<n>  and  numpy_gradient atoms_per_s=<y> atoms=<n>
"""
import os
import sys
import time
from math import factorial

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "reference"))
import soap_numpy as ref  # noqa: E402

CUTOFF, N_MAX, L_MAX, SIGMA, WIDTH, SPECIES = 5.0, 8, 6, 0.5, 1.0, [14]


def prepare(atoms):
    from ase.neighborlist import neighbor_list
    i, j, D = neighbor_list("ijD", atoms, CUTOFF)
    return atoms.numbers.copy(), i, j, D


def spectrum(basis, numbers, i, j, D):
    S, N, L = len(SPECIES), N_MAX, L_MAX
    n_atoms = len(numbers)
    channel = np.searchsorted(SPECIES, numbers)                 # SPECIES sorted
    r = np.linalg.norm(D, axis=1)
    G = basis.radial(r) * ref.switch(r, CUTOFF, WIDTH)[:, None, None]   # (E, n, l)
    polar = np.arccos(np.clip(D[:, 2] / r, -1, 1))
    azimuth = np.arctan2(D[:, 1], D[:, 0])
    lm_l = np.concatenate([[l] * (2 * l + 1) for l in range(L + 1)])
    Y = np.empty((len(r), len(lm_l)), dtype=complex)
    q = 0
    for l in range(L + 1):
        rl = r ** l
        for m in range(-l, l + 1):
            Y[:, q] = rl * ref.ylm(l, m, polar, azimuth)
            q += 1
    contrib = G[:, :, lm_l] * Y[:, None, :]                      # (E, n, lm)
    key = i * S + channel[j]
    order = np.argsort(key, kind="stable")
    key, contrib = key[order], contrib[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    c = np.zeros((n_atoms * S, N, len(lm_l)), dtype=complex)
    c[key[starts]] = np.add.reduceat(contrib, starts, axis=0)
    # the centre's own Gaussian: l = 0 only, Y_00 = 1/sqrt(4 pi)
    G0 = basis.radial(np.zeros(1))[0, :, 0] / np.sqrt(4 * np.pi)
    c[np.arange(n_atoms) * S + channel, :, 0] += G0
    c = c.reshape(n_atoms, S, N, len(lm_l))
    l_starts = np.array([l * l for l in range(L + 1)])
    factor = np.pi * np.sqrt(8.0 / (2 * np.arange(L + 1) + 1))
    blocks = []
    for s1 in range(S):
        for s2 in range(s1, S):
            prod = np.einsum("anq,akq->ankq", c[:, s1], np.conj(c[:, s2])).real
            p = np.add.reduceat(prod, l_starts, axis=3) * factor          # (a, n, k, l)
            if s1 == s2:
                iu = np.triu_indices(N)
                blocks.append(p[:, iu[0], iu[1], :].reshape(n_atoms, -1))
            else:
                blocks.append(p.reshape(n_atoms, -1))
    return np.concatenate(blocks, axis=1)


# ---------------------------------------------------------------------------------------------
# Descriptor + gradient. The baseline computes the vector-Jacobian product dL/dvec_e (n_edges, 3)
# for a given dL/dP (n_atoms, D), not the full Jacobian (n_edges, D, 3): that is what eipnn's
# soap_bwd does with dL/dP, so both sides do the same work. Written from the formulas:
#   c_{i s n lm} = sum_{e: centre i, species(j) = s} F_nl(r_e) R_lm(vec_e)  (+ the centre's l = 0 term)
#   F_nl(r) = w(r) sum_n' beta_lnn' A_ln' exp(-B_ln' r^2)   (radial integral / r^l)
#   R_lm    = r^l Y_lm, real orthonormal solid harmonics (Cartesian polynomials)
#   p_{s1 s2 n k l} = pi sqrt(8/(2l+1)) sum_m c_{i s1 n lm} c_{i s2 k lm}
# so dL/dvec_e = sum_{n,lm} dL/dc_{i s n lm} [F'_nl(r) R_lm vec/r + F_nl(r) grad R_lm(vec)].
# ---------------------------------------------------------------------------------------------

def solid_harmonics(D, L, gradient=True):
    """Real orthonormal solid harmonics R_lm = r^l Y_lm (E, (L+1)^2) and their Cartesian gradients
    (E, (L+1)^2, 3), index q = l^2 + l + m. Built from the unnormalised complex polynomials
    Q_lm = r^l P_l^m(cos theta) e^{i m phi} (no Condon-Shortley phase, which the power spectrum
    does not see) by the Legendre recurrences in Cartesian form:
      Q_mm = (2m-1) (x + i y) Q_{m-1,m-1},  Q_{m+1,m} = (2m+1) z Q_mm,
      (l-m) Q_lm = (2l-1) z Q_{l-1,m} - (l+m-1) r^2 Q_{l-2,m};
    value and gradient are carried together (rows 0 and 1..3) through the product rule; with
    gradient=False only the values (row 0), and None for the gradients."""
    rows = 4 if gradient else 1
    E = len(D)
    x, y, z = D[:, 0], D[:, 1], D[:, 2]
    zero, one = np.zeros(E), np.ones(E)

    def mul(f, Q):  # f, Q: (4, E) value + gradient; returns those of f Q
        out = np.empty_like(Q)
        out[0] = f[0] * Q[0]
        out[1:] = f[0] * Q[1:] + Q[0] * f[1:]
        return out

    xy = np.array([x + 1j * y, one + 0j, 1j * one, zero + 0j])[:rows]
    zq = np.array([z, zero, zero, one], dtype=complex)[:rows]
    r2q = np.array([x * x + y * y + z * z, 2 * x, 2 * y, 2 * z], dtype=complex)[:rows]
    Q = {(0, 0): np.array([one, zero, zero, zero], dtype=complex)[:rows]}
    for m in range(L + 1):
        if m > 0:
            Q[m, m] = (2 * m - 1) * mul(xy, Q[m - 1, m - 1])
        if m + 1 <= L:
            Q[m + 1, m] = (2 * m + 1) * mul(zq, Q[m, m])
        for l in range(m + 2, L + 1):
            Q[l, m] = ((2 * l - 1) * mul(zq, Q[l - 1, m]) - (l + m - 1) * mul(r2q, Q[l - 2, m])) / (l - m)
    R = np.empty((rows, E, (L + 1) ** 2))
    for l in range(L + 1):
        for m in range(l + 1):
            norm = np.sqrt((2 * l + 1) / (4 * np.pi) * factorial(l - m) / factorial(l + m))
            if m == 0:
                R[:, :, l * l + l] = norm * Q[l, 0].real
            else:   # sqrt(2) Re and Im: their squares sum to |Y_lm|^2 + |Y_l-m|^2
                R[:, :, l * l + l + m] = np.sqrt(2) * norm * Q[l, m].real
                R[:, :, l * l + l - m] = np.sqrt(2) * norm * Q[l, m].imag
    return R[0], (np.moveaxis(R[1:], 0, 2) if gradient else None)


def spectrum_and_vjp(basis, numbers, i, j, D, dL_dP):
    """(P (n_atoms, D), dL/dvec (n_edges, 3)) in the edge order of (i, j, D); with dL_dP None,
    P alone (no gradient work: reported as a second NumPy descriptor figure)."""
    gradient = dL_dP is not None
    S, N, L = len(SPECIES), N_MAX, L_MAX
    LM = (L + 1) ** 2
    n_atoms = len(numbers)
    channel = np.searchsorted(SPECIES, numbers)
    lm_l = np.concatenate([[l] * (2 * l + 1) for l in range(L + 1)])
    key = i * S + channel[j]
    order = np.argsort(key, kind="stable")
    key, Ds = key[order], D[order]
    r = np.linalg.norm(Ds, axis=1)
    # radial factor and its r-derivative, switch included
    ex = np.exp(-basis.B[None, :, :] * (r * r)[:, None, None])            # (E, l, n')
    H = np.einsum("lnk,lk,elk->enl", basis.beta, basis.A, ex)             # (E, n, l)
    w = ref.switch(r, CUTOFF, WIDTH)
    F = H * w[:, None, None]                                              # (E, n, l)
    R, dR = solid_harmonics(Ds, L, gradient)                              # (E, lm), (E, lm, 3)
    blk = [slice(l * l, (l + 1) * (l + 1)) for l in range(L + 1)]         # the m of each l
    contrib = np.empty((len(r), N, LM))                                   # (E, n, lm)
    for l in range(L + 1):
        contrib[:, :, blk[l]] = F[:, :, l, None] * R[:, None, blk[l]]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    c = np.zeros((n_atoms * S, N, LM))
    c[key[starts]] = np.add.reduceat(contrib, starts, axis=0)
    G0 = basis.radial(np.zeros(1))[0, :, 0] / np.sqrt(4 * np.pi)
    c[np.arange(n_atoms) * S + channel, :, 0] += G0
    c = c.reshape(n_atoms, S, N, LM)
    l_starts = np.array([l * l for l in range(L + 1)])
    factor = np.pi * np.sqrt(8.0 / (2 * np.arange(L + 1) + 1))
    iu = np.triu_indices(N)
    blocks, dL_dc, col = [], np.zeros_like(c), 0
    for s1 in range(S):
        for s2 in range(s1, S):
            prod = np.einsum("anq,akq->ankq", c[:, s1], c[:, s2])
            p = np.add.reduceat(prod, l_starts, axis=3) * factor          # (a, n, k, l)
            if not gradient:
                blocks.append((p[:, iu[0], iu[1], :] if s1 == s2 else p).reshape(n_atoms, -1))
                continue
            Wt = np.zeros((n_atoms, N, N, L + 1))                         # dL/dp as a full (n, k) grid
            if s1 == s2:
                width = len(iu[0]) * (L + 1)
                blocks.append(p[:, iu[0], iu[1], :].reshape(n_atoms, -1))
                Wt[:, iu[0], iu[1], :] = dL_dP[:, col:col + width].reshape(n_atoms, -1, L + 1)
            else:
                width = N * N * (L + 1)
                blocks.append(p.reshape(n_atoms, -1))
                Wt[:] = dL_dP[:, col:col + width].reshape(n_atoms, N, N, L + 1)
            col += width
            Wq = (Wt * factor)[:, :, :, lm_l]                               # (a, n, k, lm)
            dL_dc[:, s1] += np.einsum("ankq,akq->anq", Wq, c[:, s2])
            dL_dc[:, s2] += np.einsum("ankq,anq->akq", Wq, c[:, s1])
    P = np.concatenate(blocks, axis=1)
    if not gradient:
        return P
    dH_dr = np.einsum("lnk,lk,elk->enl", basis.beta, -2 * basis.A * basis.B, ex) * r[:, None, None]
    t = np.pi * (r - CUTOFF + WIDTH) / WIDTH
    dw_dr = np.where((r > CUTOFF - WIDTH) & (r < CUTOFF), -0.5 * np.pi / WIDTH * np.sin(t), 0.0)
    dF_dr = dH_dr * w[:, None, None] + H * dw_dr[:, None, None]           # (E, n, l)
    g = dL_dc.reshape(n_atoms * S, N, LM)[key]                            # (E, n, lm)
    T = np.empty((len(r), LM))                                            # dL/dR_lm per edge
    dL_dF = np.empty((len(r), N, L + 1))                                  # (E, n, l)
    for l in range(L + 1):
        T[:, blk[l]] = np.einsum("enm,en->em", g[:, :, blk[l]], F[:, :, l])
        dL_dF[:, :, l] = np.einsum("enm,em->en", g[:, :, blk[l]], R[:, blk[l]])
    U = np.einsum("enl,enl->e", dL_dF, dF_dr)                             # dL/dr per edge
    dL_dvec_sorted = U[:, None] * Ds / r[:, None] + np.einsum("eq,eqc->ec", T, dR)
    dL_dvec = np.empty_like(dL_dvec_sorted)
    dL_dvec[order] = dL_dvec_sorted
    return P, dL_dvec


def validate_gradient(basis, rng):
    """Central finite differences of L = sum(dL/dP * P) w.r.t. every edge-vector component of a
    small Si cluster (7 atoms, open boundaries, distances 2.3 to 4.6 Å: 8 of the 28 edges lie in
    the switch region [4, 5], whose w'(r) term is thus exercised).
    Step h = 1e-5 Å: truncation error ~ (h / 0.5 Å)^2 / 6 ~ 1e-10 for features varying on the
    Gaussian width sigma = 0.5 Å; round-off ~ eps |L| / h ~ 1e-11 |L|; both far below the 1e-7
    bound (relative to the largest gradient component)."""
    pos = np.array([[0, 0, 0], [2.3, 0.1, -0.2], [-0.4, 2.2, 0.6], [0.5, -0.7, 2.4], [3.1, 2.9, 1.2],
                    [-2.6, -1.8, -1.5], [1.9, -3.3, 2.2]]) + rng.normal(0, 0.05, (7, 3))
    numbers = np.full(7, 14)
    a, b = np.nonzero(np.ones((7, 7), bool) & ~np.eye(7, dtype=bool))
    D = pos[b] - pos[a]
    keep = np.linalg.norm(D, axis=1) < CUTOFF
    i, j, D = a[keep], b[keep], D[keep]
    assert np.any(np.linalg.norm(D, axis=1) > CUTOFF - WIDTH), "validation cluster misses the switch region"
    n_feat = spectrum(basis, numbers, i, j, D).shape[1]
    dL_dP = rng.normal(size=(7, n_feat))
    P, g = spectrum_and_vjp(basis, numbers, i, j, D, dL_dP)
    h = 1e-5
    fd = np.empty_like(g)
    for e in range(len(D)):
        for k in range(3):
            Dp, Dm = D.copy(), D.copy()
            Dp[e, k] += h
            Dm[e, k] -= h
            fd[e, k] = (np.sum(dL_dP * spectrum(basis, numbers, i, j, Dp))
                        - np.sum(dL_dP * spectrum(basis, numbers, i, j, Dm))) / (2 * h)
    err = np.abs(fd - g).max() / np.abs(g).max()
    return err, len(D)


def main():
    from ase.io import read
    path = sys.argv[1]
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    frames = read(path, index=":")
    basis = ref.Basis(CUTOFF, N_MAX, L_MAX, SIGMA)
    prepared = [prepare(a) for a in frames]
    first = frames[0]
    check = ref.spectrum(first.positions, list(first.numbers), first.cell.array, list(first.pbc), SPECIES, CUTOFF,
                         WIDTH, basis, False)
    fast = spectrum(basis, *prepared[0])
    err = np.abs(fast - check).max() / np.abs(check).max()
    if not err < 1e-12:
        sys.exit("soap_numpy_bench: vectorised spectrum differs from the reference by %g (bound 1e-12)" % err)
    # the gradient baseline: its gradient against finite differences, its descriptor against `spectrum`
    rng = np.random.default_rng(7)
    fd_err, fd_edges = validate_gradient(basis, rng)
    if not fd_err < 1e-7:
        sys.exit("soap_numpy_bench: analytic dL/dvec differs from central differences by %g (bound 1e-7)" % fd_err)
    n_feat = fast.shape[1]
    # dL/dP for the timing: random, fixed per structure, drawn outside the timing (as in bench_soap.cpp)
    dL_dPs = [rng.normal(size=(len(p[0]), n_feat)) for p in prepared]
    P_grad, _ = spectrum_and_vjp(basis, *prepared[0], dL_dPs[0])
    desc_err = np.abs(P_grad - fast).max() / np.abs(fast).max()
    if not desc_err < 1e-12:
        sys.exit("soap_numpy_bench: descriptor of the gradient baseline differs from `spectrum` by %g (bound 1e-12)"
                 % desc_err)
    n_atoms = sum(len(p[0]) for p in prepared)
    P_real = spectrum_and_vjp(basis, *prepared[0], None)
    real_err = np.abs(P_real - fast).max() / np.abs(fast).max()
    if not real_err < 1e-12:
        sys.exit("soap_numpy_bench: real-harmonic descriptor differs from `spectrum` by %g (bound 1e-12)" % real_err)
    best = best_grad = best_real = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        for p in prepared:
            spectrum(basis, *p)
        best = min(best, time.perf_counter() - t0)
    for _ in range(reps):
        t0 = time.perf_counter()
        for p in prepared:
            spectrum_and_vjp(basis, *p, None)
        best_real = min(best_real, time.perf_counter() - t0)
    for _ in range(reps):
        t0 = time.perf_counter()
        for p, g in zip(prepared, dL_dPs):
            spectrum_and_vjp(basis, *p, g)
        best_grad = min(best_grad, time.perf_counter() - t0)
    print("# numpy %s, threads: OMP/OPENBLAS_NUM_THREADS=%s; best of %d passes each"
          % (np.__version__, os.environ.get("OMP_NUM_THREADS", "default"), reps))
    print("# numpy gradient = descriptor + vector-Jacobian product dL/dvec (n_edges, 3) for a random dL/dP "
          "(not the full Jacobian); checked: central differences on %d edges, max error %.2g of max |grad|; "
          "descriptor equals `spectrum` to %.2g" % (fd_edges, fd_err, desc_err))
    print("# numpy descriptor alone with the gradient baseline's real solid harmonics (instead of scipy's "
          "complex sph_harm): atoms_per_s=%.4g" % (n_atoms / best_real))
    print("numpy atoms_per_s=%.6g atoms=%d" % (n_atoms / best, n_atoms))
    print("numpy_gradient atoms_per_s=%.6g atoms=%d" % (n_atoms / best_grad, n_atoms))


if __name__ == "__main__":
    main()
