// The host's hand-written tile kernels against exact sums: tile_gemm (nn/tile_gemm.hpp, called
// through dense.hpp) and the first filter layer's weight gradient by rows
// (nn/window_grad_host.hpp). Built twice: plain x86-64, where tile_gemm is Eigen's GEMM and the
// kernel-only cases are skipped, and with -march=native ("[native]"), where on an AVX-512 host the
// kernels run, also inside a float SchNet checked against the double model.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "eipnn/nn/cfconv.hpp"
#include "eipnn/nn/models.hpp"
#include "support/model_fixtures.hpp"
#include "support/test_support.hpp"

using namespace eipnn;

namespace {

template <class T>
std::vector<T> uniform(std::size_t n, unsigned seed) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    std::vector<T> v(n);
    for (T& x : v) x = T(u(rng));
    return v;
}

// The error bound of a sum of k + 1 terms (the init and k products) in any order with or without
// FMAs: gamma_{k+1} (|init| + sum |a b|), gamma_n = n u / (1 - n u), u = eps / 2 (Higham 3.1).
template <class T>
double sum_bound(index_t k, double magnitude) {
    const double u = 0.5 * double(eipnn::test::eps<T>()), n = double(k + 1);
    return n * u / (1.0 - n * u) * magnitude;
}

}  // namespace

TEMPLATE_TEST_CASE("tile_gemm: every init and operand form against the exact sum, every shape", "[nn][gemm]", float,
                   double) {
    using T = TestType;
    INFO("hand-written kernel: " << (PackedRhs<T>::kPanels ? "yes" : "no (Eigen's GEMM)"));
    // rows around the kernel's 6-row blocks, columns around its 16-wide vectors and 64-wide panels
    const std::vector<index_t> ms = {0, 1, 5, 6, 7, 13, 256}, ns = {1, 15, 16, 17, 64, 65, 130}, ks = {1, 7, 129};
    unsigned seed = 1;
    for (index_t m : ms)
        for (index_t n : ns)
            for (index_t k : ks)
                for (int form = 0; form < 4; ++form)
                    for (GemmInit init : {GemmInit::Zero, GemmInit::Accumulate, GemmInit::BiasRows}) {
                        // form 0: A B, B packed; 1: A W^T, W packed transposed; 2: A B, B as it lies;
                        // 3: A^T B, A (k, m) read down its columns, B as it lies
                        const bool a_t = form == 3;
                        const index_t lda = (a_t ? m : k) + 3, ldc = n + 2;  // strides wider than the rows
                        const std::vector<T> A = uniform<T>(std::size_t(a_t ? k : m) * lda, ++seed);
                        const std::vector<T> W = uniform<T>(std::size_t(k) * n, ++seed);  // (k, n), or (n, k) for form 1
                        const std::vector<T> bias = uniform<T>(std::size_t(n), ++seed);
                        const std::vector<T> C0 = uniform<T>(std::size_t(std::max<index_t>(m, 1)) * ldc, ++seed);
                        auto a = [&](index_t i, index_t q) { return double(a_t ? A[q * lda + i] : A[i * lda + q]); };
                        auto b = [&](index_t q, index_t j) { return double(form == 1 ? W[j * k + q] : W[q * n + j]); };
                        PackedRhs<T> packed;
                        if (form < 2) packed.pack(MatrixView<const T>{W.data(), form == 1 ? n : k, form == 1 ? k : n}, form == 1);
                        const GemmRhs<T> rhs = form < 2 ? packed.view() : rhs_rows(MatrixView<const T>{W.data(), k, n});
                        std::vector<T> C = C0;
                        tile_gemm(m, GemmLhs<T>{A.data(), lda, a_t}, rhs, C.data(), ldc, init, bias.data());
                        int failures = 0;
                        for (index_t i = 0; i < m; ++i) {
                            for (index_t j = 0; j < n; ++j) {
                                const double init_value = init == GemmInit::Accumulate ? double(C0[i * ldc + j])
                                                          : init == GemmInit::BiasRows ? double(bias[j])
                                                                                       : 0.0;
                                long double exact = init_value;
                                double magnitude = std::abs(init_value);
                                for (index_t q = 0; q < k; ++q) {
                                    exact += (long double)a(i, q) * b(q, j);
                                    magnitude += std::abs(a(i, q) * b(q, j));
                                }
                                const double err = std::abs(double(C[i * ldc + j] - exact));
                                if (err > sum_bound<T>(k, magnitude)) {
                                    if (++failures <= 3)
                                        FAIL_CHECK("m " << m << " n " << n << " k " << k << " form " << form << " init "
                                                        << int(init) << " C(" << i << ", " << j << ") off by " << err);
                                }
                            }
                            // the padding between rows is not written
                            for (index_t j = n; j < ldc; ++j) REQUIRE(C[i * ldc + j] == C0[i * ldc + j]);
                        }
                        REQUIRE(failures == 0);
                    }
}

TEST_CASE("window_weight_grad_tile equals the per-pair dW1 updates (first and second order)", "[nn][cfconv]") {
#if !defined(__AVX512F__)
    eipnn::test::skip("no AVX-512 in this build: dW1 is the per-pair update (FilterFirstLayerBwd) alone");
#else
    {
        // windows clipped at both ends of the basis, a partial tile, F with a masked tail
        for (index_t K : {128, 30})
            for (index_t F : {128, 20, 144})
                for (index_t rows : {index_t(256), index_t(97)}) {
                    const GaussianBasis basis = GaussianBasis::make_for<float>(K, 5.0, 0.0);
                    std::mt19937_64 rng(unsigned(K * 1000 + F + rows));
                    std::uniform_real_distribution<double> dist(0.0, 5.2);
                    std::vector<double> r(std::size_t(rows) + 11);  // the tile starts at pair 11
                    for (double& x : r) x = dist(rng);
                    r[20] = 7.5;  // beyond the basis: an empty window starting past its end
                    BasisWindowTable<float> table;
                    table.compute(Host{1}, basis, span_of(std::as_const(r)));
                    const BasisWindowView<float> win = table.view();
                    const std::vector<float> dA = uniform<float>(std::size_t(rows) * F, 3);
                    const std::vector<float> W1 = uniform<float>(std::size_t(K) * F, 4);
                    std::vector<float> by_pair(std::size_t(K) * F, 0.5f), by_rows = by_pair;
                    const FilterFirstLayerBwd<float> per_pair{win, {W1.data(), K, F}, {dA.data(), rows, F}, Span<float>{},
                                                              by_pair.data(), nullptr, 11};
                    for (index_t p = 11; p < 11 + rows; ++p) per_pair(p);
                    window_weight_grad_tile(win, 11, rows, dA.data(), F, by_rows.data(), K);
                    // both are 0.5 + the same terms in another order
                    std::vector<double> magnitude(std::size_t(K) * F, 0.5);
                    index_t most = 0;
                    for (index_t p = 11; p < 11 + rows; ++p) {
                        most = std::max(most, win.count[p]);
                        for (index_t q = 0; q < win.count[p]; ++q)
                            for (index_t c = 0; c < F; ++c)
                                magnitude[std::size_t(win.first[p] + q) * F + c] +=
                                    std::abs(double(win.value(p, q)) * dA[std::size_t(p - 11) * F + c]);
                    }
                    REQUIRE(most > 1);
                    REQUIRE(win.count[20] == 0);
                    REQUIRE(win.first[20] > K);
                    for (std::size_t e = 0; e < by_pair.size(); ++e) {
                        INFO("K " << K << " F " << F << " rows " << rows << " dW1 element " << e);
                        REQUIRE(std::abs(double(by_rows[e]) - double(by_pair[e])) <=
                                2 * sum_bound<float>(rows, magnitude[e]));
                    }
                    // force training's second backward: a second source along rbf' r_dot
                    const std::vector<float> dD = uniform<float>(std::size_t(rows) * F, 5);
                    const std::vector<float> r_dot = uniform<float>(r.size(), 6);
                    std::vector<float> second_pair(std::size_t(K) * F, 0.5f), second_rows = second_pair, db1(F);
                    const FilterFirstLayerBwdSecond<float> per_pair2{win, {dA.data(), rows, F}, {dD.data(), rows, F},
                                                                     span_of(r_dot), second_pair.data(), db1.data(), 11};
                    for (index_t p = 11; p < 11 + rows; ++p) per_pair2(p);
                    window_weight_grad_tile(win, 11, rows, dA.data(), F, second_rows.data(), K, dD.data(), r_dot.data());
                    for (index_t p = 11; p < 11 + rows; ++p)
                        for (index_t q = 0; q < win.count[p]; ++q)
                            for (index_t c = 0; c < F; ++c)
                                magnitude[std::size_t(win.first[p] + q) * F + c] +=
                                    std::abs(double(win.d_dr(p, q)) * r_dot[std::size_t(p)] * dD[std::size_t(p - 11) * F + c]);
                    for (std::size_t e = 0; e < second_pair.size(); ++e) {
                        INFO("K " << K << " F " << F << " rows " << rows << " second-order dW1 element " << e);
                        // 2 rows terms per pair, and the coefficient's own rounding (rbf' r_dot)
                        REQUIRE(std::abs(double(second_rows[e]) - double(second_pair[e])) <=
                                2 * sum_bound<float>(2 * rows + 1, magnitude[e]));
                    }
                }
    }
#endif
}

TEST_CASE("SchNet in float (the host's tile kernels) agrees with double: forces, gradients, force training",
          "[nn][gemm]") {
    using Fixture = eipnn::test::ModelFixture<SchNet<double>>;
    SchNetConfig cfg = Fixture::float_config();
    cfg.n_features = 40;  // two full 16-wide vectors and a masked one
    const SchNet<double> md = eipnn::test::small_model<SchNet<double>>(cfg, 8);
    const SchNet<float> mf = md.cast<float>();
    const GraphBatch batch = make_graph_batch(eipnn::test::model_test_structures(), cfg.cutoff);
    const Host host{2};
    // 1e3 float epsilons of each quantity's scale, as the model tests: rounding over ~10 layers
    const double tol = 1e3 * eipnn::test::eps<float>();
    auto check_close = [&](const char* what, const auto& got, const auto& want) {
        REQUIRE(got.size() == want.size());
        double scale = 0;
        for (std::size_t k = 0; k < want.size(); ++k) scale = std::max(scale, std::abs(double(want[k])));
        for (std::size_t k = 0; k < want.size(); ++k) {
            INFO(what << " entry " << k << " of " << want.size());
            REQUIRE(std::abs(double(got[k]) - double(want[k])) <= tol * (1 + scale));
        }
    };
    // energies and forces (forward for forces, the one-pass backward)
    SchNetForward<double> fd;
    SchNetForward<float> ff;
    EnergyForces<double> ed;
    EnergyForces<float> ef;
    md.energy_forces(host, batch, fd, ed);
    mf.energy_forces(host, batch, ff, ef);
    check_close("forces", ef.forces, ed.forces);
    // parameter gradients of the training step (the reverse tiles)
    const std::vector<double> dL_dE = uniform<double>(std::size_t(batch.n_graphs()) * cfg.n_heads, 5);
    md.forward(host, batch, fd);
    mf.forward(host, batch, ff);
    ParameterBuffer<double> gd(md.layout);
    ParameterBuffer<float> gf(mf.layout);
    md.backward(host, batch, fd, span_of(dL_dE), &gd, nullptr);
    mf.backward(host, batch, ff, span_of(dL_dE), &gf, nullptr);
    check_close("parameter gradients", gf.data, gd.data);
    // force training's second backward (the tangent tiles)
    SchNetForceAdjoints<double> ad;
    SchNetForceAdjoints<float> af;
    std::vector<double> dEd;
    std::vector<float> dEf;
    md.force_backward(host, batch, fd, ad, dEd);
    mf.force_backward(host, batch, ff, af, dEf);
    const std::vector<double> u = uniform<double>(3 * std::size_t(batch.n_edges()), 6);
    const std::vector<float> uf(u.begin(), u.end());
    ParameterBuffer<double> sd(md.layout);
    ParameterBuffer<float> sf(mf.layout);
    md.backward_second(host, batch, fd, ad, span_of(dL_dE), matrix_of(u, 3), sd);
    mf.backward_second(host, batch, ff, af, span_of(dL_dE), matrix_of(uf, 3), sf);
    check_close("second-backward gradients", sf.data, sd.data);
}
