// Stress and force labels: the kbar -> eV/Å^3 conversion with the order and sign that
// scripts/stress_convention.py established for the mlearn data, sigma = -W/V for a model's virial,
// reading the labels with load_dataset and carrying them through prepare(), clear errors for
// malformed or missing labels, and the sign and order on the real Si Elastic configurations.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>

#include "eipnn/train/dataset.hpp"
#include "eipnn/train/force_labels.hpp"
#include "eipnn/train/prepared_set.hpp"
#include "eipnn/train/stress_labels.hpp"
#include "support/test_support.hpp"

using namespace eipnn;

namespace {

// One multiplication by a rounded constant: a few ulps of the reference.
bool near(double a, double b) { return test::close(a, b, 0.0, 4 * test::eps<double>()); }

bool symmetric(const std::vector<double>& s) { return s.size() == 9 && s[1] == s[3] && s[2] == s[6] && s[5] == s[7]; }

const char* kLattice = "Lattice=\"5 0 0 0 5 0 0 0 5\" Properties=species:S:1:pos:R:3:forces:R:3";

// An extxyz frame of two Si atoms with forces; `extra` goes on the comment line.
std::string si_frame(const std::string& extra) {
    return std::string("2\n") + kLattice + " energy=-10.5 " + extra + " pbc=\"T T T\"\n" +
           "Si 0 0 0 0.1 0 0\nSi 1.3 1.3 1.3 -0.1 0 0\n";
}

}  // namespace

TEST_CASE("stress from the stored six: unit, sign, both orders, symmetric", "[stress]") {
    // 10 kbar = 1 GPa = 1 / 160.2176634 eV/Å^3; stored values are minus the stress
    const auto one = stress_from_virial_stress_kbar({10, 0, 0, 0, 0, 0});
    REQUIRE(near(one[0], -0.006241509074460763));
    for (std::size_t k = 1; k < 9; ++k) REQUIRE(one[k] == 0.0);

    // entries n * (1 eV/Å^3 in kbar) give sigma components -n, placed by the order
    const double k = kEvPerA3InKbar;
    const std::vector<double> six{1 * k, 2 * k, 3 * k, 4 * k, 5 * k, 6 * k};
    const auto lmp = stress_from_virial_stress_kbar(six, StressOrder::xx_yy_zz_xy_xz_yz);
    const double lmp_ref[9] = {-1, -4, -5, -4, -2, -6, -5, -6, -3};  // xy=4 xz=5 yz=6
    const auto vasp = stress_from_virial_stress_kbar(six, StressOrder::xx_yy_zz_xy_yz_zx);
    const double vasp_ref[9] = {-1, -4, -6, -4, -2, -5, -6, -5, -3};  // xy=4 yz=5 zx=6
    for (std::size_t c = 0; c < 9; ++c) {
        REQUIRE(near(lmp[c], lmp_ref[c]));
        REQUIRE(near(vasp[c], vasp_ref[c]));
    }
    REQUIRE(symmetric(std::vector<double>(lmp.begin(), lmp.end())));
    REQUIRE(symmetric(std::vector<double>(vasp.begin(), vasp.end())));
    // the default is LAMMPS' order, the mlearn data's majority
    REQUIRE(stress_from_virial_stress_kbar(six) == lmp);
}

TEST_CASE("stress from a virial, and a label that matches the model gives the same sigma", "[stress]") {
    // V = 8 Å^3: division by a power of two is exact
    const std::array<double, 9> W{1, 2, 3, 2, 4, 5, 3, 5, 6};
    const auto s = stress_from_virial(W, 8.0);
    for (std::size_t c = 0; c < 9; ++c) REQUIRE(s[c] == -W[c] / 8.0);

    // A compressed cell: repulsion gives a positive virial (W = sum r (x) f > 0), LAMMPS reports
    // the positive pressure W/V, mlearn stores it as positive kbar, and both roads give the same
    // negative-trace sigma.
    const std::array<double, 9> Wc{8, 0, 0, 0, 8, 0, 0, 0, 8};
    const double V = 1000, stored = 8.0 / V * kEvPerA3InKbar;  // 12.817413072 kbar
    REQUIRE(std::abs(stored - 12.817413072) < 1e-9);
    const auto from_label = stress_from_virial_stress_kbar({stored, stored, stored, 0, 0, 0});
    const auto from_model = stress_from_virial(Wc, V);
    for (std::size_t c = 0; c < 9; ++c) REQUIRE(test::close(from_label[c], from_model[c], 0.0, 4 * test::eps<double>()));
    REQUIRE(from_model[0] + from_model[4] + from_model[8] < 0);
}

TEST_CASE("stress conversion errors say what and where", "[stress][errors]") {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    REQUIRE_THROWS_WITH(stress_from_virial_stress_kbar({1, 2, 3, 4, 5}, StressOrder::xx_yy_zz_xy_xz_yz, "cfg 7"),
                        Catch::Contains("cfg 7") && Catch::Contains("5 components, not 6"));
    REQUIRE_THROWS_WITH(stress_from_virial_stress_kbar({1, 2, 3, 4, nan, 6}, StressOrder::xx_yy_zz_xy_xz_yz, "cfg 7"),
                        Catch::Contains("cfg 7") && Catch::Contains("component 4"));
    REQUIRE_THROWS_WITH(stress_from_virial({}, 0.0), Catch::Contains("volume is 0"));
    REQUIRE_THROWS_WITH(stress_from_virial({0, 0, 0, 0, 0, inf, 0, 0, 0}, 1.0, "graph 2"),
                        Catch::Contains("graph 2") && Catch::Contains("virial component yz"));
}

TEST_CASE("mlearn order: VASP's for Si and Ge Elastic, LAMMPS' otherwise", "[stress]") {
    REQUIRE(mlearn_virial_stress_order("Elastic", {14, 14}) == StressOrder::xx_yy_zz_xy_yz_zx);
    REQUIRE(mlearn_virial_stress_order("Elastic", {32}) == StressOrder::xx_yy_zz_xy_yz_zx);
    REQUIRE(mlearn_virial_stress_order("Elastic", {42, 42}) == StressOrder::xx_yy_zz_xy_xz_yz);
    REQUIRE(mlearn_virial_stress_order("Elastic", {14, 32}) == StressOrder::xx_yy_zz_xy_xz_yz);
    REQUIRE(mlearn_virial_stress_order("AIMD-NVT", {14}) == StressOrder::xx_yy_zz_xy_xz_yz);
    REQUIRE(mlearn_virial_stress_order("", {}) == StressOrder::xx_yy_zz_xy_xz_yz);
}

TEST_CASE("load_dataset reads stress labels, prepare carries forces and stress", "[stress][dataset]") {
    const auto dir = test::scratch_dir("stress_labels_load");
    const double k = kEvPerA3InKbar;
    {
        std::ofstream f(dir / "ok.extxyz");
        const std::string six = "virial_stress_kbar=\"" + std::to_string(1 * k) + " " + std::to_string(2 * k) + " " +
                                std::to_string(3 * k) + " " + std::to_string(4 * k) + " " + std::to_string(5 * k) +
                                " " + std::to_string(6 * k) + "\"";
        f << si_frame("config_type=AIMD-NVT " + six) << si_frame("config_type=Vacancy")
          << si_frame("config_type=Elastic " + six);
    }
    const Dataset d = load_dataset(dir / "ok.extxyz");
    REQUIRE(d.size() == 3);
    // n * k has six decimals, which std::to_string keeps: the labels are n eV/Å^3 to rounding
    auto approx = [](double a, double b) { return std::abs(a - b) < 1e-9; };
    const auto& a = d.samples[0].stress;  // LAMMPS' order: xy xz yz = 4 5 6
    REQUIRE(a.size() == 9);
    REQUIRE(symmetric(a));
    REQUIRE((approx(a[0], -1) && approx(a[4], -2) && approx(a[8], -3)));
    REQUIRE((approx(a[1], -4) && approx(a[2], -5) && approx(a[5], -6)));
    REQUIRE(d.samples[1].stress.empty());
    const auto& e = d.samples[2].stress;  // Si Elastic, VASP's order: xy yz zx = 4 5 6
    REQUIRE(symmetric(e));
    REQUIRE((approx(e[1], -4) && approx(e[5], -5) && approx(e[2], -6)));

    const PreparedSet p = prepare(d, 2.5);
    REQUIRE(p.forces.size() == 3);
    REQUIRE(p.stress.size() == 3);
    REQUIRE(p.forces[1] == d.samples[1].forces);
    REQUIRE(p.forces[0].size() == 6);
    REQUIRE(p.stress[0] == a);
    REQUIRE(p.stress[1].empty());
    REQUIRE_NOTHROW(require_force_labels(p, false, "training set"));
    REQUIRE_THROWS_WITH(require_force_labels(p, true, "training set"),
                        Catch::Contains("training set") && Catch::Contains("frame 1") && Catch::Contains("no stress label"));
    PreparedSet labelled = prepare(d.subset({0, 2}), 2.5);
    REQUIRE_NOTHROW(require_force_labels(labelled, true, "training set"));
}

TEST_CASE("malformed stress entries are errors naming the frame", "[stress][dataset][errors]") {
    const auto dir = test::scratch_dir("stress_labels_bad");
    const std::map<std::string, std::pair<std::string, std::string>> cases{
        {"five", {"virial_stress_kbar=\"1 2 3 4 5\"", "5 components, not 6"}},
        {"text", {"virial_stress_kbar=\"a b c d e f\"", "not numbers"}},
        {"nan", {"virial_stress_kbar=\"1 2 NaN 4 5 6\"", "component 2 is nan"}},
        {"inf", {"virial_stress_kbar=\"1 2 3 4 5 inf\"", "component 5 is inf"}},
    };
    for (const auto& [name, entry] : cases) {
        INFO(name);
        const auto path = dir / (name + ".extxyz");
        {
            // frame 0 is fine, frame 1 carries the bad entry
            std::ofstream f(path);
            f << si_frame("virial_stress_kbar=\"1 2 3 4 5 6\"") << si_frame(entry.first);
        }
        const std::string msg = test::thrown_message([&] { load_dataset(path); });
        CHECK_THAT(msg, Catch::Contains("frame 1") && Catch::Contains(entry.second) && Catch::Contains(name + ".extxyz"));
    }
    // a stress on a cell that is not periodic everywhere has no volume to divide by
    const auto slab = dir / "slab.extxyz";
    {
        std::ofstream f(slab);
        f << "2\n" << kLattice << " energy=-1 virial_stress_kbar=\"1 2 3 4 5 6\" pbc=\"T T F\"\n"
          << "Si 0 0 0 0.1 0 0\nSi 1.3 1.3 1.3 -0.1 0 0\n";
    }
    REQUIRE_THROWS_WITH(load_dataset(slab), Catch::Contains("frame 0") && Catch::Contains("not periodic"));
    // an absent key is simply no label, and another key can be named
    REQUIRE(load_dataset(dir / "five.extxyz", "energy", "forces", "some_other_key").samples[1].stress.empty());
}

TEST_CASE("require_force_labels: missing, short and non-finite labels name the configuration", "[forces][errors]") {
    const auto dir = test::scratch_dir("force_labels");
    {
        std::ofstream f(dir / "mixed.extxyz");
        f << si_frame("virial_stress_kbar=\"1 2 3 4 5 6\"")
          << "2\n" << "Lattice=\"5 0 0 0 5 0 0 0 5\" Properties=species:S:1:pos:R:3 energy=-10 pbc=\"T T T\"\n"
          << "Si 0 0 0\nSi 1.3 1.3 1.3\n";
    }
    const PreparedSet p = prepare(load_dataset(dir / "mixed.extxyz"), 2.5);
    REQUIRE(p.forces[1].empty());
    REQUIRE_THROWS_WITH(require_force_labels(p, false, "validation set"),
                        Catch::Contains("validation set") && Catch::Contains("frame 1") && Catch::Contains("no force labels"));

    PreparedSet one = prepare(load_dataset(dir / "mixed.extxyz").subset({0}), 2.5);
    REQUIRE_NOTHROW(require_force_labels(one, true, "training set"));
    PreparedSet shorter = one;
    shorter.forces[0].pop_back();
    REQUIRE_THROWS_WITH(require_force_labels(shorter, false, "training set"),
                        Catch::Contains("frame 0") && Catch::Contains("5 force components for 2 atoms"));
    PreparedSet nan = one;
    nan.forces[0][4] = std::numeric_limits<double>::quiet_NaN();
    REQUIRE_THROWS_WITH(require_force_labels(nan, false, "training set"),
                        Catch::Contains("frame 0") && Catch::Contains("force component y of atom 1 is nan"));
    PreparedSet bad_stress = one;
    bad_stress.stress[0][8] = std::numeric_limits<double>::infinity();
    REQUIRE_NOTHROW(require_force_labels(bad_stress, false, "training set"));  // stress not asked for
    REQUIRE_THROWS_WITH(require_force_labels(bad_stress, true, "training set"),
                        Catch::Contains("frame 0") && Catch::Contains("stress component zz is inf"));

    // sets assembled by hand (the strategies append weak-label items this way) may have label
    // vectors shorter than their structures: those items have no labels
    PreparedSet by_hand;
    by_hand.structures = one.structures;
    by_hand.lists = one.lists;
    by_hand.energies = one.energies;
    REQUIRE_THROWS_WITH(require_force_labels(by_hand, false, "pool"),
                        Catch::Contains("pool: configuration 0") && Catch::Contains("no force labels"));
}

// The real Si data: every configuration has a stress label, and on the Elastic ones, whose cells
// are strains of one cubic reference cell, the converted sigma has the physical sign and order.
TEST_CASE("mlearn Si: Elastic stresses have the sign and order of their strains", "[stress][real-data]") {
    const Dataset d = load_dataset(test::data_file_or_skip("mlearn-si/training.extxyz"));
    std::vector<const Sample*> elastic;
    for (const Sample& s : d.samples) {
        INFO(s.source);
        REQUIRE(s.stress.size() == 9);
        REQUIRE(s.forces.size() == 3 * std::size_t(s.structure.size()));
        if (s.config_type == "Elastic") elastic.push_back(&s);
    }
    REQUIRE(elastic.size() >= 20);

    // Each Elastic cell strains the reference cell in one way and keeps the rest, so the
    // reference edge a0 is the diagonal lattice entry that most of them share.
    std::map<double, int> diagonal_count;
    for (const Sample* s : elastic)
        for (int r = 0; r < 3; ++r) ++diagonal_count[s->structure.cell.lattice[r][r]];
    const double a0 = std::max_element(diagonal_count.begin(), diagonal_count.end(),
                                       [](const auto& x, const auto& y) { return x.second < y.second; })->first;

    int volume_checks = 0, shear_checks = 0;
    for (const Sample* s : elastic) {
        INFO(s->source);
        const std::vector<double>& sigma = s->stress;
        REQUIRE(symmetric(sigma));  // by construction: one stored number per shear pair
        // strain of the cell against the reference a0 * I (rows: r = r0 F, F = L / a0)
        const Mat3& L = s->structure.cell.lattice;
        double eps[3][3];
        for (int i = 0; i < 3; ++i)
            for (int j = 0; j < 3; ++j) eps[i][j] = 0.5 * (L[i][j] + L[j][i]) / a0 - (i == j ? 1.0 : 0.0);
        const double dV = s->structure.cell.volume() / (a0 * a0 * a0) - 1;
        REQUIRE(std::abs(dV) < 0.3);  // a strain of this reference, not another cell
        // Volume: tr(sigma) = 3 B dV/V at linear order (B > 0), so an expanded cell is under tension
        // (positive trace) and a compressed one under pressure (negative trace). Beyond 0.5 % the
        // pressure (about 4 kbar for Si's B of about 90 GPa) dwarfs any residual stress of the
        // reference cell.
        if (std::abs(dV) > 0.005) {
            const double trace = sigma[0] + sigma[4] + sigma[8];
            CHECK((trace > 0) == (dV > 0));
            ++volume_checks;
        }
        // Shear: in a cubic crystal sigma_ab = 2 C44 eps_ab (a != b, C44 > 0), and these cells shear
        // one pair at a time, so the largest shear stress sits on the strained pair with its sign.
        // This is what tells VASP's order of the shear entries from LAMMPS'.
        const int pairs[3][2] = {{0, 1}, {0, 2}, {1, 2}};
        int strained = 0, stressed = 0;
        for (int q = 1; q < 3; ++q) {
            if (std::abs(eps[pairs[q][0]][pairs[q][1]]) > std::abs(eps[pairs[strained][0]][pairs[strained][1]])) strained = q;
            if (std::abs(sigma[std::size_t(3 * pairs[q][0] + pairs[q][1])]) >
                std::abs(sigma[std::size_t(3 * pairs[stressed][0] + pairs[stressed][1])]))
                stressed = q;
        }
        const double e = eps[pairs[strained][0]][pairs[strained][1]];
        if (std::abs(e) > 0.01) {
            CHECK(stressed == strained);
            CHECK((sigma[std::size_t(3 * pairs[strained][0] + pairs[strained][1])] > 0) == (e > 0));
            ++shear_checks;
        }
    }
    // enough configurations to mean something (the training split has 42 and 18 of them)
    REQUIRE(volume_checks >= 20);
    REQUIRE(shear_checks >= 12);
}
