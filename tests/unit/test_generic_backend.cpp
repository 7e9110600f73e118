// The code path a device runs, run on the host: GenericHost (core/backend.hpp) takes the forms of
// every layer written for any backend instead of the Host's hand-fused overloads, so these tests
// check, where no GPU exists, the orchestration and layers that tests/cuda/ run on one: the backend
// interface and the optimizer, SchNet's passes (layer-wise cfconv, per-index activations and sums)
// against the host model, the SOAP descriptor and SOAPNet's passes, the second-order passes of
// force training, and epochs of training on energies and on forces through the steps ModelTrainer
// runs (train/batch_step.hpp). (The EIP evaluation, eip/potential.hpp's run_atom_kernel, is one
// function for every backend; the host's EIP tests run it.)
#include <catch2/catch.hpp>

#include "support/backend_checks.hpp"
#include "support/schnet_backend_checks.hpp"
#include "support/soap_backend_checks.hpp"
#include "support/training_backend_checks.hpp"

using namespace eipnn;

TEST_CASE("generic backend: the interface's primitives and the optimizer", "[backend]") {
    const GenericHost b{};
    test::check_backend_scans(b);
    test::check_backend_reductions(b);
    test::check_backend_gemm<GenericHost, float>(b);
    test::check_backend_gemm<GenericHost, double>(b);
    test::check_backend_memory(b);
    test::check_backend_optimizer<GenericHost, float>(b);
    test::check_backend_optimizer<GenericHost, double>(b);
}

TEST_CASE("generic backend: SchNet energies, forces and virials equal the fused host model's", "[backend][nn]") {
    for (bool residual : {false, true}) {
        test::check_schnet_energy_forces<GenericHost, double>(GenericHost{}, residual);
        test::check_schnet_energy_forces<GenericHost, float>(GenericHost{}, residual);
    }
}

TEST_CASE("generic backend: SchNet parameter gradients equal the fused host model's", "[backend][nn]") {
    for (bool residual : {false, true}) {
        test::check_schnet_gradients<GenericHost, double>(GenericHost{}, residual);
        test::check_schnet_gradients<GenericHost, float>(GenericHost{}, residual);
    }
}

TEST_CASE("generic backend: SOAP descriptors and gradients equal the host's", "[backend][soap]") {
    test::check_soap_descriptor(GenericHost{});
}

TEST_CASE("generic backend: SOAPNet energies and gradients equal the host model's", "[backend][soap][nn]") {
    test::check_soapnet<GenericHost, double>(GenericHost{});
    test::check_soapnet<GenericHost, float>(GenericHost{});
}

TEST_CASE("generic backend: an epoch of training equals the host's, SchNet and SOAPNet", "[backend][train]") {
    test::check_training_epochs(GenericHost{});
}

TEST_CASE("generic backend: the energy+force+stress loss's gradient equals the fused host model's", "[backend][train]") {
    test::check_force_steps<GenericHost, double>(GenericHost{});
    test::check_force_steps<GenericHost, float>(GenericHost{});
}

TEST_CASE("generic backend: an epoch of force training equals the host's, SchNet and SOAPNet", "[backend][train]") {
    test::check_force_training_epochs(GenericHost{});
}
