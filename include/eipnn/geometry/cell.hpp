// Triclinic periodic cells. Rows of `lattice` are the lattice vectors a, b, c (as in extxyz
// `Lattice=`), so a Cartesian position is r = f · lattice for fractional row vector f.
// Any mix of periodic and free directions; a cell with has_lattice = false is a free cluster.
#pragma once
#include <array>
#include <cmath>

#include "eipnn/core/config.hpp"
#include "eipnn/core/error.hpp"

namespace eipnn {

using Vec3 = std::array<double, 3>;
using Mat3 = std::array<Vec3, 3>;  // row-major; rows are vectors

inline Vec3 cross(const Vec3& a, const Vec3& b) {
    return {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
}
inline double dot(const Vec3& a, const Vec3& b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }
inline double norm(const Vec3& a) { return std::sqrt(dot(a, a)); }

struct Cell {
    Mat3 lattice{};                       // rows: a, b, c in Å
    std::array<bool, 3> pbc{false, false, false};
    bool has_lattice = false;             // false: free cluster, lattice unused

    static Cell periodic(const Mat3& rows) { return Cell{rows, {true, true, true}, true}; }
    static Cell free_cluster() { return Cell{}; }

    bool any_periodic() const { return pbc[0] || pbc[1] || pbc[2]; }

    double volume() const { return std::abs(dot(lattice[0], cross(lattice[1], lattice[2]))); }

    // Distance between the two faces of the cell spanned by the other two vectors.
    double perpendicular_width(int d) const {
        const Vec3 n = cross(lattice[(d + 1) % 3], lattice[(d + 2) % 3]);
        return volume() / norm(n);
    }

    // Throws when periodic directions lack a usable lattice (zero or degenerate vectors).
    void validate(const char* where) const {
        if (any_periodic() && !has_lattice)
            throw Error("periodic boundary conditions without a lattice", where,
                        "give Lattice=\"ax ay az bx by bz cx cy cz\" or set pbc=\"F F F\"");
        if (!has_lattice) return;
        for (int d = 0; d < 3; ++d)
            for (int k = 0; k < 3; ++k)
                if (!std::isfinite(lattice[d][k]))
                    throw Error(str("lattice vector ", d, " has a non-finite component"), where);
        for (int d = 0; d < 3; ++d)
            if (pbc[d] && norm(lattice[d]) == 0.0)
                throw Error(str("lattice vector ", d, " is zero but the direction is periodic"), where,
                            "give a non-zero lattice vector or mark the direction non-periodic");
        if (any_periodic()) {
            // Periodic vectors must be linearly independent of each other (and of any free ones).
            const Mat3 full = completed_lattice();
            const double v = std::abs(dot(full[0], cross(full[1], full[2])));
            const double scale = norm(full[0]) * norm(full[1]) * norm(full[2]);
            if (!(v > 1e-10 * scale))
                throw Error("lattice vectors are linearly dependent (cell volume ~0)", where,
                            "check the Lattice= entry");
        }
    }

    // The lattice with every free direction's vector replaced, when zero, by a unit vector
    // orthogonal to the non-zero ones, so the matrix is invertible and fractional coordinates
    // exist. A free cluster gets the identity. Periodic vectors are never changed.
    Mat3 completed_lattice() const {
        Mat3 m = has_lattice ? lattice : Mat3{};
        int usable[3], n_usable = 0;
        for (int d = 0; d < 3; ++d)
            if (norm(m[d]) > 0.0 && (pbc[d] || has_lattice)) usable[n_usable++] = d;
        if (n_usable == 3) return m;
        if (n_usable == 0) return Mat3{Vec3{1, 0, 0}, Vec3{0, 1, 0}, Vec3{0, 0, 1}};
        if (n_usable == 1) {
            const Vec3 a = m[usable[0]];
            // any vector not parallel to a, then two orthonormal completions
            Vec3 t = std::abs(a[0]) < 0.9 * norm(a) ? Vec3{1, 0, 0} : Vec3{0, 1, 0};
            Vec3 u = cross(a, t);
            const double nu = norm(u);
            u = {u[0] / nu, u[1] / nu, u[2] / nu};
            Vec3 w = cross(a, u);
            const double nw = norm(w);
            w = {w[0] / nw, w[1] / nw, w[2] / nw};
            const int d = usable[0];
            m[(d + 1) % 3] = u;
            m[(d + 2) % 3] = w;
            return m;
        }
        // two usable: the third is their normalised cross product, oriented right-handed
        int missing = 3 - usable[0] - usable[1];
        Vec3 n = cross(m[(missing + 1) % 3], m[(missing + 2) % 3]);
        const double nn = norm(n);
        m[missing] = {n[0] / nn, n[1] / nn, n[2] / nn};
        return m;
    }
};

// Inverse of a row-vector lattice: f = r · inverse.
inline Mat3 inverse(const Mat3& m) {
    const Vec3 c0 = cross(m[1], m[2]), c1 = cross(m[2], m[0]), c2 = cross(m[0], m[1]);
    const double det = dot(m[0], c0);
    // rows of m^{-1} as columns of the cofactors: (m^{-1})_{jk} = c_k[j] / det
    Mat3 inv{};
    for (int j = 0; j < 3; ++j) {
        inv[j][0] = c0[j] / det;
        inv[j][1] = c1[j] / det;
        inv[j][2] = c2[j] / det;
    }
    return inv;
}

inline Vec3 row_times(const Vec3& f, const Mat3& m) {
    Vec3 r{};
    for (int k = 0; k < 3; ++k) r[k] = f[0] * m[0][k] + f[1] * m[1][k] + f[2] * m[2][k];
    return r;
}

}  // namespace eipnn
