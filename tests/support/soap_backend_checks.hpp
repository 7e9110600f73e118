// One test body for every backend (DESIGN habit 8): the SOAP descriptor and SOAPNet's passes
// (soap/soap.hpp, nn/soapnet.hpp, written once) on backend B against the host, which the NumPy
// reference, the finite-difference tests and PyTorch establish. tests/unit/test_generic_backend.cpp
// runs it on GenericHost, tests/cuda/test_soap_device.cu on Cuda.
//
// Tolerance: the same functors on both sides, but the device may fuse multiply-adds and the GEMMs
// and bias sums run in other orders, so agreement is to rounding: 1000 eps(T) of the largest
// magnitude of each quantity (compare_to_host).
#pragma once
#include <catch2/catch.hpp>

#include <limits>
#include <random>
#include <vector>

#include "eipnn/geometry/prototypes.hpp"
#include "eipnn/nn/soapnet.hpp"
#include "support/backend_checks.hpp"
#include "support/small_configs.hpp"
#include "support/schnet_backend_checks.hpp"

namespace eipnn::test {

// A rattled periodic diamond cell with one Ge and a free five-atom cluster, in one batch.
inline GraphBatch soap_check_batch(double cutoff) {
    Structure a = build_prototype(prototype("diamond"), 14, 2.35, {2, 1, 1});
    std::mt19937_64 rng(4);
    std::uniform_real_distribution<double> u(-0.15, 0.15);
    for (double& x : a.positions) x += u(rng);
    a.numbers[3] = 32;
    Structure b;
    b.positions = {0, 0, 0, 2.3, 0.2, 0.1, -0.3, 2.4, 0.5, 1.0, 1.1, 2.2, 4.1, 1.9, -0.4};
    b.numbers = {32, 14, 14, 32, 14};
    return make_graph_batch({a, b}, cutoff);
}

// Descriptors and dL/dvec, with and without l2 normalisation, in double.
template <class B>
void check_soap_descriptor(const B& b) {
    for (auto norm : {SoapNormalization::none, SoapNormalization::l2}) {
        SoapConfig cfg;
        cfg.species = {14, 32};
        cfg.normalization = norm;
        const SoapBasis basis = SoapBasis::make(cfg);
        const GraphBatch batch = soap_check_batch(cfg.cutoff);
        SoapSaved<double> saved;
        std::vector<double> P, dL_dvec;
        soap_fwd(Host{}, batch, basis, saved, P);
        std::vector<double> dL_dP(P.size());
        std::mt19937_64 rng(9);
        std::uniform_real_distribution<double> u(-1, 1);
        for (double& g : dL_dP) g = u(rng);
        soap_bwd(Host{}, batch, basis, saved, P, matrix_of(dL_dP, basis.n_features()), dL_dvec);

        const SoapTablesCopy<B> tables(b, basis);
        const GraphBatchCopy<B> on_b(b, batch);
        SoapSaved<double, B> b_saved;
        Buffer<B, double> b_P, b_dL_dP, b_dL_dc, b_dL_dvec;
        soap_fwd_on(b, on_b.view(), basis.tables(), tables.get(), b_saved, b_P);
        upload(b, dL_dP, b_dL_dP);
        soap_bwd_on(b, on_b.view(), basis.tables(), tables.get(), b_saved, span_of(std::as_const(b_P)),
                    matrix_of(std::as_const(b_dL_dP), basis.n_features()), b_dL_dc, b_dL_dvec);
        compare_to_host("P", P, to_host(b, b_P), std::numeric_limits<double>::epsilon());
        compare_to_host("dL/dvec", dL_dvec, to_host(b, b_dL_dvec), std::numeric_limits<double>::epsilon());
        // refused with a clear error: a gradient of the wrong shape, a state from another batch
        REQUIRE_THROWS_WITH(soap_bwd_on(b, on_b.view(), basis.tables(), tables.get(), b_saved, span_of(std::as_const(b_P)),
                                        MatrixView<const double>{span_of(std::as_const(b_dL_dP)).data, 1, basis.n_features()},
                                        b_dL_dc, b_dL_dvec),
                            Catch::Contains("dL_dP is"));
        const GraphBatch other = soap_check_batch(cfg.cutoff + 0.5);
        REQUIRE_THROWS_WITH(soap_fwd_on(b, GraphBatchCopy<B>(b, other).view(), basis.tables(), tables.get(), b_saved, b_P),
                            Catch::Contains("does not match the SOAP descriptor"));
    }
}

// Energies of both heads, forces and virials, parameter gradients of an MSE-like seed and
// dL/d(edge vector).
template <class B, class T>
void check_soapnet(const B& b) {
    SoapNet<double> exact(small_soapnet_config(), 5);
    const GraphBatch batch = soap_check_batch(exact.config.cutoff);
    exact.fit_inputs(Host{}, 1, [&](index_t) { return batch; });
    const SoapNet<T> model = exact.template cast<T>();
    const double e = std::numeric_limits<T>::epsilon();
    std::vector<double> dL_dE(std::size_t(batch.n_graphs()) * 2);
    for (std::size_t k = 0; k < dL_dE.size(); ++k) dL_dE[k] = 0.4 - 0.3 * double(k);

    SoapNetForward<T> fw;
    EnergyForces<T> host_ef;
    model.energy_forces(Host{1}, batch, fw, host_ef);
    ParameterBuffer<T> grads(model.layout);
    std::vector<T> dL_dvec;
    model.backward(Host{1}, batch, fw, span_of(std::as_const(dL_dE)), &grads, &dL_dvec);

    const SoapNetCopy<T, B> copy(b, model);
    const GraphBatchCopy<B> on_b(b, batch);
    SoapNetForward<T, B> bfw;
    upload(b, species_indices(model.config.species, batch.numbers, "test"), bfw.species);
    SoapNetBackwardWork<T, B> work;
    ForceBuffers<T, B> out;
    soapnet_energy_forces(b, copy.weights(), on_b.view(), bfw, work, out);
    compare_to_host("energies of every head", fw.energies, to_host(b, bfw.energies), e);
    compare_to_host("forces", host_ef.forces, to_host(b, out.forces), e);
    compare_to_host("virial", host_ef.virial, to_host(b, out.virial), e);
    Buffer<B, T> b_grads, b_dL_dvec;
    upload(b, std::vector<T>(grads.data.size(), T(0)), b_grads);
    soapnet_backward(b, copy.weights(), on_b.view(), bfw, span_of(std::as_const(dL_dE)), copy.grads_of(b_grads),
                     &b_dL_dvec, Span<const T>{}, work);
    compare_parameter_grads(model.layout, grads.data, to_host(b, b_grads), e);
    compare_to_host("dL/dvec", dL_dvec, to_host(b, b_dL_dvec), e);
}

}  // namespace eipnn::test
