// Environment-dependent interatomic potential (EDIP) for silicon: Justo, Bazant, Kaxiras,
// Bulatov, Yip, Phys. Rev. B 58, 2539 (1998), in its exact analytic form (LAMMPS' `pair_style
// edip` interpolates tables; the OpenKIM model EDIP_JustoBazantKaxiras_1998_Si does not):
//   E_i = sum_j V2(r_ij, Z_i) + sum_{j<k} g(r_ij) g(r_ik) h(cos theta_jik, Z_i)
//   V2(r, Z) = A [(B/r)^rho - exp(-beta Z^2)] exp(sigma / (r - a))
//   g(r) = exp(gamma / (r - a)),   Z_i = sum_m f(r_im)
//   f(r) = 1 (r < c), exp(alpha / (1 - x^-3)) with x = (r - c)/(a - c) (c < r < a), 0 beyond a
//   h(l, Z) = lambda [1 - exp(-Q(Z) w^2) + eta Q(Z) w^2],  w = l + tau(Z)
//   Q(Z) = Q0 exp(-mu Z),  tau(Z) = u1 + u2 (u3 exp(-u4 Z) - exp(-2 u4 Z)).
// Every atom's energy depends on its coordination Z_i, so dE_i/dr_im carries dE_i/dZ_i f'(r_im).
// Parameters from a LAMMPS `.edip` file (one entry 'el el el A B a c alpha beta eta gamma lambda
// mu rho sigma Q0 u1 u2 u3 u4'; single-element EDIP only).
// No tables: on hosts with FMA vector units exp and log are math/exp_inline.hpp's polynomials
// (<= 2 eps relative, so SIMD loops), elsewhere the platform's.
#pragma once
#include <cmath>
#include <string>
#include <vector>

#include "eipnn/eip/atom_kernel_potential.hpp"
#include "eipnn/io/lammps_potential_file.hpp"
#include "eipnn/math/exp_inline.hpp"
#include "eipnn/eip/species.hpp"

namespace eipnn {

template <class T>
struct EdipParams {
    T A, B, a, c, alpha, beta, eta, gamma, lambda, mu, rho, sigma, Q0, u1, u2, u3, u4;

    template <class U>
    EdipParams<U> as() const {
        return {U(A), U(B), U(a), U(c), U(alpha), U(beta), U(eta), U(gamma), U(lambda), U(mu), U(rho), U(sigma),
                U(Q0), U(u1), U(u2), U(u3), U(u4)};
    }

    // Coordination contribution f(r) and df/dr, with t = x^3 so that r -> c is regular:
    // alpha / (1 - x^-3) = alpha t / (t - 1).
    EIPNN_HD T coordination(T r, T& df_dr) const {
        using std::exp;
        if (r < c) {
            df_dr = T(0);
            return T(1);
        }
        if (!(r < a)) {
            df_dr = T(0);
            return T(0);
        }
        const T x = (r - c) / (a - c);
        const T t = x * x * x;
        const T f = exp(alpha * t / (t - T(1)));
        df_dr = f * (-alpha / ((t - T(1)) * (t - T(1)))) * T(3) * x * x / (a - c);
        return f;
    }

    // The same for r < a without branches, for a loop over neighbours that vectorizes: below c,
    // x is clamped to 0, so t = 0 and f = exp(0) = 1, df/dr = 0 exactly, as above.
    EIPNN_HD T coordination_below_a(T r, T& df_dr) const {
        const T x_raw = (r - c) / (a - c);
        const T x = x_raw > T(0) ? x_raw : T(0);
        const T t = x * x * x;
        const T f = math::exp_inline(alpha * t / (t - T(1)));
        df_dr = f * (-alpha / ((t - T(1)) * (t - T(1)))) * T(3) * x * x / (a - c);
        return f;
    }

    // V2(r, Z) with dV2/dr and dV2/dZ (r < a).
    EIPNN_HD T pair(T r, T Z, T& dV_dr, T& dV_dZ) const {
        using std::exp;
        using std::pow;
        const T cut = exp(sigma / (r - a));
        const T dcut_dr = -cut * sigma / ((r - a) * (r - a));
        const T repulsion = pow(B / r, rho);
        const T bond_order = exp(-beta * Z * Z);
        const T bracket = repulsion - bond_order;
        dV_dr = A * (-rho * repulsion / r * cut + bracket * dcut_dr);
        dV_dZ = A * T(2) * beta * Z * bond_order * cut;
        return A * bracket * cut;
    }

    // g(r) and dg/dr (r < a).
    EIPNN_HD T radial3(T r, T& dg_dr) const {
        using std::exp;
        const T g = exp(gamma / (r - a));
        dg_dr = -g * gamma / ((r - a) * (r - a));
        return g;
    }

    // Q(Z), tau(Z) and their Z-derivatives, once per atom.
    EIPNN_HD void environment(T Z, T& Q, T& dQ_dZ, T& tau, T& dtau_dZ) const {
        using std::exp;
        environment_given_exp(exp(-mu * Z), exp(-u4 * Z), Q, dQ_dZ, tau, dtau_dZ);
    }

    // The same from exp(-mu Z) and exp(-u4 Z), for callers that batch the exponentials.
    EIPNN_HD void environment_given_exp(T e_mu, T e1, T& Q, T& dQ_dZ, T& tau, T& dtau_dZ) const {
        Q = Q0 * e_mu;
        dQ_dZ = -mu * Q;
        const T e2 = e1 * e1;  // exp(-2 u4 Z)
        tau = u1 + u2 * (u3 * e1 - e2);
        dtau_dZ = u2 * (-u4 * u3 * e1 + T(2) * u4 * e2);
    }

    // h(l, Z) with dh/dl and dh/dZ, given the environment terms.
    EIPNN_HD T angular(T l, T Q, T dQ_dZ, T tau, T dtau_dZ, T& dh_dl, T& dh_dZ) const {
        using std::exp;
        const T w = l + tau;
        return angular_given_exp(w, exp(-Q * w * w), Q, dQ_dZ, dtau_dZ, dh_dl, dh_dZ);
    }

    // The same from w = l + tau and e = exp(-Q w^2), for callers that batch the exponentials.
    EIPNN_HD T angular_given_exp(T w, T e, T Q, T dQ_dZ, T dtau_dZ, T& dh_dl, T& dh_dZ) const {
        const T dh_dw = lambda * (T(2) * Q * w * e + T(2) * eta * Q * w);
        const T dh_dQ = lambda * (w * w * e + eta * w * w);
        dh_dl = dh_dw;
        dh_dZ = dh_dQ * dQ_dZ + dh_dw * dtau_dZ;
        return lambda * (T(1) - e + eta * Q * w * w);
    }
};

// In-range neighbours (r < a) of one centre atom that EdipKernel caches in local arrays. A silicon
// atom has at most ~12-16 neighbours within a = 3.12 Å even far from equilibrium; an atom with
// more (overlapping atoms, a huge `a`) takes the uncached path, which gives the same result.
inline constexpr int kEdipCachedNeighbors = 32;
// The SIMD width: operator() pads its loops over neighbours and triplets to a multiple of it, and
// the host's `lanes` runs that many atoms at once.
inline constexpr int kEdipLanes = 4;
EIPNN_HD constexpr int edip_whole_lanes(int n) { return (n + kEdipLanes - 1) / kEdipLanes * kEdipLanes; }
// Triplets whose exponentials are evaluated together (one vectorizable loop); whole lanes.
inline constexpr int kEdipTripletBatch = 32;
static_assert(kEdipTripletBatch % kEdipLanes == 0, "the triplet batch is padded to whole vectors");

// Per-atom fused EDIP kernel: E_i and dE_i/dr_ij for every edge of i, in three steps.
//  1. one pass over i's edges: for each in-range neighbour, every factor that depends on that
//     neighbour alone (unit vector, 1/r, f and df/dr, (B/r)^rho, the V2 cutoff exp(sigma/(r-a)),
//     g and dg/dr) goes into a fixed-size local array: a scalar pass compacts the in-range
//     edges (r from the list), then one branch-free loop over the array, which the compiler
//     vectorizes, evaluates every exponential; Z_i is summed in edge order;
//  2. the triplets j < k around i, their gradient summed per neighbour along rhat_ij and across,
//     in batches: cosines, then the batch's exp(-Q w^2) in one SIMD loop, then h and the
//     gradient parts of j and k;
//  3. the two-body terms (they need Z_i), then each edge's gradient, including the coordination
//     part dE_i/dZ_i f'(r_ij) that is only known once every triplet has been seen.
// That is operator(), per atom: the device's form, and the host's where exp is a call. Where
// exp_inline is the polynomial (double on host targets with FMA vector units: the tool, the
// benches) the host runs `lanes` instead: the same steps and terms for four atoms at once, one
// per SIMD lane. Per atom, the loops over neighbours are short (4 to 8 slots at the usual 4 to
// 6 neighbours) and the triplets' sums scatter; across atoms every loop body is one full vector
// and each triplet costs one vector iteration shared by four atoms (bench_eip edip measures it).
// Capacity = how many in-range neighbours fit the cache; beyond it the kernel falls back to
// `uncached`, which recomputes pair terms inside the triplet loop (same formulas, slower).
// The device's stack frame (ptxas, sm_80 and sm_90: 5,504 B per thread for double, 2,944 B for
// float, no spills) is these arrays: step 1's 17 T[Capacity] (u, r, 1/r, f, f', (B/r)^rho, the
// V2 cutoff, g, their derivatives, the gradient sums: 4,352 B) and edge_of (128 B), and the
// batch form's triplets (tj, tk, tl, tw, te: 1,024 B). Loop counters index them, so they sit in
// local memory, not registers. Why: a neighbour's factors are read by all of its n - 1 triplets;
// `uncached` spends over 20 transcendentals per triplet instead of 1, about 4x the FLOPs of this
// path at the 6 in-range neighbours of the mlearn Si structures (at most 11 in the training set).
// GPU cost: local memory is device memory cached in L1 and L2, laid out so that a warp reading
// one slot in all its threads reads consecutive words. Only slots of in-range neighbours are
// touched: about 1.6 KB per thread at n = 6 (8 padded slots, 15 triplets). With the registers
// ptxas reports, an SM holds two blocks of 256 threads: about 0.8 MB touched (2.8 MB reserved)
// against 192 KB (A100) or 256 KB (H100) of L1, so the triplet loop reads partly from L2, and
// with enough atoms to fill the GPU partly from DRAM. A smaller Capacity would shrink the
// reservation, not what is touched.
// The alternative is a warp-level tiling: a group of lanes per atom, a neighbour's factors in one
// lane's registers, triplets through warp shuffles, no local memory. Not done now: it would be a
// second, device-only EDIP beside this functor, which the host also runs (its SIMD loops work on
// these arrays), and nothing has yet measured on a GPU whether this traffic costs more than
// recomputing saves (bench_device, ncu's local-memory counters).
template <class T, int Capacity = kEdipCachedNeighbors>
struct EdipKernel {
    Span<const index_t> offsets;       // (n_atoms + 1)
    MatrixView<const double> vectors;  // (n_edges, 3)
    Span<const double> distances;      // (n_edges), the list's |r_ij|: no sqrt per edge here
    EdipParams<T> p;
    Span<T> atom_energy;               // (n_atoms) out
    MatrixView<T> dE_dr;               // (n_edges, 3) out
    // every row is assigned: out-of-range ones zeroed during compaction, the others in step 3 (or
    // all of them by `uncached`), so the caller need not zero them first
    static constexpr bool assigns_every_edge = true;
    // the neighbour arrays: Capacity rounded up to whole lanes, so padding never overflows them
    static constexpr int kSlots = edip_whole_lanes(Capacity);

    EIPNN_HD bool edge(index_t e, T u[3], T& r) const {
        r = T(distances[e]);
        if (!(r < p.a)) return false;
        u[0] = T(vectors(e, 0)) / r, u[1] = T(vectors(e, 1)) / r, u[2] = T(vectors(e, 2)) / r;
        return true;
    }

    EIPNN_HD void operator()(index_t i) const {
        using math::exp_inline;
        using math::log_inline;
        const index_t begin = offsets[i], end = offsets[i + 1];
        // step 1: the per-neighbour cache, n in-range neighbours
        index_t edge_of[kSlots];
        T ux[kSlots], uy[kSlots], uz[kSlots], r[kSlots], inv_r[kSlots];
        T df_dr[kSlots];                 // coordination f'(r)
        T rep[kSlots], drep_dr[kSlots];  // (B/r)^rho and its r-derivative
        T cut[kSlots], dcut_dr[kSlots];  // exp(sigma / (r - a)) and its r-derivative
        T g[kSlots], dg_dr[kSlots];      // exp(gamma / (r - a)) and its r-derivative
        // dE_i/dr_ij, triplet parts so far: along rhat_ij, and the rest
        T along3[kSlots], gx[kSlots], gy[kSlots], gz[kSlots];
        int n = 0;
        for (index_t e = begin; e < end; ++e) {  // compaction: which edges are in range
            const T r_e = T(distances[e]);
            if (!(r_e < p.a)) {
                dE_dr(e, 0) = dE_dr(e, 1) = dE_dr(e, 2) = T(0);
                continue;
            }
            if (n == Capacity) {  // more neighbours than the cache holds: exact, slower path
                uncached(i);
                return;
            }
            edge_of[n] = e;
            ux[n] = T(vectors(e, 0)), uy[n] = T(vectors(e, 1)), uz[n] = T(vectors(e, 2));  // made unit vectors below
            r[n] = r_e;
            ++n;
        }
        // Pad to whole vectors with a harmless neighbour (r = c < a: finite everything), so the
        // SIMD loops below never fall into their scalar remainder; padded slots are unused.
        const int n_padded = edip_whole_lanes(n);
        for (int j = n; j < n_padded; ++j) ux[j] = p.c, uy[j] = uz[j] = T(0), r[j] = p.c;
        T f[kSlots];  // coordination f(r)
        for (int j = 0; j < n_padded; ++j) {  // no calls, no branches: SIMD over the neighbours
            const T rj = r[j];
            const T ir = T(1) / rj;
            inv_r[j] = ir;
            ux[j] *= ir, uy[j] *= ir, uz[j] *= ir;
            f[j] = p.coordination_below_a(rj, df_dr[j]);
            const T inv_ra = T(1) / (rj - p.a);  // negative inside the cutoff
            rep[j] = exp_inline(p.rho * log_inline(p.B * ir));  // (B/r)^rho; not pow: a third of its cost, SIMD
            drep_dr[j] = -p.rho * rep[j] * ir;
            cut[j] = exp_inline(p.sigma * inv_ra);
            dcut_dr[j] = -cut[j] * p.sigma * inv_ra * inv_ra;
            g[j] = exp_inline(p.gamma * inv_ra);
            dg_dr[j] = -g[j] * p.gamma * inv_ra * inv_ra;
            along3[j] = gx[j] = gy[j] = gz[j] = T(0);
        }
        T Z = 0;
        for (int j = 0; j < n; ++j) Z += f[j];  // in edge order, as the direct form
        // the atom's own exponentials, exp(-mu Z), exp(-u4 Z), exp(-beta Z^2), as one 4-wide vector
        T env[4] = {-p.mu * Z, -p.u4 * Z, -p.beta * Z * Z, T(0)};
        for (int k = 0; k < 4; ++k) env[k] = exp_inline(env[k]);
        T Q, dQ_dZ, tau, dtau_dZ;
        p.environment_given_exp(env[0], env[1], Q, dQ_dZ, tau, dtau_dZ);
        const T bond_order = env[2];
        // step 2: the triplets j < k in batches, their exponentials in one SIMD loop;
        // d cos / d r_ij = (rhat_ik - cos rhat_ij) / r_ij
        T energy = 0, dE_dZ = 0;
        int tj[kEdipTripletBatch], tk[kEdipTripletBatch];
        T tl[kEdipTripletBatch], tw[kEdipTripletBatch], te[kEdipTripletBatch];
        int next_j = 0, next_k = 1;
        while (next_k < n) {
            int m = 0;
            for (; m < kEdipTripletBatch && next_k < n; ++m) {
                const int j = next_j, k = next_k;
                tj[m] = j, tk[m] = k;
                tl[m] = ux[j] * ux[k] + uy[j] * uy[k] + uz[j] * uz[k];
                tw[m] = tl[m] + tau;
                te[m] = -Q * tw[m] * tw[m];
                if (++next_k == n) next_k = ++next_j + 1;
            }
            const int m_padded = edip_whole_lanes(m);
            for (int t = m; t < m_padded; ++t) te[t] = T(0);
            for (int t = 0; t < m_padded; ++t) te[t] = exp_inline(te[t]);  // SIMD over the batch
            for (int t = 0; t < m; ++t) {
                const int j = tj[t], k = tk[t];
                const T l = tl[t];
                T dh_dl, dh_dZ;
                const T h = p.angular_given_exp(tw[t], te[t], Q, dQ_dZ, dtau_dZ, dh_dl, dh_dZ);
                const T gg = g[j] * g[k];
                energy += gg * h;
                dE_dZ += gg * dh_dZ;
                const T c = gg * dh_dl;
                const T cj = c * inv_r[j], ck = c * inv_r[k];
                along3[j] += dg_dr[j] * g[k] * h - cj * l;
                along3[k] += g[j] * dg_dr[k] * h - ck * l;
                gx[j] += cj * ux[k], gy[j] += cj * uy[k], gz[j] += cj * uz[k];
                gx[k] += ck * ux[j], gy[k] += ck * uy[j], gz[k] += ck * uz[j];
            }
        }
        // step 3: two-body terms, then the edges' gradients
        const T dbond_dZ = -T(2) * p.beta * Z * bond_order;
        for (int j = 0; j < n; ++j) {
            const T bracket = rep[j] - bond_order;
            energy += p.A * bracket * cut[j];
            dE_dZ -= p.A * dbond_dZ * cut[j];
        }
        atom_energy[i] = energy;
        for (int j = 0; j < n; ++j) {
            const T dV_dr = p.A * (drep_dr[j] * cut[j] + (rep[j] - bond_order) * dcut_dr[j]);
            const T along = along3[j] + dV_dr + dE_dZ * df_dr[j];
            const index_t e = edge_of[j];
            dE_dr(e, 0) = gx[j] + along * ux[j];
            dE_dr(e, 1) = gy[j] + along * uy[j];
            dE_dr(e, 2) = gz[j] + along * uz[j];
        }
    }

    // The host's loop over a range of atoms (core/host_backend.hpp, runs_ranges). Where exp_inline
    // is the polynomial, kEdipLanes atoms at a time, one per SIMD lane (`lanes`); elsewhere (generic
    // x86-64, float) per atom: there exp is a call per lane, and the lanes measured slower.
    void for_range(index_t first, index_t last) const {
        if constexpr (math::exp_inline_is_polynomial<T>) {
            for (index_t i = first; i < last; i += kEdipLanes)
                lanes(i, last - i < kEdipLanes ? int(last - i) : kEdipLanes);
        } else {
            for (index_t i = first; i < last; ++i) (*this)(i);
        }
    }

    // Atoms i0 .. i0 + count - 1 (count <= kEdipLanes), arrays [neighbour slot][lane]. Each lane
    // pads its slots up to the group's largest n with the harmless neighbour of operator() and a
    // weight 0 on f, f', g, g', the V2 cutoff and its derivative: padded slots add exact zeros, so
    // a lane's result does not depend on the other atoms of its group, and every lane sums its
    // terms in operator()'s order (triplets j < k in order, then the pair terms). Lanes beyond
    // count, and atoms that overflow the cache (which take `uncached`), stay padded throughout and
    // write nothing.
    void lanes(index_t i0, int count) const {
        using math::exp_inline;
        using math::log_inline;
        constexpr int L = kEdipLanes;
        // the arrays of operator(), one column per lane
        index_t edge_of[Capacity][L];
        T ux[Capacity][L], uy[Capacity][L], uz[Capacity][L], r[Capacity][L], inv_r[Capacity][L];
        T f[Capacity][L], df_dr[Capacity][L];
        T rep[Capacity][L], drep_dr[Capacity][L], cut[Capacity][L], dcut_dr[Capacity][L];
        T g[Capacity][L], dg_dr[Capacity][L];
        T along3[Capacity][L], gx[Capacity][L], gy[Capacity][L], gz[Capacity][L];
        int n[L];
        int n_max = 0;
        for (int q = 0; q < L; ++q) {  // compaction, per lane
            n[q] = 0;
            if (q >= count) continue;
            const index_t i = i0 + q;
            for (index_t e = offsets[i]; e < offsets[i + 1]; ++e) {
                const T r_e = T(distances[e]);
                if (!(r_e < p.a)) {
                    dE_dr(e, 0) = dE_dr(e, 1) = dE_dr(e, 2) = T(0);
                    continue;
                }
                if (n[q] == Capacity) {  // the exact, slower path; the lane stays empty
                    uncached(i);
                    n[q] = -1;
                    break;
                }
                const int j = n[q]++;
                edge_of[j][q] = e;
                ux[j][q] = T(vectors(e, 0)), uy[j][q] = T(vectors(e, 1)), uz[j][q] = T(vectors(e, 2));
                r[j][q] = r_e;
            }
            n_max = n[q] > n_max ? n[q] : n_max;
        }
        T weight[Capacity][L];  // 1 for a neighbour, 0 for padding
        for (int q = 0; q < L; ++q)
            for (int j = n[q] > 0 ? n[q] : 0; j < n_max; ++j) ux[j][q] = p.c, uy[j][q] = uz[j][q] = T(0), r[j][q] = p.c;
        for (int j = 0; j < n_max; ++j)
            for (int q = 0; q < L; ++q) weight[j][q] = j < n[q] ? T(1) : T(0);
        // step 1, SIMD over the lanes: operator()'s formulas, written out again because a shared
        // helper returning the nine factors as a struct left GCC's loops scalar (2-3x slower)
        for (int j = 0; j < n_max; ++j) {
            for (int q = 0; q < L; ++q) {
                const T rj = r[j][q], w = weight[j][q];
                const T ir = T(1) / rj;
                inv_r[j][q] = ir;
                ux[j][q] *= ir, uy[j][q] *= ir, uz[j][q] *= ir;
                T dfj;
                f[j][q] = w * p.coordination_below_a(rj, dfj);
                df_dr[j][q] = w * dfj;
                const T inv_ra = T(1) / (rj - p.a);
                rep[j][q] = exp_inline(p.rho * log_inline(p.B * ir));
                drep_dr[j][q] = -p.rho * rep[j][q] * ir;
                const T cj = w * exp_inline(p.sigma * inv_ra);
                cut[j][q] = cj;
                dcut_dr[j][q] = -cj * p.sigma * inv_ra * inv_ra;
                const T gj = w * exp_inline(p.gamma * inv_ra);
                g[j][q] = gj;
                dg_dr[j][q] = -gj * p.gamma * inv_ra * inv_ra;
                along3[j][q] = gx[j][q] = gy[j][q] = gz[j][q] = T(0);
            }
        }
        T Z[L] = {}, Q[L], dQ_dZ[L], tau[L], dtau_dZ[L], bond_order[L];
        for (int j = 0; j < n_max; ++j)
            for (int q = 0; q < L; ++q) Z[q] += f[j][q];  // in edge order; padding adds 0
        for (int q = 0; q < L; ++q) {
            const T e_mu = exp_inline(-p.mu * Z[q]), e_u4 = exp_inline(-p.u4 * Z[q]);
            p.environment_given_exp(e_mu, e_u4, Q[q], dQ_dZ[q], tau[q], dtau_dZ[q]);
            bond_order[q] = exp_inline(-p.beta * Z[q] * Z[q]);
        }
        // step 2: each triplet j < k once, all lanes together
        T energy[L] = {}, dE_dZ[L] = {};
        for (int j = 0; j < n_max; ++j) {
            for (int k = j + 1; k < n_max; ++k) {
                for (int q = 0; q < L; ++q) {
                    const T l = ux[j][q] * ux[k][q] + uy[j][q] * uy[k][q] + uz[j][q] * uz[k][q];
                    const T w = l + tau[q];
                    T dh_dl, dh_dZ;
                    const T e = exp_inline(-Q[q] * w * w);
                    const T h = p.angular_given_exp(w, e, Q[q], dQ_dZ[q], dtau_dZ[q], dh_dl, dh_dZ);
                    const T gg = g[j][q] * g[k][q];
                    energy[q] += gg * h;
                    dE_dZ[q] += gg * dh_dZ;
                    const T c = gg * dh_dl;
                    const T cj = c * inv_r[j][q], ck = c * inv_r[k][q];
                    along3[j][q] += dg_dr[j][q] * g[k][q] * h - cj * l;
                    along3[k][q] += g[j][q] * dg_dr[k][q] * h - ck * l;
                    gx[j][q] += cj * ux[k][q], gy[j][q] += cj * uy[k][q], gz[j][q] += cj * uz[k][q];
                    gx[k][q] += ck * ux[j][q], gy[k][q] += ck * uy[j][q], gz[k][q] += ck * uz[j][q];
                }
            }
        }
        // step 3: two-body terms, then the edges' gradients
        T dbond_dZ[L];
        for (int q = 0; q < L; ++q) dbond_dZ[q] = -T(2) * p.beta * Z[q] * bond_order[q];
        for (int j = 0; j < n_max; ++j) {
            for (int q = 0; q < L; ++q) {
                energy[q] += p.A * (rep[j][q] - bond_order[q]) * cut[j][q];
                dE_dZ[q] -= p.A * dbond_dZ[q] * cut[j][q];
            }
        }
        for (int j = 0; j < n_max; ++j) {
            for (int q = 0; q < L; ++q) {
                const T dV_dr = p.A * (drep_dr[j][q] * cut[j][q] + (rep[j][q] - bond_order[q]) * dcut_dr[j][q]);
                const T along = along3[j][q] + dV_dr + dE_dZ[q] * df_dr[j][q];
                gx[j][q] += along * ux[j][q], gy[j][q] += along * uy[j][q], gz[j][q] += along * uz[j][q];
            }
        }
        for (int q = 0; q < count; ++q) {
            if (n[q] < 0) continue;
            atom_energy[i0 + q] = energy[q];
            for (int j = 0; j < n[q]; ++j) {
                const index_t e = edge_of[j][q];
                dE_dr(e, 0) = gx[j][q], dE_dr(e, 1) = gy[j][q], dE_dr(e, 2) = gz[j][q];
            }
        }
    }

    // The direct form, for atoms with more than Capacity in-range neighbours: O(n^3) per atom,
    // no local arrays. Same functional form and derivatives as operator().
    EIPNN_HD void uncached(index_t i) const {
        const index_t begin = offsets[i], end = offsets[i + 1];
        T Z = 0, unused;
        for (index_t e = begin; e < end; ++e) {
            T u[3], r;
            if (edge(e, u, r)) Z += p.coordination(r, unused);
        }
        T Q, dQ_dZ, tau, dtau_dZ;
        p.environment(Z, Q, dQ_dZ, tau, dtau_dZ);
        // energy and dE_i/dZ_i
        T energy = 0, dE_dZ = 0;
        for (index_t j = begin; j < end; ++j) {
            T uj[3], rj;
            if (!edge(j, uj, rj)) continue;
            T dV_dr, dV_dZ;
            energy += p.pair(rj, Z, dV_dr, dV_dZ);
            dE_dZ += dV_dZ;
            const T gj = p.radial3(rj, unused);
            for (index_t k = begin; k < j; ++k) {
                T uk[3], rk;
                if (!edge(k, uk, rk)) continue;
                const T gk = p.radial3(rk, unused);
                T dh_dl, dh_dZ;
                const T l = uj[0] * uk[0] + uj[1] * uk[1] + uj[2] * uk[2];
                energy += gj * gk * p.angular(l, Q, dQ_dZ, tau, dtau_dZ, dh_dl, dh_dZ);
                dE_dZ += gj * gk * dh_dZ;
            }
        }
        atom_energy[i] = energy;
        // per-edge gradients: own pair term, coordination, and the triplets the edge is part of
        for (index_t j = begin; j < end; ++j) {
            T uj[3], rj;
            if (!edge(j, uj, rj)) {
                dE_dr(j, 0) = dE_dr(j, 1) = dE_dr(j, 2) = T(0);
                continue;
            }
            T dV_dr, dV_dZ, df_dr, dgj_dr;
            p.pair(rj, Z, dV_dr, dV_dZ);
            p.coordination(rj, df_dr);
            const T gj = p.radial3(rj, dgj_dr);
            T along = dV_dr + dE_dZ * df_dr;  // along rhat_ij
            T across[3] = {0, 0, 0};          // along rhat_ik, summed over k
            for (index_t k = begin; k < end; ++k) {
                if (k == j) continue;
                T uk[3], rk;
                if (!edge(k, uk, rk)) continue;
                const T gk = p.radial3(rk, unused);
                const T l = uj[0] * uk[0] + uj[1] * uk[1] + uj[2] * uk[2];
                T dh_dl, dh_dZ;
                const T h = p.angular(l, Q, dQ_dZ, tau, dtau_dZ, dh_dl, dh_dZ);
                along += dgj_dr * gk * h;
                const T w = gj * gk * dh_dl / rj;  // d l / d r_ij = (rhat_ik - l rhat_ij) / r_ij
                along -= w * l;
                across[0] += w * uk[0], across[1] += w * uk[1], across[2] += w * uk[2];
            }
            dE_dr(j, 0) = along * uj[0] + across[0];
            dE_dr(j, 1) = along * uj[1] + across[1];
            dE_dr(j, 2) = along * uj[2] + across[2];
        }
    }
};

// Reads the single-element entry of a LAMMPS .edip file ('#' comments; an entry may span lines)
// from a reader over a file or over text in memory (io::PotentialFileReader::from_text).
inline EdipParams<double> read_edip(io::PotentialFileReader& t, std::string* element = nullptr) {
    static const std::vector<std::string> fields = {"element1", "element2", "element3", "A", "B", "cutoffA", "cutoffC",
                                                    "alpha", "beta", "eta", "gamma", "lambda", "mu", "rho", "sigma",
                                                    "Q0", "u1", "u2", "u3", "u4"};
    const std::string& path = t.name();
    io::PotentialEntry e;
    if (!t.next_entry(fields, e))
        t.fail(str("no EDIP entry found; expected '", io::PotentialFileReader::join(fields), "'"));
    if (!t.at_end()) {
        const std::string next = t.next_word("element1");  // before where(): it moves the reader's line
        throw Error(str("a second entry starts after the ", fields.size(), " fields of the first (found '", next,
                        "'); only single-element EDIP is supported"),
                    t.where(), "keep one entry 'El El El A B ... u4' in the file");
    }
    if (e.word(0) != e.word(1) || e.word(0) != e.word(2))
        throw Error(str("the entry is for ", e.word(0), " ", e.word(1), " ", e.word(2),
                        "; only single-element EDIP is supported"),
                    io::detail::at_line(path, e.first_line()), "use an entry 'El El El ...'");
    double v[17];
    for (int k = 0; k < 17; ++k) v[k] = e.number(std::size_t(k) + 3);
    const EdipParams<double> p{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15], v[16]};
    if (!(p.a > p.c && p.c > 0))
        throw Error(str("cutoffs must satisfy 0 < cutoffC < cutoffA, got cutoffC = ", p.c, ", cutoffA = ", p.a),
                    io::detail::at_line(path, e.lines[5]), "fix the EDIP file");
    if (element) *element = e.word(0);
    return p;
}

inline EdipParams<double> read_edip(const std::string& path, std::string* element = nullptr) {
    io::PotentialFileReader t(path);
    return read_edip(t, element);
}

class EdipPotential : public AtomKernelPotential<EdipPotential> {
public:
    static EdipPotential from_file(const std::string& path, const SpeciesMap& mapping = {}) {
        std::string element;
        const auto p = read_edip(path, &element);
        return EdipPotential(p, element, mapping, path);
    }

    EdipPotential(EdipParams<double> p, std::string element, const SpeciesMap& mapping, std::string source)
        : p_(p), element_(std::move(element)), source_(std::move(source)) {
        species_ = resolve_species({element_}, mapping, source_);
    }

    std::string style() const override { return "edip"; }
    double cutoff() const override { return p_.a; }
    const std::string& source() const override { return source_; }
    const EdipParams<double>& params() const { return p_; }

    // The kernel factory (atom_kernel_potential.hpp), shared with kernels/eipnn/cuda/eip.cuh. One
    // entry: the kernel reads no types, and its parameters travel by value.
    static constexpr int scratch_per_edge = 0;
    static constexpr bool tables_by_value = true;
    template <class T>
    EdipParams<T> kernel_tables() const { return p_.template as<T>(); }
    template <class T>
    EdipKernel<T> kernel(const AtomKernelArgs<T>& a, const EdipParams<T>& p) const {
        return {a.offsets, a.vectors, a.distances, p, a.atom_energy, a.dE_dr};
    }

protected:
    const SpeciesTable& species() const override { return species_; }

private:
    EdipParams<double> p_;
    std::string element_, source_;
    SpeciesTable species_;
};

}  // namespace eipnn
