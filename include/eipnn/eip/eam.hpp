// Tabulated embedded-atom method (`pair_style eam` funcfl, `pair_style eam/alloy` setfl):
//   E_i = F_a(rho_i) + 1/2 sum_j phi_ab(r_ij),   rho_i = sum_j rho_b(r_ij),
// a, b the entries of atoms i, j. Tables are evaluated with LAMMPS' spline scheme
// (math/uniform_table_spline.hpp), F extended linearly past the end of its table as LAMMPS does.
// The per-atom kernel writes E_i and dE_i/dr_ij = (F_a'(rho_i) rho_b'(r) + phi_ab'(r)/2) r_ij/r;
// the j-side embedding term F_b'(rho_j) rho_a'(r) arrives through the reverse edge in the gather.
#pragma once
#include <cmath>
#include <string>
#include <type_traits>
#include <vector>

#include "eipnn/eip/eam_tables.hpp"
#include "eipnn/eip/atom_kernel_potential.hpp"
#include "eipnn/eip/species.hpp"
#include "eipnn/math/uniform_table_spline.hpp"

namespace eipnn {

template <class T>
struct EamKernel {
    Span<const index_t> offsets;        // (n_atoms + 1)
    Span<const index_t> neighbors;      // (n_edges)
    MatrixView<const double> vectors;   // (n_edges, 3)
    Span<const int> types;              // (n_atoms) entry index
    const T* frho;                      // (n_elements, nrho, 7)
    const T* rhor;                      // (n_elements, nr, 7)
    const T* z2r;                       // (n_pairs, nr, 7)
    int n_elements, nrho, nr;
    T inv_drho, inv_dr, rhomax, cut_sq;
    Span<T> atom_energy;                // (n_atoms) out
    MatrixView<T> dE_dr;                // (n_edges, 3) out

    EIPNN_HD const T* rho_table(int b) const { return rhor + std::size_t(b) * nr * kTableSplineCoeffs; }
    EIPNN_HD const T* pair_table(int a, int b) const {
        const int hi = a > b ? a : b, lo = a > b ? b : a;
        return z2r + std::size_t(hi * (hi + 1) / 2 + lo) * nr * kTableSplineCoeffs;
    }

    EIPNN_HD void operator()(index_t i) const {
        const int a = types[i];
        T rho = 0;
        for (index_t e = offsets[i]; e < offsets[i + 1]; ++e) {
            const T x = T(vectors(e, 0)), y = T(vectors(e, 1)), z = T(vectors(e, 2));
            const T r_sq = x * x + y * y + z * z;
            if (!(r_sq < cut_sq)) continue;
            rho += table_value(rho_table(types[neighbors[e]]), table_point(T(std::sqrt(r_sq)), inv_dr, nr));
        }
        const TablePoint<T> tp = table_point(rho * inv_drho, T(1), nrho);
        const T* F = frho + std::size_t(a) * nrho * kTableSplineCoeffs;
        const T dF_drho = table_derivative(F, tp);
        T energy = table_value(F, tp);
        if (rho > rhomax) energy += dF_drho * (rho - rhomax);  // linear beyond the table (LAMMPS)
        for (index_t e = offsets[i]; e < offsets[i + 1]; ++e) {
            const T x = T(vectors(e, 0)), y = T(vectors(e, 1)), z = T(vectors(e, 2));
            const T r_sq = x * x + y * y + z * z;
            if (!(r_sq < cut_sq)) {
                dE_dr(e, 0) = dE_dr(e, 1) = dE_dr(e, 2) = T(0);
                continue;
            }
            const int b = types[neighbors[e]];
            const T r = T(std::sqrt(r_sq));
            const TablePoint<T> rp = table_point(r, inv_dr, nr);
            const T drho_dr = table_derivative(rho_table(b), rp);
            const T* Z = pair_table(a, b);
            const T z2 = table_value(Z, rp), dz2_dr = table_derivative(Z, rp);
            const T inv_r = T(1) / r;
            const T phi = z2 * inv_r;
            const T dphi_dr = dz2_dr * inv_r - phi * inv_r;  // (r phi)'/r - phi/r
            energy += T(0.5) * phi;
            const T dE_dr_scalar = (dF_drho * drho_dr + T(0.5) * dphi_dr) * inv_r;
            dE_dr(e, 0) = dE_dr_scalar * x;
            dE_dr(e, 1) = dE_dr_scalar * y;
            dE_dr(e, 2) = dE_dr_scalar * z;
        }
        atom_energy[i] = energy;
    }
};

// Spline coefficients of all tables in one scalar type.
template <class T>
struct EamSplines {
    std::vector<T> frho, rhor, z2r;
};

// The spline tables a kernel reads, wherever they live (host or device memory).
template <class T>
struct EamTableViews {
    const T* frho;                      // (n_elements, nrho, 7)
    const T* rhor;                      // (n_elements, nr, 7)
    const T* z2r;                       // (n_pairs, nr, 7)
};

class EamPotential : public AtomKernelPotential<EamPotential> {
public:
    // `pair_style eam`: one funcfl file per element.
    static EamPotential from_funcfl(const std::vector<std::string>& paths, const SpeciesMap& mapping = {}) {
        std::string src;
        for (const auto& p : paths) src += (src.empty() ? "" : ",") + p;
        return EamPotential(read_eam_funcfl(paths), mapping, src);
    }
    static EamPotential from_funcfl(const std::string& path, const SpeciesMap& mapping = {}) {
        return from_funcfl(std::vector<std::string>{path}, mapping);
    }
    // `pair_style eam/alloy`: one setfl file.
    static EamPotential from_setfl(const std::string& path, const SpeciesMap& mapping = {}) {
        return EamPotential(read_eam_setfl(path), mapping, path);
    }

    EamPotential(EamTables tables, const SpeciesMap& mapping, std::string source)
        : tables_(std::move(tables)), source_(std::move(source)) {
        species_ = resolve_species(tables_.elements, mapping, source_);
        auto spline_all = [](const std::vector<std::vector<double>>& fs, double delta) {
            std::vector<double> out;
            for (const auto& f : fs) {
                const auto c = uniform_table_spline(f, delta);
                out.insert(out.end(), c.begin(), c.end());
            }
            return out;
        };
        d_.frho = spline_all(tables_.frho, tables_.drho);
        d_.rhor = spline_all(tables_.rhor, tables_.dr);
        d_.z2r = spline_all(tables_.z2r, tables_.dr);
        f_.frho.assign(d_.frho.begin(), d_.frho.end());
        f_.rhor.assign(d_.rhor.begin(), d_.rhor.end());
        f_.z2r.assign(d_.z2r.begin(), d_.z2r.end());
    }

    std::string style() const override { return tables_.style; }
    double cutoff() const override { return tables_.cut; }
    const std::string& source() const override { return source_; }
    const EamTables& tables() const { return tables_; }
    template <class T>
    const EamSplines<T>& splines() const {
        if constexpr (std::is_same_v<T, float>) return f_;
        else return d_;
    }

    // The kernel factory (atom_kernel_potential.hpp), shared with kernels/eipnn/cuda/eip.cuh.
    static constexpr int scratch_per_edge = 0;
    template <class T>
    EamTableViews<T> kernel_tables() const {
        const EamSplines<T>& sp = splines<T>();
        return {sp.frho.data(), sp.rhor.data(), sp.z2r.data()};
    }
    template <class T>
    EamKernel<T> kernel(const AtomKernelArgs<T>& a, const EamTableViews<T>& t) const {
        return {a.offsets, a.neighbors, a.vectors, a.types, t.frho, t.rhor, t.z2r, tables_.n_elements(), tables_.nrho,
                tables_.nr, T(1.0 / tables_.drho), T(1.0 / tables_.dr), T(tables_.rhomax),
                T(tables_.cut * tables_.cut), a.atom_energy, a.dE_dr};
    }

protected:
    const SpeciesTable& species() const override { return species_; }

private:
    EamTables tables_;
    std::string source_;
    SpeciesTable species_;
    EamSplines<double> d_;
    EamSplines<float> f_;
};

}  // namespace eipnn
