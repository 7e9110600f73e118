// Roofline estimates of the device kernels (bench/support/roofline.hpp) on the device benchmark's
// workload, for the published peaks of A100 and H100 (the CUDA layer's sm_80 and sm_90): what a
// first run of bench_device on a GPU can be read against. Runs anywhere; times nothing.
//
// usage: bench_roofline DATA.extxyz [n_configs=32]
// prints a `workload` line per EIP style (its cutoff, edges and triplets), then
// `roofline step=<schnet_train|soap|STYLE> kernel="..." units=... flops_per_unit=...
// bytes_per_unit=... intensity=... bound=<compute|memory> bound_ms_<peak>=...` and a total per step,
// STYLE being each EIP style of eip/registry.hpp (sw, tersoff, ..., morse) on the same structures.
#include <cstdio>
#include <cstdlib>
#include <exception>

#include "support/device_workload.hpp"

using namespace eipnn;

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s DATA.extxyz [n_configs=32]\n", argv[0]);
        return 2;
    }
    try {
        const bench::DeviceWorkload w(argv[1], argc > 2 ? std::size_t(std::atoi(argv[2])) : 32);
        std::printf("workload configs=%zu atoms=%ld schnet_pairs=%ld soap_edges=%ld\n", w.structures.size(),
                    long(w.schnet_batch.n_atoms()), long(w.schnet_batch.n_pairs()), long(w.soap_batch.n_edges()));
        for (const bench::DeviceWorkload::Eip& e : w.eips)
            std::printf("workload style=%s source=%s cutoff=%.4f edges=%.0f triplets=%.0f\n",
                        e.potential->style().c_str(), e.potential->source().c_str(), e.potential->cutoff(),
                        e.counts.edges, e.counts.triplets);
        for (const bench::DevicePeak& p : bench::kReferencePeaks) {
            bench::print_roofline("schnet_train", w.schnet_costs(), p.flops, p.bytes, p.name);
            bench::print_roofline("soap", w.soap_step_costs(), p.flops / 2, p.bytes, p.name);  // double: half rate
            for (const bench::DeviceWorkload::Eip& e : w.eips)  // double, as soap
                bench::print_roofline(e.potential->style().c_str(), w.eip_step_costs(e), p.flops / 2, p.bytes, p.name);
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_roofline: %s\n", e.what());
        return 1;
    }
    return 0;
}
