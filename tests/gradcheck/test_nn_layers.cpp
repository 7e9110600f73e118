// Finite-difference checks (double) of every nn layer's parameter and input gradients. Each
// layer's output is reduced to a scalar L = sum R * out with fixed random weights R, so dL/dout = R
// and the backward under test is exercised with a generic upstream gradient.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "eipnn/nn/activations_host.hpp"
#include "eipnn/nn/cfconv.hpp"
#include "eipnn/nn/dense.hpp"
#include "eipnn/nn/embedding.hpp"
#include "eipnn/nn/interaction.hpp"
#include "eipnn/nn/parameters.hpp"
#include "eipnn/nn/radial_basis.hpp"
#include "eipnn/nn/readout.hpp"
#include "gradcheck/nn_fd_support.hpp"
#include "support/structures.hpp"
#include "support/test_support.hpp"

using namespace eipnn;
using eipnn::test::check_gradient;
using eipnn::test::random_vector;
using V = std::vector<double>;

namespace {

MatrixView<const double> cm(const V& v, index_t cols) { return matrix_of(v, cols); }
MatrixView<double> mm(V& v, index_t cols) { return matrix_of(v, cols); }

// Two small periodic structures of different sizes, rattled so distances are generic.
GraphBatch small_batch(double cutoff, int repeat = 1, int repeat_z = 1) {
    Structure a = eipnn::test::diamond(5.43, repeat, repeat, repeat_z);
    eipnn::test::rattle(a, 0.1, 1);
    Structure b = eipnn::test::random_triclinic(5, 4.5, 6.0, 60, 110, 7);
    return make_graph_batch({a, b}, cutoff);
}

PairGeometry<double> pair_geometry(const GraphBatch& batch, double cutoff, const GaussianBasis& basis) {
    PairGeometry<double> g;
    for (index_t p = 0; p < batch.n_pairs(); ++p) {
        const double r = batch.distances[std::size_t(batch.pair_edge[std::size_t(p)])];
        const auto c = cosine_cutoff(r, cutoff);
        g.r.push_back(r);
        g.fc.push_back(c.value);
        g.dfc_dr.push_back(c.derivative);
    }
    g.window.compute(Host{1}, basis, span_of(std::as_const(g.r)));
    return g;
}

}  // namespace

TEST_CASE("dense layer: input, weight and bias gradients", "[nn][gradcheck]") {
    const index_t n = 70, in = 5, out = 4;  // 70 rows: two GEMM row blocks
    for (int threads : {1, 2}) {
        const Host host{threads};
        V X = random_vector(n * in, 1), W = random_vector(in * out, 2), b = random_vector(out, 3);
        const V R = random_vector(n * out, 4);
        V Y(n * out), dX(n * in), dW(in * out, 0.0), db(out, 0.0);
        auto loss = [&] {
            dense_fwd(host, cm(X, in), cm(W, out), cm(b, out), mm(Y, out));
            return eipnn::test::dot(R, Y);
        };
        loss();
        dense_bwd(host, cm(X, in), cm(W, out), cm(R, out), mm(dX, in), mm(dW, out), mm(db, out));
        check_gradient("dense dX", X, dX, loss);
        check_gradient("dense dW", W, dW, loss);
        check_gradient("dense db", b, db, loss);
    }
}

TEST_CASE("activations: value and derivative", "[nn][gradcheck]") {
    CHECK(shifted_softplus(0.0) == Approx(0.0).margin(1e-16));
    // stable at large |x|: ssp(x) -> x - ln2 and -ln2
    CHECK(shifted_softplus(800.0) == Approx(800.0 - std::log(2.0)));
    CHECK(shifted_softplus(-800.0) == Approx(-std::log(2.0)));
    for (Activation a : {Activation::ShiftedSoftplus, Activation::SiLU}) {
        V x = random_vector(50, 5, 6.0), y(50), dx(50);
        const V R = random_vector(50, 6);
        const Host host{1};
        auto loss = [&] {
            activation_fwd(host, a, span_of(std::as_const(x)), span_of(y));
            return eipnn::test::dot(R, y);
        };
        loss();
        activation_bwd(host, a, span_of(std::as_const(x)), span_of(R), span_of(dx));
        check_gradient(a == Activation::SiLU ? "silu" : "ssp", x, dx, loss);
    }
}

// The vectorised host loops (Eigen packet exp/log, log1p correction) against the scalar portable
// functions the device runs, in float and double, over |x| up to 90 (where exp(-|x|) underflows
// in float) and across 0. Agreement to a few eps(T) relative: each side rounds a handful of
// operations differently, measured against the magnitude of the terms each result is summed
// from (ssp = max(x,0) + log1p(e) - ln 2 and silu' = s (1 + x (1 - s)) cancel near their zeros,
// where the result is much smaller than its terms).
template <class T>
void vector_activation_matches_scalar() {
    const index_t n = 4001;  // not a multiple of the chunk or the SIMD width
    std::vector<T> x(n), v(n), s(n), d(n), ones(n, T(1));
    for (index_t i = 0; i < n; ++i) x[std::size_t(i)] = T(-90.0 + 180.0 * double(i) / double(n - 1));
    x[17] = T(0);
    x[18] = T(1e-9);
    const double eps = std::numeric_limits<T>::epsilon();
    for (Activation a : {Activation::ShiftedSoftplus, Activation::SiLU}) {
        activation_value_slope(Host{2}, a, span_of(std::as_const(x)), span_of(v), span_of(s));
        activation_bwd(Host{2}, a, span_of(std::as_const(x)), span_of(std::as_const(ones)), span_of(d));
        for (index_t i = 0; i < n; ++i) {
            T rv, rd;
            const double xi = double(x[std::size_t(i)]);
            activation_eval(a, x[std::size_t(i)], rv, rd);
            const double sg = 1 / (1 + std::exp(-xi)), ln2 = std::log(2.0);
            const bool ssp = a == Activation::ShiftedSoftplus;
            const double value_terms = ssp ? std::max(xi, 0.0) + 2 * ln2 : std::abs(xi) * sg;
            const double slope_terms = ssp ? sg : sg * (1 + std::abs(xi) * (1 - sg));
            INFO("x = " << xi);
            CHECK(std::abs(double(v[std::size_t(i)]) - double(rv)) <= 8 * eps * (value_terms + eps));
            CHECK(std::abs(double(s[std::size_t(i)]) - double(rd)) <= 8 * eps * (slope_terms + eps));
            CHECK(d[std::size_t(i)] == s[std::size_t(i)]);
        }
        // NaN stays NaN (a diverging training is caught by its loss), and +-inf are limits
        const T inf = std::numeric_limits<T>::infinity();
        std::vector<T> odd{std::numeric_limits<T>::quiet_NaN(), inf, -inf}, ov(3), os(3);
        activation_value_slope(Host{1}, a, span_of(std::as_const(odd)), span_of(ov), span_of(os));
        CHECK(std::isnan(ov[0]));
        CHECK(std::isnan(os[0]));
        if (a == Activation::ShiftedSoftplus) {  // (SiLU's slope is 0 * inf there)
            CHECK(os[1] == T(1));
            CHECK(os[2] == T(0));
            CHECK(ov[1] == inf);
            CHECK(std::abs(double(ov[2]) + std::log(2.0)) <= eps);
        }
    }
}

TEST_CASE("activations: vectorised host loops equal the scalar functions", "[nn]") {
    vector_activation_matches_scalar<float>();
    vector_activation_matches_scalar<double>();
}

TEST_CASE("radial basis and cutoff: gradient wrt the edge vector", "[nn][gradcheck]") {
    const double rc = 3.0;
    const index_t K = 16, n = 40;
    // a wide basis (every Gaussian matters) and the default (narrow; windowed)
    for (double width : {0.5, 0.0}) {
        const GaussianBasis basis = GaussianBasis::make_for<double>(K, rc, width);
        V vec = random_vector(3 * n, 8, 1.7);  // lengths up to ~2.9 Å, some beyond... clipped below
        const V R1 = random_vector(n * K, 9), R2 = random_vector(n, 10);
        std::vector<double> r(n), rbf(n * K), fc(n), dfc(n), dvec(3 * n);
        const Host host{1};
        auto loss = [&] {
            for_each(host, n, RadialBasisFwd<double>{basis, rc, cm(vec, 3), span_of(r), mm(rbf, K), span_of(fc), span_of(dfc)});
            return eipnn::test::dot(R1, rbf) + eipnn::test::dot(R2, fc);
        };
        loss();
        // the window drops nothing representable: compare with the full Gaussian sum
        for (index_t e = 0; e < n; ++e)
            for (index_t k = 0; k < K; ++k) {
                const double d = r[e] - basis.center(k);
                CHECK(std::abs(rbf[e * K + k] - std::exp(-basis.gamma * d * d)) <= 1e-30);
            }
        for_each(host, n, RadialBasisBwd<double>{basis, cm(vec, 3), span_of(std::as_const(r)), span_of(std::as_const(dfc)),
                                                 cm(R1, K), span_of(R2), mm(dvec, 3)});
        check_gradient("radial basis d/dvector", vec, dvec, loss);
    }
}

TEST_CASE("embedding: table gradient", "[nn][gradcheck]") {
    const index_t F = 3;
    const std::vector<index_t> species{0, 2, 1, 2, 2, 0};
    V table = random_vector(3 * F, 11), x(species.size() * F), dtable(3 * F, 0.0);
    const V R = random_vector(x.size(), 12);
    const Host host{1};
    auto loss = [&] {
        embedding_fwd(host, span_of(species), cm(table, F), mm(x, F));
        return eipnn::test::dot(R, x);
    };
    loss();
    embedding_bwd(Host{}, span_of(species), cm(R, F), mm(dtable, F));
    check_gradient("embedding", table, dtable, loss);
    CHECK_THROWS_AS(species_indices({14}, {14, 32}, "test"), Error);
}

TEST_CASE("cfconv: input, filter and distance gradients", "[nn][gradcheck]") {
    const double rc = 4.0;
    const index_t F = 5, K = 12;
    const GraphBatch batch = small_batch(rc, 3, 2);
    REQUIRE(batch.n_pairs() > kPairTile * kTilesPerGroup);  // more than one tile and group path exercised
    const GaussianBasis basis = GaussianBasis::make_for<double>(K, rc, 0.0);
    PairGeometry<double> geom = pair_geometry(batch, rc, basis);
    const index_t n = batch.n_atoms();
    V xin = random_vector(n * F, 13), W1 = random_vector(K * F, 14), b1 = random_vector(F, 15),
      W2 = random_vector(F * F, 16), b2 = random_vector(F, 17);
    const V R = random_vector(n * F, 18);
    for (int threads : {1, 2}) {
        const Host host{threads};
        CfconvSaved<double> saved;
        V y(n * F);
        auto loss = [&] {
            const FilterParams<double> fp{cm(W1, F), cm(b1, F), cm(W2, F), cm(b2, F)};
            cfconv_fwd(host, batch, geom, fp, cm(xin, F), saved, mm(y, F));
            return eipnn::test::dot(R, y);
        };
        loss();
        V dxin(n * F), dW1(K * F, 0.0), db1(F, 0.0), dW2(F * F, 0.0), db2(F, 0.0), dr(batch.n_pairs(), 0.0);
        const FilterParams<double> fp{cm(W1, F), cm(b1, F), cm(W2, F), cm(b2, F)};
        cfconv_bwd(host, batch, geom, fp, cm(xin, F), saved, cm(R, F), mm(dxin, F),
                   FilterGrads<double>{mm(dW1, F), mm(db1, F), mm(dW2, F), mm(db2, F)}, span_of(dr));
        check_gradient("cfconv dxin", xin, dxin, loss);
        check_gradient("cfconv dW1", W1, dW1, loss);
        check_gradient("cfconv db1", b1, db1, loss);
        check_gradient("cfconv dW2", W2, dW2, loss);
        check_gradient("cfconv db2", b2, db2, loss);
        // distances: move r of one pair (both directions share it), with fc and the window following
        auto refresh = [&] {
            for (std::size_t p = 0; p < geom.r.size(); ++p) {
                const auto c = cosine_cutoff(geom.r[p], rc);
                geom.fc[p] = c.value;
                geom.dfc_dr[p] = c.derivative;
            }
            geom.window.compute(host, basis, span_of(std::as_const(geom.r)));
        };
        auto loss_r = [&] {
            refresh();
            return loss();
        };
        check_gradient("cfconv dL/dr", geom.r, dr, loss_r, 120);
        refresh();  // fc of the last entry moved still holds its displaced value
    }
}

TEST_CASE("interaction block with and without residual", "[nn][gradcheck]") {
    const double rc = 4.0;
    const index_t F = 4, K = 10;
    const GraphBatch batch = small_batch(rc);
    const GaussianBasis basis = GaussianBasis::make_for<double>(K, rc, 0.0);
    const PairGeometry<double> geom = pair_geometry(batch, rc, basis);
    const index_t n = batch.n_atoms();
    const Host host{2};
    for (bool residual : {false, true}) {
        // one buffer holding every parameter, like the model's
        ParameterLayout layout;
        for (auto [name, r, c] : std::vector<std::tuple<const char*, index_t, index_t>>{
                 {"W1", K, F}, {"b1", 1, F}, {"W2", F, F}, {"b2", 1, F}, {"in", F, F}, {"o1", F, F}, {"ob1", 1, F},
                 {"o2", F, F}, {"ob2", 1, F}})
            layout.add(name, r, c);
        ParameterBuffer<double> p(layout), g(layout);
        p.data = random_vector(p.data.size(), 19, 0.8);
        V x = random_vector(n * F, 20), x_out(n * F), dx(n * F), scratch;
        const V R = random_vector(n * F, 21);
        InteractionSaved<double> sv;
        auto params = [&] {
            return InteractionParams<double>{{p.view("W1"), p.view("b1"), p.view("W2"), p.view("b2")}, p.view("in"),
                                             p.view("o1"), p.view("ob1"), p.view("o2"), p.view("ob2")};
        };
        auto loss = [&] {
            interaction_fwd(host, batch, geom, params(), residual, cm(x, F), sv, mm(x_out, F));
            return eipnn::test::dot(R, x_out);
        };
        loss();
        InteractionGrads<double> ig{{g.view("W1"), g.view("b1"), g.view("W2"), g.view("b2")}, g.view("in"),
                                    g.view("o1"), g.view("ob1"), g.view("o2"), g.view("ob2")};
        interaction_bwd(host, batch, geom, params(), residual, cm(x, F), sv, cm(R, F), mm(dx, F), ig,
                        Span<double>{}, scratch);
        check_gradient(residual ? "interaction(residual) dx" : "interaction dx", x, dx, loss);
        check_gradient(residual ? "interaction(residual) params" : "interaction params", p.data, g.data, loss);
    }
}

TEST_CASE("atom-wise energy head", "[nn][gradcheck]") {
    const double rc = 3.0;
    const GraphBatch batch = small_batch(rc);
    const index_t n = batch.n_atoms(), F = 4, H = 3;
    const std::vector<index_t> species(std::size_t(n), 0);
    V x = random_vector(n * F, 22), W1 = random_vector(F * H, 23), b1 = random_vector(H, 24), W2 = random_vector(H, 25),
      b2 = random_vector(1, 26);
    const V R = random_vector(batch.n_graphs(), 27);
    const double scale = 1.7;
    const std::vector<double> ref{-3.5};
    const Host host{1};
    AtomwiseHeadSaved<double> sv;
    V E(batch.n_graphs());
    auto loss = [&] {
        atomwise_head_fwd(host, batch, span_of(species), MlpParams<double>{cm(W1, H), cm(b1, H), cm(W2, 1), cm(b2, 1)},
                          scale, span_of(ref), cm(x, F), sv, span_of(E));
        return eipnn::test::dot(R, E);
    };
    loss();
    // the reference energies enter as sum over atoms
    double nn = 0;
    for (double e : sv.e_atom) nn += e;
    CHECK(E[0] + E[1] == Approx(scale * nn + ref[0] * n).epsilon(1e-12));
    V dx(n * F, 0.0), dW1(F * H, 0.0), db1(H, 0.0), dW2(H, 0.0), db2(1, 0.0), scratch;
    atomwise_head_bwd(host, batch, MlpParams<double>{cm(W1, H), cm(b1, H), cm(W2, 1), cm(b2, 1)}, scale, cm(x, F), sv,
                      span_of(R), mm(dx, F), MlpGrads<double>{mm(dW1, H), mm(db1, H), mm(dW2, 1), mm(db2, 1)}, scratch);
    check_gradient("head dx", x, dx, loss);
    check_gradient("head dW1", W1, dW1, loss);
    check_gradient("head db1", b1, db1, loss);
    check_gradient("head dW2", W2, dW2, loss);
    check_gradient("head db2", b2, db2, loss);
}

TEST_CASE("classifier head: BatchNorm (training and evaluation) + MLP + cross-entropy", "[nn][gradcheck]") {
    // four graphs so the batch statistics are not degenerate
    std::vector<Structure> s;
    for (int k = 0; k < 4; ++k) {
        Structure a = eipnn::test::diamond(5.43);
        eipnn::test::rattle(a, 0.1, 30 + k);
        if (k % 2) a.positions.resize(3 * 5), a.numbers.resize(5);
        s.push_back(a);
    }
    const GraphBatch batch = make_graph_batch(s, 3.0);
    const index_t n = batch.n_atoms(), F = 3, H = 4, C = 3;
    const std::vector<int> labels{0, 2, 1, 2};
    V x = random_vector(n * F, 31), gamma = random_vector(F, 32), beta = random_vector(F, 33),
      W1 = random_vector(F * H, 34), b1 = random_vector(H, 35), W2 = random_vector(H * C, 36), b2 = random_vector(C, 37);
    for (double& v : x) v += 0.3;  // features with non-zero means
    const Host host{1};
    for (bool training : {true, false}) {
        BatchNormState<double> bn;
        bn.running_mean = random_vector(F, 38);
        bn.running_var = {0.7, 1.3, 2.0};
        ClassifierSaved<double> sv;
        V dlogits;
        auto loss = [&] {
            BatchNormState<double> state = bn;  // the running statistics must not drift during FD
            classifier_fwd(host, batch, cm(gamma, F), cm(beta, F), MlpParams<double>{cm(W1, H), cm(b1, H), cm(W2, C), cm(b2, C)},
                           state, training, cm(x, F), sv);
            return cross_entropy(cm(sv.logits, C), labels, dlogits);
        };
        loss();
        V dx(n * F, 0.0), dgamma(F, 0.0), dbeta(F, 0.0), dW1(F * H, 0.0), db1(H, 0.0), dW2(H * C, 0.0), db2(C, 0.0);
        classifier_bwd(host, batch, cm(gamma, F), MlpParams<double>{cm(W1, H), cm(b1, H), cm(W2, C), cm(b2, C)}, sv,
                       cm(dlogits, C), mm(dx, F), mm(dgamma, F), mm(dbeta, F),
                       MlpGrads<double>{mm(dW1, H), mm(db1, H), mm(dW2, C), mm(db2, C)});
        const std::string m = training ? " (training)" : " (evaluation)";
        check_gradient("classifier dx" + m, x, dx, loss);
        check_gradient("classifier dgamma" + m, gamma, dgamma, loss);
        check_gradient("classifier dbeta" + m, beta, dbeta, loss);
        check_gradient("classifier dW1" + m, W1, dW1, loss);
        check_gradient("classifier db1" + m, b1, db1, loss);
        check_gradient("classifier dW2" + m, W2, dW2, loss);
        check_gradient("classifier db2" + m, b2, db2, loss);
        if (training) {
            // running statistics: momentum 0.1 towards the batch mean and unbiased variance
            BatchNormState<double> state = bn;
            classifier_fwd(host, batch, cm(gamma, F), cm(beta, F), MlpParams<double>{cm(W1, H), cm(b1, H), cm(W2, C), cm(b2, C)},
                           state, true, cm(x, F), sv);
            double mean = 0, var = 0;
            for (int g = 0; g < 4; ++g) mean += sv.pooled[g * F] / 4;
            for (int g = 0; g < 4; ++g) var += (sv.pooled[g * F] - mean) * (sv.pooled[g * F] - mean) / 3;
            CHECK(state.running_mean[0] == Approx(0.9 * bn.running_mean[0] + 0.1 * mean).epsilon(1e-13));
            CHECK(state.running_var[0] == Approx(0.9 * bn.running_var[0] + 0.1 * var).epsilon(1e-13));
        }
    }
}
