// Second derivatives (nn/second_order.hpp) of every model kind against central finite differences
// of the first-order quantity, in double: backward_second's parameter gradient of
//   Phi = sum_{g,k} a_{g,k} E_{g,k} + sum_e u_e . dE/dvec_e
// against FD of Phi, where dE/dvec comes from force_backward (the first derivative, itself
// checked against FD of the energy in test_models.cpp). Random a and u make every term of every
// layer's second backward count; step and tolerance from nn_fd_support.hpp.
#include <catch2/catch.hpp>

#include "eipnn/nn/models.hpp"
#include "eipnn/nn/second_order.hpp"
#include "gradcheck/nn_fd_support.hpp"
#include "support/model_fixtures.hpp"
#include "support/structures.hpp"

using namespace eipnn;
using eipnn::test::check_gradient;
using eipnn::test::model_test_structures;
using eipnn::test::random_vector;
using eipnn::test::small_model;

#define EIPNN_MODELS SchNet<double>, SoapNet<double>

namespace {

// ssp'' and silu'' against FD of the first derivative (activations.hpp), over both branches.
double activation_slope(Activation a, double x) {
    double v, d;
    activation_eval(a, x, v, d);
    return d;
}

}  // namespace

TEST_CASE("activation second derivatives against finite differences of the first", "[nn][gradcheck]") {
    for (Activation a : {Activation::ShiftedSoftplus, Activation::SiLU}) {
        double worst = 0;
        for (double x = -30.0; x <= 30.0; x += 0.37) {
            double d1, d2;
            activation_eval2(a, x, d1, d2);
            CHECK(d1 == activation_slope(a, x));
            const double h = eipnn::test::kStep;
            const double fd = (activation_slope(a, x + h) - activation_slope(a, x - h)) / (2 * h);
            worst = std::max(worst, std::abs(fd - d2) / (1.0 + std::abs(fd)));
        }
        INFO("worst relative error " << worst);
        CHECK(worst <= eipnn::test::fd_tolerance());
    }
    // the vectorised host path agrees with the scalar one
    std::vector<double> x, slope(200), curvature(200);
    for (int k = 0; k < 200; ++k) x.push_back(-25.0 + 0.25 * k);
    for (Activation a : {Activation::ShiftedSoftplus, Activation::SiLU}) {
        detail::activation_derivatives_chunk<double>(a, x.data(), 200, slope.data(), curvature.data());
        for (int k = 0; k < 200; ++k) {
            double d1, d2;
            activation_eval2(a, x[std::size_t(k)], d1, d2);
            CHECK(slope[std::size_t(k)] == Approx(d1).epsilon(1e-14).margin(1e-300));
            CHECK(curvature[std::size_t(k)] == Approx(d2).epsilon(1e-14).margin(1e-300));
        }
    }
}

TEMPLATE_TEST_CASE("model second backward against finite differences of the force pass", "[nn][gradcheck]",
                   EIPNN_MODELS) {
    using Fixture = eipnn::test::ModelFixture<TestType>;
    const auto configs = Fixture::gradcheck_configs();
    for (std::size_t variant = 0; variant < configs.size(); ++variant) {
        TestType m = small_model<TestType>(configs[variant]);
        const GraphBatch batch = make_graph_batch(model_test_structures(), m.config.cutoff);
        const std::size_t GK = std::size_t(batch.n_graphs()) * std::size_t(m.config.n_heads);
        const std::vector<double> a = random_vector(GK, 7);
        const std::vector<double> u = random_vector(3 * std::size_t(batch.n_edges()), 8);
        const Host host{2};
        typename TestType::Forward fw;
        typename TestType::ForceAdjoints adj;
        std::vector<double> g;
        auto phi = [&] {
            m.forward(host, batch, fw);
            m.force_backward(host, batch, fw, adj, g);
            return eipnn::test::dot(a, fw.energies) + eipnn::test::dot(u, g);
        };
        phi();
        ParameterBuffer<double> grads(m.layout);
        m.backward_second(host, batch, fw, adj, span_of(a), matrix_of(u, 3), grads);
        check_gradient(str(TestType::kind, " second backward (variant ", variant, ")"), m.params.data, grads.data, phi);

        // u = 0 leaves the energy term alone: backward_second equals backward
        ParameterBuffer<double> energy_only(m.layout), second(m.layout);
        const std::vector<double> zero(u.size(), 0.0);
        phi();
        m.backward(host, batch, fw, span_of(a), &energy_only, nullptr);
        m.backward_second(host, batch, fw, adj, span_of(a), matrix_of(zero, 3), second);
        for (std::size_t k = 0; k < second.data.size(); ++k)
            CHECK(second.data[k] == Approx(energy_only.data[k]).epsilon(1e-12).margin(1e-12));
    }
}

TEMPLATE_TEST_CASE("model second backward does not depend on the thread count", "[nn]", EIPNN_MODELS) {
    using Fixture = eipnn::test::ModelFixture<TestType>;
    const TestType m = small_model<TestType>(Fixture::gradcheck_configs().front());
    const GraphBatch batch = make_graph_batch(model_test_structures(), m.config.cutoff);
    const std::vector<double> a = random_vector(std::size_t(batch.n_graphs()) * std::size_t(m.config.n_heads), 3);
    const std::vector<double> u = random_vector(3 * std::size_t(batch.n_edges()), 4);
    std::vector<std::vector<double>> results;
    for (int threads : {1, 2, 3}) {
        const Host host{threads};
        typename TestType::Forward fw;
        typename TestType::ForceAdjoints adj;
        std::vector<double> g;
        m.forward(host, batch, fw);
        m.force_backward(host, batch, fw, adj, g);
        ParameterBuffer<double> grads(m.layout);
        m.backward_second(host, batch, fw, adj, span_of(a), matrix_of(u, 3), grads);
        results.push_back(grads.data);
    }
    CHECK(results[0] == results[1]);
    CHECK(results[0] == results[2]);
}
