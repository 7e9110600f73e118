// EAM tables read from DYNAMO files, on one common grid, ready to be splined:
//   funcfl (`pair_style eam`, one element per file: F(rho), Z(r), rho(r)),
//   setfl  (`pair_style eam/alloy`, several elements: F(rho), rho(r) per element, r*phi(r) per pair).
// The funcfl conversion follows DYNAMO/LAMMPS: every file is resampled onto the largest spacings
// by 4-point Lagrange interpolation and r*phi_ij = 27.2 * 0.529 * Z_i(r) Z_j(r) (Hartree * Bohr,
// the effective charges Z being in atomic units). Grid sizes, spacings and cutoffs are taken the
// way LAMMPS takes them, so the spline built on top matches `pair_style eam` node for node.
#pragma once
#include <algorithm>
#include <string>
#include <vector>

#include "eipnn/eip/potential_file_lines.hpp"
#include "eipnn/geometry/elements.hpp"

namespace eipnn {

struct EamTables {
    std::string style;                      // "eam" or "eam/alloy"
    std::vector<std::string> elements;      // entry names, in file order (funcfl: one per file)
    std::vector<int> numbers;               // atomic number each file gives its entry
    int nrho = 0, nr = 0;                   // nodes of the density and radial grids
    double drho = 0, dr = 0;                // spacings
    double rhomax = 0;                      // end of the F table; F is extended linearly beyond
    double cut = 0;                         // interaction range, Å
    std::vector<std::vector<double>> frho;  // (n_elements)(nrho) F(rho), eV
    std::vector<std::vector<double>> rhor;  // (n_elements)(nr) density of element a at r
    std::vector<std::vector<double>> z2r;   // (n_pairs)(nr) r * phi_ab(r), eV Å; pair (a>=b) at a(a+1)/2+b

    int n_elements() const { return int(elements.size()); }
    static int pair_index(int a, int b) {
        const int hi = a > b ? a : b, lo = a > b ? b : a;
        return hi * (hi + 1) / 2 + lo;
    }
};

namespace detail {

struct Funcfl {
    std::string path;
    int number = 0;
    int nrho = 0, nr = 0;
    double drho = 0, dr = 0, cut = 0;
    std::vector<double> frho, zr, rhor;
};

inline void check_grid(const PotentialReader& t, int n, double d, const char* n_name, const char* d_name) {
    if (n < 5) t.fail(str(n_name, " = ", n, ": a table needs at least 5 points"));
    if (!(d > 0)) t.fail(str(d_name, " = ", d, ": the spacing must be positive"));
}

// The line 'Nrho drho Nr dr cutoff' (line `line_no` of the format): grid sizes, spacings, cutoff.
inline void read_grid_line(PotentialReader& t, int line_no, int& nrho, double& drho, int& nr, double& dr, double& cut) {
    const std::string layout = "Nrho drho Nr dr cutoff";
    const auto w = line_words(t, str("line ", line_no, " '", layout, "'"));
    if (w.size() < 5) t.fail(str("expected 5 fields '", layout, "' on line ", line_no, ", found ", w.size()));
    nrho = integer_field(t, w[0], str("Nrho (field 1 of line ", line_no, ")"));
    drho = number_field(t, w[1], str("drho (field 2 of line ", line_no, ")"));
    nr = integer_field(t, w[2], str("Nr (field 3 of line ", line_no, ")"));
    dr = number_field(t, w[3], str("dr (field 4 of line ", line_no, ")"));
    cut = number_field(t, w[4], str("cutoff (field 5 of line ", line_no, ")"));
    check_grid(t, nrho, drho, "Nrho", "drho");
    check_grid(t, nr, dr, "Nr", "dr");
    if (!(cut > 0)) t.fail(str("cutoff = ", cut, ": must be positive"));
}

inline Funcfl read_funcfl(PotentialReader& t) {
    Funcfl f;
    f.path = t.name();
    t.raw_line("the comment line that opens a funcfl file");
    const auto w = line_words(t, "line 2 'atomic-number mass lattice-constant lattice-type'");
    f.number = integer_field(t, w[0], "the atomic number (field 1 of line 2)");
    number_field(t, line_field(t, w, 1, "the mass", "atomic-number mass lattice-constant lattice-type"),
                 "the mass (field 2 of line 2)");
    read_grid_line(t, 3, f.nrho, f.drho, f.nr, f.dr, f.cut);
    table_numbers(t, std::size_t(f.nrho), f.frho, "F(rho)");
    table_numbers(t, std::size_t(f.nr), f.zr, "Z(r)");
    table_numbers(t, std::size_t(f.nr), f.rhor, "rho(r)");
    return f;
}

// DYNAMO's 4-point Lagrange resampling of `v` (spacing dv) at x; the stencil is kept inside the
// table, so points past its end are extrapolated by the last cubic.
inline double lagrange4(const std::vector<double>& v, double dv, double x) {
    constexpr double sixth = 1.0 / 6.0;
    const int n = int(v.size());
    double p = x / dv + 1.0;
    // clamped to [2, n - 2] before the conversion: int() of NaN or of a value beyond int's range
    // is undefined (NaN takes n - 2 and stays in p)
    const int k = p < double(n - 2) ? (p > 2.0 ? int(p) : 2) : n - 2;
    p -= k;
    p = std::min(p, 2.0);
    const double c1 = -sixth * p * (p - 1.0) * (p - 2.0);
    const double c2 = 0.5 * (p * p - 1.0) * (p - 2.0);
    const double c3 = -0.5 * p * (p + 1.0) * (p - 2.0);
    const double c4 = sixth * p * (p * p - 1.0);
    // k is 1-based: nodes k-1 .. k+2 are v[k-2] .. v[k+1]
    return c1 * v[std::size_t(k - 2)] + c2 * v[std::size_t(k - 1)] + c3 * v[std::size_t(k)] + c4 * v[std::size_t(k + 1)];
}

}  // namespace detail

// One or more funcfl files, one element each (as `pair_coeff i i file` per type in LAMMPS), from
// readers over files or over text in memory (io::PotentialFileReader::from_text).
inline EamTables read_eam_funcfl(std::vector<io::PotentialFileReader>& readers) {
    if (readers.empty()) throw Error("no funcfl file given", "EAM funcfl", "give one file per element");
    std::vector<detail::Funcfl> files;
    for (auto& r : readers) files.push_back(detail::read_funcfl(r));
    EamTables t;
    t.style = "eam";
    double rmax = 0;
    for (const auto& f : files) {
        t.dr = std::max(t.dr, f.dr);
        t.drho = std::max(t.drho, f.drho);
        rmax = std::max(rmax, (f.nr - 1) * f.dr);
        t.rhomax = std::max(t.rhomax, (f.nrho - 1) * f.drho);
        t.cut = std::max(t.cut, f.cut);
    }
    // LAMMPS' common grid: the node count from the largest range over the largest spacing
    // (+0.5 against round-off in the division), nodes at (m-1) * spacing.
    t.nr = int(rmax / t.dr + 0.5);
    t.nrho = int(t.rhomax / t.drho + 0.5);
    for (const auto& f : files) {
        const std::string sym = element_symbol(f.number);
        for (const auto& e : t.elements)
            if (e == sym)
                throw Error(str("two funcfl files give element ", sym), f.path, "give one file per element");
        t.elements.push_back(sym);
        t.numbers.push_back(f.number);
        std::vector<double> F(std::size_t(t.nrho)), rho(std::size_t(t.nr));
        for (int m = 0; m < t.nrho; ++m) F[std::size_t(m)] = detail::lagrange4(f.frho, f.drho, m * t.drho);
        for (int m = 0; m < t.nr; ++m) rho[std::size_t(m)] = detail::lagrange4(f.rhor, f.dr, m * t.dr);
        t.frho.push_back(std::move(F));
        t.rhor.push_back(std::move(rho));
    }
    const int n = t.n_elements();
    t.z2r.resize(std::size_t(n * (n + 1) / 2));
    for (int a = 0; a < n; ++a)
        for (int b = 0; b <= a; ++b) {
            auto& z2 = t.z2r[std::size_t(EamTables::pair_index(a, b))];
            z2.resize(std::size_t(t.nr));
            for (int m = 0; m < t.nr; ++m) {
                const double r = m * t.dr;
                const double za = detail::lagrange4(files[std::size_t(a)].zr, files[std::size_t(a)].dr, r);
                const double zb = detail::lagrange4(files[std::size_t(b)].zr, files[std::size_t(b)].dr, r);
                z2[std::size_t(m)] = 27.2 * 0.529 * za * zb;
            }
        }
    return t;
}

inline EamTables read_eam_funcfl(const std::vector<std::string>& paths) {
    std::vector<io::PotentialFileReader> readers;
    for (const auto& p : paths) readers.emplace_back(p);
    return read_eam_funcfl(readers);
}

// A setfl file: 3 comment lines, 'N el1 .. elN', 'Nrho drho Nr dr cutoff', per element a line
// 'Z mass a0 lattice' then F (Nrho values) and rho (Nr values), then r*phi for pairs i >= j.
inline EamTables read_eam_setfl(io::PotentialFileReader& f) {
    EamTables t;
    t.style = "eam/alloy";
    for (int k = 0; k < 3; ++k) f.raw_line(str("comment line ", k + 1, " of the 3 that open a setfl file"));
    const auto w = detail::line_words(f, "line 4 'N element1 ... elementN'");
    const int n = detail::integer_field(f, w[0], "the number of elements (field 1 of line 4)");
    if (n < 1) f.fail(str("the number of elements is ", n, "; expected at least 1"));
    if (int(w.size()) < n + 1)
        f.fail(str("line 4 announces ", n, " elements but names ", w.size() - 1, "; expected 'N element1 ... elementN'"));
    for (int k = 0; k < n; ++k) {
        for (const auto& e : t.elements)
            if (e == w[std::size_t(k) + 1]) f.fail(str("element '", e, "' is listed twice on line 4"));
        t.elements.push_back(w[std::size_t(k) + 1]);
    }
    detail::read_grid_line(f, 5, t.nrho, t.drho, t.nr, t.dr, t.cut);
    t.rhomax = (t.nrho - 1) * t.drho;
    for (int k = 0; k < n; ++k) {
        const std::string& el = t.elements[std::size_t(k)];
        const auto z = detail::line_words(f, str("the line 'Z mass a0 lattice' of element ", el));
        t.numbers.push_back(detail::integer_field(f, z[0], str("the atomic number of element ", el, " (field 1)")));
        std::vector<double> F, rho;
        detail::table_numbers(f, std::size_t(t.nrho), F, str("F(rho) of element ", el));
        detail::table_numbers(f, std::size_t(t.nr), rho, str("rho(r) of element ", el));
        t.frho.push_back(std::move(F));
        t.rhor.push_back(std::move(rho));
    }
    t.z2r.resize(std::size_t(n * (n + 1) / 2));
    for (int a = 0; a < n; ++a)
        for (int b = 0; b <= a; ++b)
            detail::table_numbers(f, std::size_t(t.nr), t.z2r[std::size_t(EamTables::pair_index(a, b))],
                                  str("r*phi(r) of pair ", t.elements[std::size_t(a)], "-", t.elements[std::size_t(b)]));
    return t;
}

inline EamTables read_eam_setfl(const std::string& path) {
    io::PotentialFileReader f(path);
    return read_eam_setfl(f);
}

}  // namespace eipnn
