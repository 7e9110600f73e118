#!/usr/bin/env python3
"""Independent NumPy/SciPy SOAP power spectrum, written from the formulas (not from eipnn's code).

Convention (see include/eipnn/soap/soap.hpp): density of Gaussians exp(-alpha |r - r_j|^2),
alpha = 1/(2 sigma^2), over neighbours (ASE's neighbour list) and the centre itself, weighted by a
cosine switch over [rc - width, rc]; DScribe's GTO grid r_n = linspace(1, rc, n_max),
a_nl = -ln(1e-3 / r_n^l) / r_n^2; orthonormalisation beta = inv(cholesky(S)); complex spherical
harmonics from scipy (sum_m c c* equals the real-harmonic sum); p = pi sqrt(8/(2l+1)) sum_m ...

Radial integral in closed form,
  int r^2 g_nl(r) 4 pi exp(-alpha (r^2 + r_j^2)) i_l(2 alpha r r_j) dr
     = r_j^l sum_n' beta_nn' A_n'l exp(-B_n'l r_j^2),
checked against scipy.integrate.quad by `check_quadrature`.

Usage: soap_numpy.py input.txt output.txt      (file formats: read_input / main below)
"""
import sys
import warnings

import numpy as np
from scipy import integrate, linalg, special

try:  # scipy >= 1.15 renamed sph_harm (m, l, azimuth, polar) to sph_harm_y (l, m, polar, azimuth)
    def ylm(l, m, polar, azimuth):
        return special.sph_harm_y(l, m, polar, azimuth)
    special.sph_harm_y
except AttributeError:
    def ylm(l, m, polar, azimuth):
        return special.sph_harm(m, l, azimuth, polar)


def cholesky_inverse_mp(cutoff, n_max, l, digits=40):
    """beta = inv(L), S = L L^T, in 40-digit arithmetic (mpmath), rounded to double.
    S has condition number ~1e7 (n_max 8): numpy's double Cholesky moves the radial functions by
    ~1e-10 relative, as much as the agreement the test asks for; 40 digits make the reference exact
    to double round-off (grid, exponents and overlap recomputed in mpmath from the formulas)."""
    import mpmath as mp
    with mp.workdps(digits):
        grid = [mp.mpf(1) + (mp.mpf(cutoff) - 1) * k / (n_max - 1) if n_max > 1 else mp.mpf(1)
                for k in range(n_max)]
        a = [-mp.log(mp.mpf("1e-3") / g ** l) / g ** 2 for g in grid]
        S = mp.matrix(n_max, n_max)
        for i in range(n_max):
            for j in range(n_max):
                S[i, j] = mp.mpf("0.5") * mp.gamma(l + mp.mpf(1.5)) * (a[i] + a[j]) ** (-(l + mp.mpf(1.5)))
        beta = mp.inverse(mp.cholesky(S))
        return np.array([[float(beta[i, j]) for j in range(n_max)] for i in range(n_max)])


class Basis:
    def __init__(self, cutoff, n_max, l_max, sigma):
        self.n_max, self.l_max = n_max, l_max
        self.alpha = 1.0 / (2.0 * sigma * sigma)
        grid = np.linspace(1.0, cutoff, n_max)
        self.a = np.empty((l_max + 1, n_max))
        self.beta = np.empty((l_max + 1, n_max, n_max))
        self.beta_double = np.empty((l_max + 1, n_max, n_max))
        self.A = np.empty((l_max + 1, n_max))
        self.B = np.empty((l_max + 1, n_max))
        for l in range(l_max + 1):
            a = -np.log(1e-3 / grid ** l) / grid ** 2
            S = 0.5 * special.gamma(l + 1.5) * (a[:, None] + a[None, :]) ** (-(l + 1.5))
            self.beta[l] = cholesky_inverse_mp(cutoff, n_max, l)
            # the same in double: kept to report what double precision alone would cost
            L = np.linalg.cholesky(S)
            self.beta_double[l] = linalg.solve_triangular(L, np.eye(n_max), lower=True)
            self.a[l] = a
            self.A[l] = np.pi ** 1.5 * self.alpha ** l / (self.alpha + a) ** (l + 1.5)
            self.B[l] = self.alpha * a / (self.alpha + a)

    def g(self, n, l, r):
        """Orthonormal radial function g_nl(r)."""
        return sum(self.beta[l, n, k] * r ** l * np.exp(-self.a[l, k] * r * r) for k in range(self.n_max))

    def radial(self, r):
        """(n_nb, n_max, l_max+1): sum_n' beta A exp(-B r^2), i.e. the radial integral / r^l."""
        e = np.exp(-self.B[None, :, :] * (r * r)[:, None, None])        # (nb, l, n')
        return np.einsum("lnk,lk,blk->bnl", self.beta, self.A, e)


def switch(r, cutoff, width):
    w = np.where(r < cutoff - width, 1.0, 0.5 * (1.0 + np.cos(np.pi * (r - cutoff + width) / width)))
    return np.where(r < cutoff, w, 0.0)


def check_quadrature(basis, cutoff):
    """Closed-form radial integral against quad for a few (r_j, n, l); returns the worst error
    relative to ||K||, K(r) = 4 pi exp(-alpha (r^2 + r_j^2)) i_l(2 alpha r r_j): by Cauchy-Schwarz
    |integral| <= ||g_nl|| ||K|| = ||K|| (weight r^2), the scale of the integral's rounding (single
    values can be far smaller, through cancellation between the n' of g_nl)."""
    worst = 0.0
    alpha = basis.alpha
    upper = cutoff + 12.0 / np.sqrt(alpha)   # the Gaussian factor is below e^-144 beyond

    def quad(f, rj):
        value, _ = integrate.quad(f, 0, rj + upper, points=[rj], epsabs=0, epsrel=1e-13, limit=400)
        return value

    for rj in (0.7, 2.3, 0.6 * cutoff, 0.95 * cutoff):
        for l in sorted({0, 1, basis.l_max}):
            def kernel(r):
                x = 2 * alpha * r * rj
                # i_l(x) exp(-x) stays finite; exp(-alpha (r^2 + r_j^2) + x) = exp(-alpha (r - r_j)^2)
                return 4 * np.pi * special.spherical_in(l, x) * np.exp(-x) * np.exp(-alpha * (r - rj) ** 2)
            scale = np.sqrt(quad(lambda r: r * r * kernel(r) ** 2, rj))
            for n in sorted({0, basis.n_max // 2, basis.n_max - 1}):
                value = quad(lambda r: r * r * basis.g(n, l, r) * kernel(r), rj)
                closed = rj ** l * basis.radial(np.array([rj]))[0, n, l]
                worst = max(worst, abs(value - closed) / scale)
    return worst


def spectrum(positions, numbers, cell, pbc, species, cutoff, width, basis, l2):
    """(n_atoms, n_features) power spectra."""
    from ase import Atoms
    from ase.neighborlist import neighbor_list
    atoms = Atoms(numbers=numbers, positions=positions, cell=cell, pbc=pbc)
    ii, jj, D = neighbor_list("ijD", atoms, cutoff)
    n_atoms = len(numbers)
    S, N, L = len(species), basis.n_max, basis.l_max
    channel = {z: k for k, z in enumerate(species)}
    out = []
    for i in range(n_atoms):
        sel = ii == i
        # the centre itself is one more Gaussian, at r = 0
        vec = np.vstack([np.zeros((1, 3)), D[sel]])
        ch = np.array([channel[numbers[i]]] + [channel[numbers[j]] for j in jj[sel]])
        r = np.linalg.norm(vec, axis=1)
        w = switch(r, cutoff, width)
        G = basis.radial(r) * w[:, None, None]                        # (nb, n, l)
        polar = np.arccos(np.clip(vec[:, 2] / np.where(r > 0, r, 1.0), -1, 1))
        azimuth = np.arctan2(vec[:, 1], vec[:, 0])
        c = np.zeros((S, N, L + 1, 2 * L + 1), dtype=complex)
        for l in range(L + 1):
            rl = r ** l if l > 0 else np.ones_like(r)                  # 0^0 = 1 for the centre
            for m in range(-l, l + 1):
                y = rl * ylm(l, m, polar, azimuth)                     # r^l Y_lm, 0 at r = 0 for l > 0
                contrib = G[:, :, l] * y[:, None]                      # (nb, n)
                for s in range(S):
                    c[s, :, l, m + l] = contrib[ch == s].sum(axis=0)
        p = []
        for s1 in range(S):
            for s2 in range(s1, S):
                for n in range(N):
                    for k in range(n if s1 == s2 else 0, N):
                        for l in range(L + 1):
                            v = np.sum(c[s1, n, l, :2 * l + 1] * np.conj(c[s2, k, l, :2 * l + 1]))
                            p.append(np.pi * np.sqrt(8.0 / (2 * l + 1)) * v.real)
        p = np.array(p)
        if l2:
            p = p / np.linalg.norm(p)
        out.append(p)
    return np.array(out)


def read_input(path):
    """Lines: `config species... | cutoff n_max l_max sigma width l2`, then per structure
    `structure n_atoms pbc0 pbc1 pbc2`, `lattice 9 numbers`, `numbers ...`, `positions ...`."""
    lines = [ln.split() for ln in open(path) if ln.strip()]
    head = lines[0]
    bar = head.index("|")
    species = [int(x) for x in head[1:bar]]
    cutoff, n_max, l_max, sigma, width, l2 = head[bar + 1:]
    cfg = dict(species=species, cutoff=float(cutoff), n_max=int(n_max), l_max=int(l_max), sigma=float(sigma),
               width=float(width), l2=int(l2) != 0)
    structures = []
    k = 1
    while k < len(lines):
        assert lines[k][0] == "structure"
        pbc = [x == "1" for x in lines[k][2:5]]
        cell = np.array([float(x) for x in lines[k + 1][1:]]).reshape(3, 3)
        numbers = [int(x) for x in lines[k + 2][1:]]
        positions = np.array([float(x) for x in lines[k + 3][1:]]).reshape(-1, 3)
        structures.append((positions, numbers, cell, pbc))
        k += 4
    return cfg, structures


def main():
    # quad warns that it cannot reach epsrel 1e-13 near round-off; the returned error is checked instead
    warnings.simplefilter("ignore", integrate.IntegrationWarning)
    cfg, structures = read_input(sys.argv[1])
    basis = Basis(cfg["cutoff"], cfg["n_max"], cfg["l_max"], cfg["sigma"])
    with open(sys.argv[2], "w") as f:
        f.write("quadrature_worst_relative_error %.17g\n" % check_quadrature(basis, cfg["cutoff"]))
        for positions, numbers, cell, pbc in structures:
            P = spectrum(positions, numbers, cell, pbc, cfg["species"], cfg["cutoff"], cfg["width"], basis,
                         cfg["l2"])
            f.write("P %d %d %s\n" % (P.shape[0], P.shape[1], " ".join("%.17g" % v for v in P.ravel())))


if __name__ == "__main__":
    main()
