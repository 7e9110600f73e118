#!/usr/bin/env python3
"""Throughput of a NumPy SOAP power spectrum (the convention of tests/reference/soap_numpy.py,
basis from that file) vectorised over all edges of a structure: radial factors (E, n, l), scipy
complex Y_lm (E, lm), per-(atom, species) segment sums by np.add.reduceat, and the power spectrum
by einsum. Descriptor only (no gradient is timed). Neighbour lists (ASE) and the basis are built
once, outside the timing, as in bench_soap.cpp. Correctness: checked against the reference's
per-atom loop on the first configuration before timing.

usage: soap_numpy_bench.py DATA.extxyz [reps=3]     prints: numpy atoms_per_s=<x> atoms=<n>
"""
import os
import sys
import time

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
    assert err < 1e-12, "vectorised spectrum differs from the reference by %g" % err
    n_atoms = sum(len(p[0]) for p in prepared)
    best = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        for p in prepared:
            spectrum(basis, *p)
        best = min(best, time.perf_counter() - t0)
    print("# numpy %s, threads: OMP/OPENBLAS_NUM_THREADS=%s; descriptor only, best of %d passes; no gradient timed"
          % (np.__version__, os.environ.get("OMP_NUM_THREADS", "default"), reps))
    print("numpy atoms_per_s=%.6g atoms=%d" % (n_atoms / best, n_atoms))


if __name__ == "__main__":
    main()
