// Analytic ZJW 2004 Mo EAM (eip/eam_zjw.hpp) against the table that tabulates the same form: the
// setfl file ../shared/data/potentials/Mo_ZhouJohnsonWadley_2004.eam.alloy (as embedded in the
// OpenKIM model EAM_Dynamo_ZhouJohnsonWadley_2004_Mo), evaluated by EamPotential::from_setfl, and
// the OpenKIM model itself through LAMMPS `pair_style kim` on the standard structures.
//
// A table cannot be exact: its spline (and the single-precision values its authors' code wrote)
// differ from the analytic functions. So the test first MEASURES that difference on a fine grid
// of r and rho, then propagates it to energies, forces and virials of each configuration (first
// order in the table errors; their squares are < 1e-12 here) and uses that bound, times a safety
// factor, as the tolerance. Any mistake in the analytic form or its parameters (a wrong digit
// moves energies by >~1e-4 eV/atom) is orders of magnitude above these tolerances.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "eipnn/eip/eam.hpp"
#include "eipnn/eip/eam_zjw.hpp"
#include "eipnn/io/extxyz.hpp"
#include "reference/eip_vs_reference.hpp"

using namespace eipnn;
using namespace eipnn::test;

namespace {

constexpr const char* kTable = "potentials/Mo_ZhouJohnsonWadley_2004.eam.alloy";
constexpr const char* kKimModel = "EAM_Dynamo_ZhouJohnsonWadley_2004_Mo__MO_271256517527_005";

// The measured grid covers r in [kRMin, r_c) and rho in [0, kRhoMaxOverRhoE * rho_e]; every test
// configuration is checked to stay inside (closest pair >= kRMin, largest density below), so the
// measured maxima apply to it. (mlearn Mo's closest pair is ~2.0 Å; bcc Mo's rho is ~rho_e.)
constexpr double kRMin = 1.8;
constexpr double kRhoMaxOverRhoE = 2.0;

// Safety factor on the propagated bound. The propagation itself is a worst case (every neighbour
// error at the largest value its table interval shows, all with the same sign), so the factor
// only has to cover what it leaves out: each interval's maximum is taken from 64 samples, within
// (1/64)^2 ~ 3e-4 relative of the true one for a smooth cubic error and, for the single-precision
// rounding of the table's values (constant per node, interpolated linearly in between), exact at
// the nodes; the envelope looks one interval to each side, so a density shifted by the table
// error stays covered; second-order terms are below 1e-6 of the first-order ones. 2 covers that
// with a wide margin. The printed ratios error/tolerance show how tight the bound is.
constexpr double kSafety = 2.0;

// Largest difference, per table interval, between the table's spline (value and derivative, as
// EamKernel evaluates them) and the analytic function, plus the local magnitudes the propagation
// needs. Index m covers [m h, (m + 1) h) of the table's grid h.
struct Envelope {
    double h = 0;
    std::vector<double> value, slope;      // |table - analytic| of the function and its derivative
    std::vector<double> d1, d2;            // max |analytic'| and |analytic''| (F only) in the interval

    // The largest of interval m and its two neighbours (a point at x, possibly moved by a table error).
    double at(const std::vector<double>& v, double x) const {
        const long m = long(x / h);
        double out = 0;
        for (long k = m - 1; k <= m + 1; ++k)
            if (k >= 0 && k < long(v.size())) out = std::max(out, v[std::size_t(k)]);
        if (m >= long(v.size())) FAIL("x = " << x << " lies beyond the measured range");
        return out;
    }
};

struct TableErrors {
    Envelope f, phi, F;   // density f(r), pair phi(r) (= (r phi)/r from the table), embedding F(rho)
};

template <class Analytic>
Envelope measure_function(const std::vector<double>& coeffs, double h, int n_nodes, double x_lo, double x_hi,
                          bool divide_by_x, const Analytic& analytic) {
    constexpr int kSub = 64;  // samples per table interval
    Envelope e;
    e.h = h;
    const std::size_t n = std::size_t(x_hi / h) + 1;
    e.value.assign(n, 0.0), e.slope.assign(n, 0.0), e.d1.assign(n, 0.0), e.d2.assign(n, 0.0);
    double d_prev = 0;
    for (long k = long(x_lo / h * kSub); k * h / kSub < x_hi; ++k) {
        const double x = k * h / kSub;
        const std::size_t m = std::size_t(x / h);
        const auto tp = table_point(x, 1.0 / h, n_nodes);
        double v = table_value(coeffs.data(), tp), d = table_derivative(coeffs.data(), tp);
        if (divide_by_x) {  // the table holds x * g(x): g = v / x, g' = (v' - g) / x
            v /= x;
            d = (d - v) / x;
        }
        double da;
        const double va = analytic(x, da);
        e.value[m] = std::max(e.value[m], std::abs(v - va));
        e.slope[m] = std::max(e.slope[m], std::abs(d - da));
        e.d1[m] = std::max(e.d1[m], std::abs(da));
        if (k > long(x_lo / h * kSub)) e.d2[m] = std::max(e.d2[m], std::abs(da - d_prev) / (h / kSub));
        d_prev = da;
    }
    return e;
}

double max_of(const std::vector<double>& v) { return v.empty() ? 0.0 : *std::max_element(v.begin(), v.end()); }

TableErrors measure(const EamTables& t, const ZjwFunctions<double>& mo, double r_cut) {
    TableErrors e;
    const double r_end = std::min(r_cut, t.cut);
    e.f = measure_function(uniform_table_spline(t.rhor[0], t.dr), t.dr, t.nr, kRMin, r_end, false,
                           [&](double r, double& d) { return mo.density(r, d); });
    e.phi = measure_function(uniform_table_spline(t.z2r[0], t.dr), t.dr, t.nr, kRMin, r_end, true,
                             [&](double r, double& d) { return mo.pair(r, d); });
    e.F = measure_function(uniform_table_spline(t.frho[0], t.drho), t.drho, t.nrho, 0.0, kRhoMaxOverRhoE * mo.rho_e,
                           false, [&](double rho, double& d) { return mo.embedding(rho, d); });
    return e;
}

const TableErrors& table_errors(const ZjwEamPotential& pot) {
    static const TableErrors e = [&] {
        const EamTables t = read_eam_setfl(data_file_or_skip(kTable).string());
        const TableErrors m = measure(t, pot.functions(0), pot.cutoff());
        const double rho_e = pot.functions(0).rho_e;
        // the embedding errors near the densities of condensed Mo (rho_e / 2 .. 2 rho_e), where
        // the tests' atoms are, and over all rho (largest at rho -> 0, the spline's one-sided end)
        double F_near = 0, dF_near = 0;
        for (std::size_t k = std::size_t(0.5 * rho_e / m.F.h); k < m.F.value.size(); ++k)
            F_near = std::max(F_near, m.F.value[k]), dF_near = std::max(dF_near, m.F.slope[k]);
        std::printf("ZJW Mo table vs analytic, largest differences (r in [%.1f, %.4f) Å, rho in [0, %.1f]):\n"
                    "  f %.2e  f' %.2e 1/Å  phi %.2e eV  phi' %.2e eV/Å  F %.2e eV  F' %.2e eV"
                    "  (rho >= rho_e/2: F %.2e eV, F' %.2e eV)\n",
                    kRMin, std::min(pot.cutoff(), t.cut), kRhoMaxOverRhoE * rho_e, max_of(m.f.value), max_of(m.f.slope),
                    max_of(m.phi.value), max_of(m.phi.slope), max_of(m.F.value), max_of(m.F.slope), F_near, dF_near);
        return m;
    }();
    return e;
}

// Tolerances for one configuration, from the measured table errors at its own distances and
// densities (first-order propagation, e_X(x) the envelope of X's error at x):
//   atom i:  |dE_i| <= e_F(rho_i) + |F'(rho_i)| d_i + 1/2 sum_j e_phi(r_ij),  d_i = sum_j e_f(r_ij)
//   edge ij: |dg_ij| <= (e_F'(rho_i) + |F''| d_i) |f'(r_ij)| + |F'(rho_i)| e_f'(r_ij) + e_phi'(r_ij) / 2
//   force k: sum over its edges, both directions;   virial: sum over edges of r_ij |dg_ij|.
struct Tolerances {
    double energy = 0, atom_energy = 0, force = 0, virial = 0;
};

Tolerances tolerances(const TableErrors& e, const ZjwFunctions<double>& mo, const Structure& s, double cutoff) {
    const auto nl = build_neighbor_list(s, cutoff);
    const std::size_t n = std::size_t(s.size());
    std::vector<double> rho(n, 0.0), drho(n, 0.0);
    for (std::size_t i = 0; i < n; ++i)
        for (index_t k = nl.offsets[i]; k < nl.offsets[i + 1]; ++k) {
            const double r = nl.distances[std::size_t(k)];
            if (r >= cutoff) continue;
            double unused;
            rho[i] += mo.density(r, unused);
            drho[i] += e.f.at(e.f.value, r);
        }
    Tolerances tol;
    std::vector<double> force(n, 0.0);
    for (std::size_t i = 0; i < n; ++i) {
        double dF;
        mo.embedding(rho[i], dF);
        const double Fp = std::max(std::abs(dF), e.F.at(e.F.d1, rho[i]));
        const double dFp = e.F.at(e.F.slope, rho[i]) + e.F.at(e.F.d2, rho[i]) * drho[i];
        double atom = e.F.at(e.F.value, rho[i]) + Fp * drho[i];
        for (index_t k = nl.offsets[i]; k < nl.offsets[i + 1]; ++k) {
            const double r = nl.distances[std::size_t(k)];
            if (r >= cutoff) continue;
            atom += 0.5 * e.phi.at(e.phi.value, r);
            const double edge = dFp * e.f.at(e.f.d1, r) + Fp * e.f.at(e.f.slope, r) + 0.5 * e.phi.at(e.phi.slope, r);
            force[i] += edge;                                          // on i, from dE_i/dr_ij
            force[std::size_t(nl.neighbors[std::size_t(k)])] += edge;  // on j
            tol.virial += r * edge;
        }
        tol.energy += atom;
        tol.atom_energy = std::max(tol.atom_energy, atom);
    }
    tol.force = max_of(force);
    tol.energy *= kSafety, tol.atom_energy *= kSafety, tol.force *= kSafety, tol.virial *= kSafety;
    return tol;
}

// Closest pair and largest density of a configuration (to check it lies inside the measured grid).
void require_inside_grid(const ZjwEamPotential& pot, const Structure& s, const std::string& name) {
    const auto nl = build_neighbor_list(s, pot.cutoff());
    const auto& mo = pot.functions(0);
    double r_min = 1e9, rho_max = 0;
    for (index_t i = 0; i < s.size(); ++i) {
        double rho = 0, unused;
        for (index_t k = nl.offsets[std::size_t(i)]; k < nl.offsets[std::size_t(i) + 1]; ++k) {
            const double r = nl.distances[std::size_t(k)];
            if (r >= pot.cutoff()) continue;
            r_min = std::min(r_min, r);
            rho += mo.density(r, unused);
        }
        rho_max = std::max(rho_max, rho);
    }
    INFO(name << ": closest pair " << r_min << " Å, largest density " << rho_max);
    REQUIRE(r_min >= kRMin);
    REQUIRE(rho_max <= kRhoMaxOverRhoE * mo.rho_e);
}

struct Worst {
    double energy = 0, atom_energy = 0, force = 0, virial = 0;  // error / tolerance
    double energy_abs = 0, force_abs = 0;
};

// Compares the analytic potential with a reference result (same coordinates) within the bounds.
void compare(const ZjwEamPotential& pot, const Structure& s, double ref_energy, const std::vector<double>& ref_atom,
             const std::vector<double>& ref_forces, const std::array<double, 9>& ref_virial, const std::string& name,
             Worst& worst, bool print = true) {
    require_inside_grid(pot, s, name);
    const Tolerances tol = tolerances(table_errors(pot), pot.functions(0), s, pot.cutoff());
    const EipResult<double> got = pot.compute(s);
    const double de = std::abs(got.energy - ref_energy);
    double dei = 0, df = 0, dw = 0;
    for (std::size_t i = 0; i < ref_atom.size(); ++i) dei = std::max(dei, std::abs(got.atom_energies[i] - ref_atom[i]));
    for (std::size_t k = 0; k < ref_forces.size(); ++k) df = std::max(df, std::abs(got.forces[k] - ref_forces[k]));
    for (int c = 0; c < 9; ++c) dw = std::max(dw, std::abs(got.virial[std::size_t(c)] - ref_virial[std::size_t(c)]));
    INFO(name << ": E analytic " << got.energy << " reference " << ref_energy);
    CHECK(de <= tol.energy);
    CHECK(dei <= tol.atom_energy);
    CHECK(df <= tol.force);
    CHECK(dw <= tol.virial);
    worst.energy = std::max(worst.energy, de / tol.energy);
    worst.atom_energy = std::max(worst.atom_energy, dei / tol.atom_energy);
    worst.force = std::max(worst.force, df / tol.force);
    worst.virial = std::max(worst.virial, dw / tol.virial);
    worst.energy_abs = std::max(worst.energy_abs, de / double(s.size()));
    worst.force_abs = std::max(worst.force_abs, df);
    if (print)
        std::printf("%-28s n=%4d dE=%.2e (tol %.1e) dEi=%.2e (%.1e) dF=%.2e (%.1e) dW=%.2e (%.1e)\n", name.c_str(),
                    int(s.size()), de, tol.energy, dei, tol.atom_energy, df, tol.force, dw, tol.virial);
}

void compare_to_table(const ZjwEamPotential& pot, const EamPotential& table, const Structure& s, const std::string& name,
                      Worst& worst, bool print = true) {
    const EipResult<double> ref = table.compute(s);
    compare(pot, s, ref.energy, ref.atom_energies, ref.forces, ref.virial, name, worst, print);
}

void report(const Worst& w, const std::string& what) {
    std::printf("%s: worst error/tolerance: E %.2f, E_i %.2f, F %.2f, W %.2f; max |dE|/atom %.2e eV, max |dF| %.2e eV/Å\n",
                what.c_str(), w.energy, w.atom_energy, w.force, w.virial, w.energy_abs, w.force_abs);
}

}  // namespace

TEST_CASE("eam/zjw Mo: the named set has the table's cutoff, and F(0) = 0", "[eip][eam_zjw][table]") {
    const auto pot = ZjwEamPotential::named("ZhouJohnsonWadley_2004_Mo");
    const EamTables t = read_eam_setfl(data_file_or_skip(kTable).string());
    // The file's cutoff was computed in single precision by the tabulation code: same to ~1e-7.
    CHECK(std::abs(pot.cutoff() - t.cut) <= 1e-6 * t.cut);
    CHECK(pot.supported_numbers() == std::vector<int>{42});
    CHECK(t.numbers == std::vector<int>{42});
    const auto& mo = pot.functions(0);
    double dF;
    // F(0) = F_n0 - F_n1 + F_n2 - F_n3 ~ 0 (an isolated atom has no embedding energy), to the
    // 1e-6 eV rounding of the published digits.
    CHECK(std::abs(mo.embedding(0.0, dF)) <= 2e-6);
}

TEST_CASE("eam/zjw Mo: table interpolation error, measured", "[eip][eam_zjw][table]") {
    const auto pot = ZjwEamPotential::named("ZhouJohnsonWadley_2004_Mo");
    const TableErrors& e = table_errors(pot);
    // The measurement must find the table close to the analytic form everywhere (a wrong
    // parameter shows up here first): densities to 1e-5 relative of f(r_e) = f_e, energies to
    // 1e-5 eV, about 100x the single-precision rounding of the table's values (~1e-7 relative of
    // values up to ~10) and its spline error; the printout shows the measured values.
    const auto& mo = pot.functions(0);
    CHECK(max_of(e.f.value) <= 1e-5 * mo.fe);
    CHECK(max_of(e.phi.value) <= 1e-5);
    CHECK(max_of(e.F.value) <= 1e-5);
    CHECK(max_of(e.f.slope) > 0);  // the measurement ran
}

TEST_CASE("eam/zjw Mo: standard structures match the setfl table within its interpolation error",
          "[eip][eam_zjw][table]") {
    const auto pot = ZjwEamPotential::named("ZhouJohnsonWadley_2004_Mo");
    const auto table = EamPotential::from_setfl(data_file_or_skip(kTable).string());
    Worst worst;
    for (const auto& [name, s] : standard_structures("bcc", 3.147, 42, 51, 1.3 * 3.147)) compare_to_table(pot, table, s, "zjw-table-" + name, worst);
    report(worst, "standard structures vs table");
}

TEST_CASE("eam/zjw Mo: mlearn Mo test set matches the setfl table within its interpolation error",
          "[eip][eam_zjw][table][mlearn]") {
    const auto pot = ZjwEamPotential::named("ZhouJohnsonWadley_2004_Mo");
    const auto table = EamPotential::from_setfl(data_file_or_skip(kTable).string());
    const auto frames = read_extxyz(data_file_or_skip("mlearn-mo/test.extxyz"));
    REQUIRE(!frames.empty());
    Worst worst;
    for (std::size_t k = 0; k < frames.size(); ++k)
        compare_to_table(pot, table, frames[k].structure, "zjw-mlearn-Mo-" + std::to_string(k), worst, false);
    report(worst, "mlearn Mo test (" + std::to_string(frames.size()) + " configurations) vs table");
}

TEST_CASE("eam/zjw Mo: standard structures match the OpenKIM model within its interpolation error",
          "[eip][eam_zjw][kim]") {
    const auto pot = ZjwEamPotential::named("ZhouJohnsonWadley_2004_Mo");
    lammps::lmp_binary_or_skip();
    const auto setup = lammps::kim_setup(kKimModel);
    Worst worst;
    for (const auto& [name, s] : standard_structures("bcc", 3.147, 42, 51, 1.3 * 3.147)) {
        const lammps::Result ref = lammps::run_lammps(s, setup, "zjw-kim-" + name);
        compare(pot, ref.structure, ref.energy, ref.atom_energies, ref.forces, ref.virial, "zjw-kim-" + name, worst);
    }
    report(worst, "standard structures vs OpenKIM");
}
