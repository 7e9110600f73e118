// soap_bwd against central finite differences in double. The scalar L = sum(dL_dP * P) with a
// fixed random dL_dP has dL/dr_k = -F_k, where F comes from EdgeForceGather of soap_bwd's
// dL/dvec; the finite difference moves each atom coordinate and rebuilds the neighbour lists, so
// it checks the per-edge gradients, their gather, the switch and the l2 chain rule together.
// Step and tolerance: see nn_fd_support.hpp (h = 1e-5 ~ eps^(1/3), error floor ~ eps^(2/3) times
// the loss scale; the check is relative to 1 + |FD|).
#include <catch2/catch.hpp>

#include <random>

#include "eipnn/geometry/edge_forces.hpp"
#include "eipnn/geometry/prototypes.hpp"
#include "eipnn/soap/soap.hpp"
#include "nn_fd_support.hpp"
#include "support/test_support.hpp"

using namespace eipnn;

namespace {

// Diamond Si, sheared and rattled so no symmetry hides a wrong gradient component.
Structure periodic_cell() {
    Structure s = build_prototype(prototype("diamond"), 14, 2.35);
    apply_strain(s, Mat3{Vec3{0.03, 0.12, 0.0}, Vec3{0.0, -0.02, 0.05}, Vec3{0.0, 0.0, 0.04}});
    std::mt19937_64 rng(5);
    std::uniform_real_distribution<double> u(-0.15, 0.15);
    for (double& x : s.positions) x += u(rng);
    return s;
}

// A free two-species cluster with pairs in the switching region [rc - width, rc).
Structure free_cluster() {
    Structure s;
    std::mt19937_64 rng(11);
    std::uniform_real_distribution<double> u(-3.0, 3.0);
    while (s.size() < 9) {
        const Vec3 p{u(rng), u(rng), u(rng)};
        bool ok = true;
        for (index_t a = 0; a < s.size(); ++a) {
            const Vec3 q = s.position(a);
            ok = ok && norm(Vec3{p[0] - q[0], p[1] - q[1], p[2] - q[2]}) > 1.8;
        }
        if (!ok) continue;
        s.positions.insert(s.positions.end(), p.begin(), p.end());
        s.numbers.push_back(s.size() % 3 == 0 ? 32 : 14);
    }
    s.cell = Cell::free_cluster();
    return s;
}

void check_forces(const Structure& s0, SoapConfig cfg) {
    const SoapBasis basis = SoapBasis::make(cfg);
    const Host host{1};
    std::vector<Structure> s{s0};
    GraphBatch batch = make_graph_batch(s, cfg.cutoff);
    SoapSaved<double> saved;
    std::vector<double> P;
    soap_fwd(host, batch, basis, saved, P);
    const std::vector<double> dL_dP = test::random_vector(P.size(), 3);
    std::vector<double> dL_dvec;
    soap_bwd(host, batch, basis, saved, P, matrix_of(dL_dP, basis.n_features()), dL_dvec);
    std::vector<double> forces(3 * std::size_t(batch.n_atoms()));
    for_each(host, batch.n_atoms(),
             EdgeForceGather<double>{span_of(batch.offsets), span_of(batch.reverse), matrix_of(dL_dvec, 3),
                                     matrix_of(forces, 3)});
    std::vector<double> dL_dr(forces.size());
    for (std::size_t k = 0; k < forces.size(); ++k) dL_dr[k] = -forces[k];
    auto loss = [&]() {
        const GraphBatch b = make_graph_batch(s, cfg.cutoff);
        SoapSaved<double> sv;
        std::vector<double> p;
        soap_fwd(host, b, basis, sv, p);
        return test::dot(dL_dP, p);
    };
    test::check_gradient("dL/dr", s[0].positions, dL_dr, loss);
}

}  // namespace

TEST_CASE("soap: gradient matches finite differences: periodic sheared Si", "[soap][gradcheck]") {
    SoapConfig cfg;  // paper setting: n_max 8, l_max 6, rc 5
    for (auto norm : {SoapNormalization::none, SoapNormalization::l2}) {
        cfg.normalization = norm;
        check_forces(periodic_cell(), cfg);
    }
}

TEST_CASE("soap: gradient matches finite differences: free two-species cluster", "[soap][gradcheck]") {
    SoapConfig cfg;
    cfg.species = {14, 32};
    cfg.n_max = 6;
    cfg.l_max = 9;  // the largest l the kernels hold
    cfg.cutoff = 4.5;
    cfg.cutoff_width = 1.5;
    for (auto norm : {SoapNormalization::none, SoapNormalization::l2}) {
        cfg.normalization = norm;
        check_forces(free_cluster(), cfg);
    }
}
