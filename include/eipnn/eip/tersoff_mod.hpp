// Modified Tersoff potential of Kumagai, Izumi, Hara and Sakai (Comput. Mater. Sci. 39, 457
// (2007)), in the form and file format of LAMMPS `pair_style tersoff/mod`. Same bond-order
// structure as tersoff.hpp (whose kernel and class it reuses), with
//   fc = 1/2 - 9/16 sin(pi/2 (r - R)/D) - 1/16 sin(3 pi/2 (r - R)/D)
//   g  = c1 + c2 (h - cos)^2 / (c3 + (h - cos)^2) (1 + c4 exp(-c5 (h - cos)^2))
//   b  = (1 + (beta zeta)^eta)^{-delta},  delta = 1/(2 n)      (beta must be 1 in published sets)
// File fields: e1 e2 e3 beta(=m) alpha(=lam3) h eta beta_ters lambda2 B R D lambda1 A n c1..c5.
#pragma once
#include <cmath>
#include <vector>

#include "eipnn/eip/tersoff.hpp"

namespace eipnn {

struct TersoffModForm {
    static constexpr const char* style = "tersoff/mod";

    template <class T>
    EIPNN_HD static T fc(T r, const TersoffParam& p, T& dfc) {
        if (r < T(p.R - p.D)) {
            dfc = 0;
            return 1;
        }
        if (r > T(p.R + p.D)) {
            dfc = 0;
            return 0;
        }
        const T x = T(detail::kHalfPi) * (r - T(p.R)) / T(p.D);
        dfc = -T(0.1875 * detail::kHalfPi / p.D) * (T(3) * std::cos(x) + std::cos(T(3) * x));
        return T(0.5) * (T(1) - T(1.125) * std::sin(x) - T(0.125) * std::sin(T(3) * x));
    }

    template <class T>
    EIPNN_HD static T g(T cos_theta, const TersoffParam& p, T& dg) {
        const T hc = T(p.h) - cos_theta;
        const T t = hc * hc;
        const T inv = T(1) / (T(p.mc3) + t);
        const T e = std::exp(-T(p.mc5) * t);
        const T ga = T(1) + T(p.mc4) * e;
        const T go = T(p.mc2) * t * inv;
        // dg/dt = c2 c3/(c3 + t)^2 (1 + c4 e) - go c4 c5 e; dt/dcos = -2 (h - cos)
        const T dg_dt = T(p.mc2) * T(p.mc3) * inv * inv * ga - go * T(p.mc4) * T(p.mc5) * e;
        dg = -T(2) * hc * dg_dt;
        return T(p.mc1) + go * ga;
    }

    // b and db/dzeta; n holds eta and n_del the file's n (delta = 1/(2 n_del)). For huge beta zeta
    // LAMMPS drops the 1 (b = x^{-eta delta}) and for tiny ones returns 1; kept here.
    template <class T>
    EIPNN_HD static T b(T zeta, const TersoffParam& p, T& db) {
        const T x = T(p.beta) * zeta;
        const T eta = T(p.n), nd = T(p.n_del);
        if (x > T(p.b1)) {
            const T bv = std::pow(x, -eta / (T(2) * nd));
            db = T(-0.5) * (eta / nd) * bv / zeta;
            return bv;
        }
        if (x < T(p.b4)) {
            db = 0;
            return 1;
        }
        const T xn = std::pow(x, eta);
        const T base = T(1) + xn;
        const T bv = std::pow(base, T(-1) / (T(2) * nd));
        db = T(-0.5) * (eta / nd) * bv / base * xn / zeta;
        return bv;
    }

    static std::vector<TersoffEntry> read(io::PotentialFileReader& r) {
        static const std::vector<std::string> fields = {
            "element1", "element2", "element3", "beta", "alpha", "h", "eta", "beta_ters", "lambda2", "B",
            "R",        "D",        "lambda1",  "A",    "n",     "c1", "c2", "c3",       "c4",      "c5"};
        std::vector<TersoffEntry> out;
        io::PotentialEntry e;
        while (r.next_entry(fields, e)) {
            TersoffEntry t{{e.word(0), e.word(1), e.word(2)}, {}};
            TersoffParam& p = t.p;
            const double m = e.number(3);
            p.lam3 = e.number(4);
            p.h = e.number(5);
            p.n = e.number(6);
            p.beta = e.number(7);
            p.lam2 = e.number(8);
            p.B = e.number(9);
            p.R = e.number(10);
            p.D = e.number(11);
            p.lam1 = e.number(12);
            p.A = e.number(13);
            p.n_del = e.number(14);
            p.mc1 = e.number(15);
            p.mc2 = e.number(16);
            p.mc3 = e.number(17);
            p.mc4 = e.number(18);
            p.mc5 = e.number(19);
            if (!(m == 1.0 || m == 3.0) || p.n <= 0 || p.beta < 0 || p.lam2 < 0 || p.B < 0 || p.R < 0 ||
                p.D <= 0 || p.D > p.R || p.lam1 < 0 || p.A < 0 || p.n_del <= 0)
                throw Error("illegal tersoff/mod parameter (beta must be 1 or 3; eta, n, D > 0; D <= R; the "
                            "others >= 0)",
                            str(r.name(), " line ", e.first_line()), "fix the entry");
            p.m = int(m);
            p.cut = p.R + p.D;
            p.b1 = std::pow(2.0 * p.n_del * 1e-16, -1.0 / p.n);
            p.b4 = 1.0 / p.b1;
            out.push_back(t);
        }
        if (out.empty()) throw Error("no tersoff/mod entry in the file", r.name(), "is this a .tersoff.mod file?");
        return out;
    }
};

using TersoffMod = TersoffFamily<TersoffModForm>;

}  // namespace eipnn
