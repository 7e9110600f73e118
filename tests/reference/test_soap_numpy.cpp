// eipnn's SOAP power spectrum against an independent NumPy/SciPy implementation (soap_numpy.py:
// ASE neighbour list, complex scipy spherical harmonics, its own Cholesky basis, closed-form
// radial integrals checked against quadrature) on real mlearn Si, Ge and Mo test configurations
// (incl. the most sheared cell of each set) and synthetic two-species structures. Agreement
// required: 1e-10 per feature, relative to the atom's largest feature (single features can be
// cancellation-small). The basis is built by two Cholesky factorisations of an overlap with
// condition number ~1e7 (long double here, double in NumPy): ~sqrt(cond) eps ~ 1e-12 apart.
#include <catch2/catch.hpp>

#include <fstream>
#include <random>
#include <sstream>

#include "eipnn/geometry/prototypes.hpp"
#include "eipnn/io/extxyz.hpp"
#include "eipnn/soap/soap.hpp"
#include "support/test_support.hpp"

using namespace eipnn;

namespace {

void write_input(const std::string& path, const SoapConfig& cfg, const std::vector<Structure>& s) {
    std::ofstream f(path);
    f.precision(17);
    f << "config";
    for (int z : cfg.species) f << ' ' << z;
    f << " | " << cfg.cutoff << ' ' << cfg.n_max << ' ' << cfg.l_max << ' ' << cfg.sigma << ' ' << cfg.cutoff_width
      << ' ' << (cfg.normalization == SoapNormalization::l2 ? 1 : 0) << '\n';
    for (const Structure& st : s) {
        f << "structure " << st.size();
        for (int d = 0; d < 3; ++d) f << ' ' << (st.cell.pbc[std::size_t(d)] ? 1 : 0);
        f << "\nlattice";
        for (const Vec3& row : st.cell.lattice)
            for (double x : row) f << ' ' << (st.cell.has_lattice ? x : 0.0);
        f << "\nnumbers";
        for (int z : st.numbers) f << ' ' << z;
        f << "\npositions";
        for (double x : st.positions) f << ' ' << x;
        f << '\n';
    }
}

// Runs the NumPy reference and compares structure by structure, atom by atom.
void compare_with_numpy(const std::string& name, const SoapConfig& cfg, const std::vector<Structure>& s) {
    const auto dir = test::scratch_dir("soap_numpy_" + name);
    write_input((dir / "input.txt").string(), cfg, s);
    const std::string cmd = test::python() + " " + (test::test_dir() / "reference" / "soap_numpy.py").string() +
                            " " + (dir / "input.txt").string() + " " + (dir / "output.txt").string();
    REQUIRE(test::run(cmd) == 0);
    std::ifstream in(dir / "output.txt");
    std::string key;
    double quad_error = 1;
    in >> key >> quad_error;
    REQUIRE(key == "quadrature_worst_relative_error");
    INFO("closed-form radial integral vs scipy quad: " << quad_error);
    CHECK(quad_error <= 1e-12);
    const SoapBasis basis = SoapBasis::make(cfg);
    const index_t F = basis.n_features();
    for (std::size_t g = 0; g < s.size(); ++g) {
        const GraphBatch batch = make_graph_batch({s[g]}, cfg.cutoff);
        SoapSaved<double> saved;
        std::vector<double> P;
        soap_fwd(Host{}, batch, basis, saved, P);
        index_t n_atoms = 0, n_features = 0;
        in >> key >> n_atoms >> n_features;
        REQUIRE(key == "P");
        REQUIRE(n_atoms == s[g].size());
        REQUIRE(n_features == F);
        double worst = 0;
        for (index_t i = 0; i < n_atoms; ++i) {
            std::vector<double> ref(std::size_t(F), 0.0);
            double scale = 0;
            for (double& v : ref) {
                in >> v;
                scale = std::max(scale, std::abs(v));
            }
            REQUIRE(scale > 0);
            for (index_t k = 0; k < F; ++k)
                worst = std::max(worst, std::abs(P[std::size_t(i) * std::size_t(F) + std::size_t(k)] -
                                                 ref[std::size_t(k)]) / scale);
        }
        INFO(name << " structure " << g << " (" << s[g].size() << " atoms): worst per-atom relative difference "
                  << worst);
        CHECK(worst <= 1e-10);
    }
}

// Angle (degrees) between the two closest lattice vectors, small = strongly sheared.
double smallest_angle(const Cell& c) {
    double m = 180;
    for (int a = 0; a < 3; ++a)
        for (int b = a + 1; b < 3; ++b) {
            const double cosv = dot(c.lattice[std::size_t(a)], c.lattice[std::size_t(b)]) /
                                (norm(c.lattice[std::size_t(a)]) * norm(c.lattice[std::size_t(b)]));
            m = std::min(m, std::acos(std::abs(cosv)) * 180 / 3.14159265358979323846);
        }
    return m;
}

// The first, a middle and the most sheared configuration of a test set.
std::vector<Structure> pick(const std::string& file) {
    const std::vector<Frame> frames = read_extxyz(test::data_file_or_skip(file));
    REQUIRE(frames.size() >= 3);
    const std::size_t middle = frames.size() / 2;
    std::size_t sheared = 1;
    for (std::size_t k = 1; k < frames.size(); ++k)
        if (k != middle && smallest_angle(frames[k].structure.cell) < smallest_angle(frames[sheared].structure.cell))
            sheared = k;
    INFO("most sheared: configuration " << sheared << ", smallest cell angle "
                                        << smallest_angle(frames[sheared].structure.cell) << " degrees");
    CHECK(smallest_angle(frames[sheared].structure.cell) < 80);  // really triclinic
    return {frames[0].structure, frames[middle].structure, frames[sheared].structure};
}

Structure si_ge_crystal() {
    Structure s = build_prototype(prototype("diamond"), 14, 2.4);
    std::mt19937_64 rng(7);
    std::uniform_real_distribution<double> u(-0.2, 0.2);
    for (double& x : s.positions) x += u(rng);
    for (index_t i = 0; i < s.size(); i += 2) s.numbers[std::size_t(i)] = 32;
    return s;
}

Structure ge_si_cluster() {
    Structure s;
    const double pts[][3] = {{0, 0, 0}, {2.3, 0.1, -0.2}, {-0.4, 2.2, 0.6}, {1.1, 1.3, 2.0}, {-2.0, -1.0, 1.5},
                             {3.9, 2.0, 0.4}, {0.2, -2.4, -1.1}};
    for (const auto& p : pts) s.positions.insert(s.positions.end(), {p[0], p[1], p[2]});
    s.numbers = {32, 14, 14, 32, 14, 32, 14};
    s.cell = Cell::free_cluster();
    return s;
}

void require_modules() {
    for (const char* m : {"numpy", "scipy", "ase", "mpmath"}) test::require_python_module_or_skip(m);
}

}  // namespace

TEST_CASE("soap: matches the NumPy reference on mlearn Si", "[soap][reference]") {
    const auto s = pick("mlearn-si/test.extxyz");
    require_modules();
    compare_with_numpy("si", SoapConfig{}, s);  // paper setting: n_max 8, l_max 6, rc 5
}

TEST_CASE("soap: matches the NumPy reference on mlearn Ge, l2 normalised", "[soap][reference]") {
    const auto s = pick("mlearn-ge/test.extxyz");
    require_modules();
    SoapConfig cfg;
    cfg.species = {32};
    cfg.normalization = SoapNormalization::l2;
    compare_with_numpy("ge", cfg, s);
}

TEST_CASE("soap: matches the NumPy reference on mlearn Mo", "[soap][reference]") {
    const auto s = pick("mlearn-mo/test.extxyz");
    require_modules();
    SoapConfig cfg;
    cfg.species = {42};
    cfg.n_max = 6;
    cfg.l_max = 9;
    cfg.sigma = 0.4;
    cfg.cutoff = 4.5;
    compare_with_numpy("mo", cfg, s);
}

TEST_CASE("soap: matches the NumPy reference on two-species structures", "[soap][reference]") {
    require_modules();
    SoapConfig cfg;
    cfg.species = {14, 32};
    compare_with_numpy("sige", cfg, {si_ge_crystal(), ge_si_cluster()});
}
