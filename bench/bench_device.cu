// The device variants of the benchmarks (CUDA builds; run where a GPU exists): the paper's SchNet
// training step in float (forward, backward, Adam, all on the Cuda backend: the passes the host
// model runs), the SOAP descriptor's forward and backward in double, and every EIP style (in
// double, each at its own cutoff), on the workload of bench/support/device_workload.hpp. Each prints its median time, the FLOP/s
// and bytes/s its roofline estimate implies (roofline.hpp), and the device's peaks; without a GPU
// it says so and exits 0 (bench_roofline prints the estimates for A100 and H100).
//
// usage: bench_device DATA.extxyz [n_configs=32] [reps=10]
// prints `device step=<schnet_train|soap|STYLE> ms=... gflops=... gbs=... peak_gflops=... peak_gbs=...`
// (STYLE: sw, tersoff, ..., morse; eip/registry.hpp)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>

#include "eipnn/cuda/backend.cuh"
#include "eipnn/cuda/eip.cuh"
#include "eipnn/cuda/neighbor_list.cuh"
#include "eipnn/optim/adam.hpp"
#include "support/device_workload.hpp"

using namespace eipnn;

namespace {

struct Peaks {
    double fp32, fp64, bytes;
};

// From the device's attributes: memory clock x bus width x 2 (double data rate); FP32 lanes per SM
// by architecture (64 on sm_80, 128 on sm_86 and later), FP64 at half the FP32 rate on sm_80/sm_90.
Peaks device_peaks() {
    int dev = 0, sms = 0, clock_khz = 0, mem_khz = 0, bus_bits = 0, major = 0, minor = 0;
    EIPNN_CUDA_CHECK(cudaGetDevice(&dev));
    EIPNN_CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev));
    EIPNN_CUDA_CHECK(cudaDeviceGetAttribute(&clock_khz, cudaDevAttrClockRate, dev));
    EIPNN_CUDA_CHECK(cudaDeviceGetAttribute(&mem_khz, cudaDevAttrMemoryClockRate, dev));
    EIPNN_CUDA_CHECK(cudaDeviceGetAttribute(&bus_bits, cudaDevAttrGlobalMemoryBusWidth, dev));
    EIPNN_CUDA_CHECK(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, dev));
    EIPNN_CUDA_CHECK(cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, dev));
    const double lanes = (major == 8 && minor == 0) ? 64 : 128;
    const double fp32 = 2.0 * lanes * sms * clock_khz * 1e3;
    return {fp32, fp32 / 2, 2.0 * mem_khz * 1e3 * bus_bits / 8};
}

double median_ms(int reps, const std::function<void()>& run) {
    run();  // warm-up: allocations, first launches
    std::vector<double> t;
    for (int r = 0; r < reps; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        run();
        t.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(t.begin(), t.end());
    return t[t.size() / 2];
}

void report(const char* step, double ms, const std::vector<bench::KernelCost>& costs, double peak_flops, double peak_bytes) {
    double flops = 0, bytes = 0;
    for (const bench::KernelCost& k : costs) flops += k.total_flops(), bytes += k.total_bytes();
    std::printf("device step=%s ms=%.3f gflops=%.1f gbs=%.1f peak_gflops=%.0f peak_gbs=%.0f\n", step, ms,
                flops / ms * 1e-6, bytes / ms * 1e-6, peak_flops * 1e-9, peak_bytes * 1e-9);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s DATA.extxyz [n_configs=32] [reps=10]\n", argv[0]);
        return 2;
    }
    if (!gpu::device_available()) {
        std::printf("bench_device: no CUDA device on this machine; skipped (bench_roofline prints the estimates)\n");
        return 0;
    }
    try {
        const bench::DeviceWorkload w(argv[1], argc > 2 ? std::size_t(std::atoi(argv[2])) : 32);
        const int reps = argc > 3 ? std::atoi(argv[3]) : 10;
        const gpu::CudaContext context;
        const Cuda dev = context.backend();
        const Peaks peaks = device_peaks();

        // SchNet: one training step on energies (MSE), everything on the device but the loss's seed
        SchNetCopy<float, Cuda> model(dev, w.schnet);
        const GraphBatchCopy<Cuda> batch(dev, w.schnet_batch);
        SchNetForward<float, Cuda> fw;
        upload(dev, species_indices(w.schnet.config.species, w.schnet_batch.numbers, "bench_device"), fw.species);
        Buffer<Cuda, float> grads(model.params.size());
        SchNetBackwardWork<float, Cuda> work;
        Adam<float, Cuda> adam(dev, model.params.size(), AdamConfig{});
        std::vector<double> energies, dL_dE(w.energies.size());
        const double step_ms = median_ms(reps, [&] {
            zero(dev, span_of(grads));
            schnet_forward(dev, model.weights(), batch.view(), fw);
            download(dev, span_of(std::as_const(fw.energies)), energies);
            for (std::size_t g = 0; g < dL_dE.size(); ++g)
                dL_dE[g] = 2 * (energies[g] - w.energies[g]) / double(dL_dE.size());
            schnet_backward_pairs(dev, model.weights(), batch.view(), fw, span_of(std::as_const(dL_dE)),
                                  model.grads_of(grads), static_cast<Buffer<Cuda, float>*>(nullptr),
                                  Span<const float>{}, work);
            adam.step(dev, span_of(model.params), span_of(std::as_const(grads)), 1e-4);
            synchronize(dev);
        });
        report("schnet_train", step_ms, w.schnet_costs(), peaks.fp32, peaks.bytes);

        // SOAP: descriptors and their position gradients, double
        const SoapTablesCopy<Cuda> tables(dev, w.soap_basis);
        const GraphBatchCopy<Cuda> soap_batch(dev, w.soap_batch);
        SoapSaved<double, Cuda> saved;
        Buffer<Cuda, double> P, dL_dP, dL_dc, dL_dvec;
        const index_t D = w.soap_basis.n_features();
        upload(dev, std::vector<double>(std::size_t(w.soap_batch.n_atoms()) * std::size_t(D), 1.0), dL_dP);
        const double soap_ms = median_ms(reps, [&] {
            soap_fwd_on(dev, soap_batch.view(), w.soap_basis.tables(), tables.get(), saved, P);
            soap_bwd_on(dev, soap_batch.view(), w.soap_basis.tables(), tables.get(), saved, span_of(std::as_const(P)),
                        matrix_of(std::as_const(dL_dP), D), dL_dc, dL_dvec);
            synchronize(dev);
        });
        report("soap", soap_ms, w.soap_step_costs(), peaks.fp64, peaks.bytes);

        // every EIP style: every structure, its lists built on the device beforehand
        for (const bench::DeviceWorkload::Eip& e : w.eips) {
            const auto pot = gpu::make_device_potential(*e.potential);
            std::vector<gpu::DeviceNeighborList> lists;
            for (const Structure& s : w.structures) lists.push_back(gpu::build_neighbor_list(dev, s, pot->cutoff()));
            EipResult<double> r;
            const double ms = median_ms(reps, [&] {
                for (std::size_t k = 0; k < lists.size(); ++k) pot->compute(dev, w.structures[k], lists[k], r);
            });
            report(e.potential->style().c_str(), ms, w.eip_step_costs(e), peaks.fp64, peaks.bytes);
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_device: %s\n", e.what());
        return 1;
    }
    return 0;
}
