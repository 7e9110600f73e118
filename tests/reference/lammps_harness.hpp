// Runs Debian's LAMMPS on an eipnn::Structure and reads back what the EIP tests compare with:
// total energy, per-atom energies, forces and the virial, all printed with 17 significant digits.
//
// LAMMPS accepts only "restricted" triclinic boxes (a along x, b in the xy plane, c with z > 0,
// tilts no larger than half the box), so the harness rotates the structure into that frame and
// returns the rotated Structure: eipnn must evaluate those SAME coordinates. The periodic lattice
// handed to LAMMPS is additionally reduced (b -= round(xy/lx) a, ...), which describes the same
// infinite crystal; the returned structure keeps the original (rotated, unreduced) vectors, so
// strongly sheared cells are tested as given. Free clusters get a box with `boundary f f f`.
//
// The potential is given as LAMMPS commands: `init` runs before the box exists (units, or
// `kim init MODEL metal`), `interactions` after it (pair_style/pair_coeff, or `kim interactions`).
// "{elements}" in either is replaced by the element name of each atom type, in type order.
#pragma once
#include <unistd.h>
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "eipnn/geometry/elements.hpp"
#include "eipnn/geometry/structure.hpp"
#include "support/test_support.hpp"

namespace eipnn::test::lammps {

struct Setup {
    std::string init = "units metal";
    std::string interactions;               // e.g. "pair_style sw\npair_coeff * * /path/Si.sw {elements}"
    std::map<int, std::string> names;       // atomic number -> element name in the file (default symbol)
};

struct Result {
    Structure structure;                    // the rotated structure LAMMPS evaluated (original lattice)
    double energy = 0;                      // eV
    std::vector<double> atom_energies;      // (n_atoms) eV, compute pe/atom
    std::vector<double> forces;             // (n_atoms, 3) eV/Å
    std::array<double, 9> virial{};         // eV, W = sum r (x) f, row-major
};

// The LAMMPS executable (Debian ships `lmp`); skips the test when none is installed.
inline std::string lmp_binary_or_skip() {
    for (const char* name : {"lmp", "lmp_serial", "lmp_stable", "lmp_mpi"})
        if (run(std::string("command -v ") + name + " >/dev/null 2>&1") == 0) return name;
    skip("LAMMPS not found (install Debian's lammps package: lmp)");
}

// Skips when LAMMPS lacks the KIM package or the model is not installed.
inline void require_kim_model_or_skip(const std::string& model) {
    const std::string cmd = "kim-api-collections-management list 2>/dev/null | grep -q -w '" + model + "'";
    if (run(cmd) != 0) skip("OpenKIM model " + model + " is not installed (Debian: openkim-models)");
}

// A potential file from Debian's lammps-data, or skip.
inline std::filesystem::path lammps_potential_or_skip(const std::string& file) {
    for (const char* dir : {"/usr/share/lammps/potentials"}) {
        const auto p = std::filesystem::path(dir) / file;
        if (std::filesystem::exists(p)) return p;
    }
    skip("LAMMPS potential file " + file + " not found (install Debian's lammps-data)");
}

struct Frame {
    Mat3 rotation{};     // rows e1, e2, e3: new coordinates r' = (r·e1, r·e2, r·e3)
    Mat3 lattice{};      // rotated lattice (original vectors, c flipped if left-handed)
};

// Rotation into LAMMPS's frame. A left-handed lattice has c replaced by -c (the same lattice).
inline Frame lammps_frame(const Cell& cell) {
    Frame f;
    Mat3 L = cell.lattice;
    if (dot(L[0], cross(L[1], L[2])) < 0) L[2] = {-L[2][0], -L[2][1], -L[2][2]};
    const double na = norm(L[0]);
    const Vec3 e1{L[0][0] / na, L[0][1] / na, L[0][2] / na};
    const double ab = dot(L[1], e1);
    Vec3 e2{L[1][0] - ab * e1[0], L[1][1] - ab * e1[1], L[1][2] - ab * e1[2]};
    const double n2 = norm(e2);
    e2 = {e2[0] / n2, e2[1] / n2, e2[2] / n2};
    f.rotation = {e1, e2, cross(e1, e2)};
    for (int r = 0; r < 3; ++r)
        for (int k = 0; k < 3; ++k) f.lattice[r][k] = dot(L[r], f.rotation[k]);
    return f;
}

inline Vec3 rotate(const Mat3& R, const Vec3& v) { return {dot(R[0], v), dot(R[1], v), dot(R[2], v)}; }

// Rotates positions (and the lattice) into LAMMPS's frame; free clusters are left as they are.
inline Structure to_lammps_frame(const Structure& s) {
    if (!s.cell.has_lattice || !s.cell.any_periodic()) return s;
    if (!(s.cell.pbc[0] && s.cell.pbc[1] && s.cell.pbc[2]))
        throw Error("the LAMMPS harness handles fully periodic cells and free clusters only", "lammps_harness");
    const Frame f = lammps_frame(s.cell);
    Structure out = s;
    out.cell.lattice = f.lattice;
    for (index_t i = 0; i < s.size(); ++i) {
        const Vec3 r = rotate(f.rotation, s.position(i));
        for (int k = 0; k < 3; ++k) out.positions[3 * std::size_t(i) + std::size_t(k)] = r[std::size_t(k)];
    }
    return out;
}

namespace detail {

inline std::string replace_all(std::string text, const std::string& from, const std::string& to) {
    for (std::size_t p = text.find(from); p != std::string::npos; p = text.find(from, p + to.size()))
        text.replace(p, from.size(), to);
    return text;
}

inline std::string g17(double v) {
    std::ostringstream os;
    os.precision(17);
    os << v;
    return os.str();
}

// Writes the data file of a structure already in LAMMPS's frame; returns the type of each atom.
inline void write_data(const std::filesystem::path& path, const Structure& s, const std::vector<int>& types,
                       const std::vector<int>& type_numbers) {
    std::ofstream out(path);
    out.precision(17);
    out << "eipnn lammps harness\n\n" << s.size() << " atoms\n" << type_numbers.size() << " atom types\n\n";
    std::vector<double> pos = s.positions;
    if (s.cell.has_lattice && s.cell.any_periodic()) {
        // reduce the tilts: same crystal, vectors LAMMPS accepts (|xy| <= lx/2, ...)
        Mat3 L = s.cell.lattice;
        auto sub = [](Vec3& v, const Vec3& w, double k) {
            for (int c = 0; c < 3; ++c) v[std::size_t(c)] -= k * w[std::size_t(c)];
        };
        sub(L[2], L[1], std::round(L[2][1] / L[1][1]));
        sub(L[2], L[0], std::round(L[2][0] / L[0][0]));
        sub(L[1], L[0], std::round(L[1][0] / L[0][0]));
        out << "0 " << L[0][0] << " xlo xhi\n0 " << L[1][1] << " ylo yhi\n0 " << L[2][2] << " zlo zhi\n"
            << L[1][0] << " " << L[2][0] << " " << L[2][1] << " xy xz yz\n";
        // wrap into the reduced cell so read_data needs no remapping
        const Mat3 inv = inverse(L);
        for (index_t i = 0; i < s.size(); ++i) {
            Vec3 fr = row_times(s.position(i), inv);
            for (double& c : fr) c -= std::floor(c);
            const Vec3 r = row_times(fr, L);
            for (int k = 0; k < 3; ++k) pos[3 * std::size_t(i) + std::size_t(k)] = r[std::size_t(k)];
        }
    } else {
        // free cluster: a box 20 Å larger than the atoms on every side, non-periodic
        for (int k = 0; k < 3; ++k) {
            double lo = 1e300, hi = -1e300;
            for (index_t i = 0; i < s.size(); ++i) {
                lo = std::min(lo, s.positions[3 * std::size_t(i) + std::size_t(k)]);
                hi = std::max(hi, s.positions[3 * std::size_t(i) + std::size_t(k)]);
            }
            out << lo - 20 << " " << hi + 20 << " " << "xyz"[k] << "lo " << "xyz"[k] << "hi\n";
        }
    }
    out << "\nMasses\n\n";
    for (std::size_t t = 0; t < type_numbers.size(); ++t) out << t + 1 << " 1.0\n";
    out << "\nAtoms # atomic\n\n";
    for (index_t i = 0; i < s.size(); ++i)
        out << i + 1 << " " << types[std::size_t(i)] << " " << pos[3 * std::size_t(i)] << " "
            << pos[3 * std::size_t(i) + 1] << " " << pos[3 * std::size_t(i) + 2] << "\n";
}

}  // namespace detail

// Runs LAMMPS on `s` in a fresh scratch directory named `name`.
inline Result run_lammps(const Structure& s, const Setup& setup, const std::string& name) {
    const std::string lmp = lmp_binary_or_skip();
    // the process id keeps parallel ctest cases that reuse a name out of each other's files
    const auto dir = scratch_dir("lammps-" + name + "-" + std::to_string(::getpid()));
    Result res;
    res.structure = to_lammps_frame(s);
    const bool periodic = s.cell.has_lattice && s.cell.any_periodic();

    // atom types: distinct atomic numbers in increasing order
    const std::set<int> distinct(s.numbers.begin(), s.numbers.end());
    const std::vector<int> type_numbers(distinct.begin(), distinct.end());
    std::vector<int> types;
    for (int z : s.numbers)
        types.push_back(int(std::find(type_numbers.begin(), type_numbers.end(), z) - type_numbers.begin()) + 1);
    std::string elements;
    for (int z : type_numbers) {
        const auto it = setup.names.find(z);
        elements += (elements.empty() ? "" : " ") + (it != setup.names.end() ? it->second : std::string(element_symbol(z)));
    }
    detail::write_data(dir / "structure.data", res.structure, types, type_numbers);

    std::ofstream in(dir / "in.lmp");
    in << detail::replace_all(setup.init, "{elements}", elements) << "\n"
       << "atom_style atomic\natom_modify map array sort 0 0\n"
       << (periodic ? "boundary p p p\n" : "boundary f f f\n")
       << "read_data structure.data\n"
       << detail::replace_all(setup.interactions, "{elements}", elements) << "\n"
       << "neighbor 1.0 bin\n"
       << "compute pe_atom all pe/atom\n"
       << "compute stress_atom all stress/atom NULL virial\n"
       << "dump d all custom 1 atoms.dump id fx fy fz c_pe_atom c_stress_atom[1] c_stress_atom[2] "
          "c_stress_atom[3] c_stress_atom[4] c_stress_atom[5] c_stress_atom[6]\n"
       << "dump_modify d sort id format float %.17g\n"
       << "thermo_style custom step pe\n"
       << "run 0\n"
       << "variable e equal pe\n"
       << "variable ef format e %.17g\n"
       << "print \"${ef}\" file energy.txt screen no\n";
    in.close();

    const std::string cmd = "cd '" + dir.string() + "' && " + lmp + " -in in.lmp -log log.lammps -screen none -nocite";
    if (run(cmd) != 0) {
        std::ifstream log(dir / "log.lammps");
        std::string all((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
        throw Error("LAMMPS failed: ..." + all.substr(all.size() > 2000 ? all.size() - 2000 : 0),
                    "lammps_harness " + name, "see " + (dir / "log.lammps").string());
    }

    std::ifstream ef(dir / "energy.txt");
    if (!(ef >> res.energy)) throw Error("no energy in energy.txt", "lammps_harness " + name);

    // dump: 9 header lines, then one line per atom sorted by id
    std::ifstream dump(dir / "atoms.dump");
    std::string line;
    for (int k = 0; k < 9 && std::getline(dump, line); ++k) {
    }
    const std::size_t n = std::size_t(s.size());
    res.atom_energies.assign(n, 0);
    res.forces.assign(3 * n, 0);
    // stress/atom is -(per-atom virial) in pressure·volume units (bar·Å³ in metal units); nktv2p
    // converts eV/Å³ to bar, so W = -sum(stress)/nktv2p, with LAMMPS's own constant.
    constexpr double kNktv2p = 1.6021765e6;
    std::array<double, 6> stress_sum{};
    for (std::size_t i = 0; i < n; ++i) {
        int id;
        double f[3], pe, st[6];
        if (!(dump >> id >> f[0] >> f[1] >> f[2] >> pe >> st[0] >> st[1] >> st[2] >> st[3] >> st[4] >> st[5]) ||
            id != int(i) + 1)
            throw Error(str("cannot read atom ", i + 1, " of the dump"), "lammps_harness " + name);
        for (int k = 0; k < 3; ++k) res.forces[3 * i + std::size_t(k)] = f[k];
        res.atom_energies[i] = pe;
        for (int k = 0; k < 6; ++k) stress_sum[std::size_t(k)] += st[k];
    }
    // LAMMPS order xx yy zz xy xz yz -> row-major symmetric 3x3
    const int map[9] = {0, 3, 4, 3, 1, 5, 4, 5, 2};
    for (int c = 0; c < 9; ++c) res.virial[std::size_t(c)] = -stress_sum[std::size_t(map[c])] / kNktv2p;
    return res;
}

// pair_style/pair_coeff for a potential file with a LAMMPS pair style.
inline Setup file_setup(const std::string& style, const std::filesystem::path& file,
                        std::map<int, std::string> names = {}) {
    Setup s;
    s.interactions = "pair_style " + style + "\npair_coeff * * " + file.string() + " {elements}";
    s.names = std::move(names);
    return s;
}

// An OpenKIM model through `kim init` / `kim interactions`.
inline Setup kim_setup(const std::string& model, std::map<int, std::string> names = {}) {
    require_kim_model_or_skip(model);
    Setup s;
    s.init = "kim init " + model + " metal";
    s.interactions = "kim interactions {elements}";
    s.names = std::move(names);
    return s;
}

}  // namespace eipnn::test::lammps
