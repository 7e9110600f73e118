// The device benchmarks' workload and its roofline estimates (roofline.hpp), shared by
// bench_roofline (every build: the estimates alone) and bench_device (CUDA builds: the estimates
// beside the times on a GPU): the paper's SchNet in float on the first configurations of an
// extxyz file, SOAP at the paper's sizes (n_max 8, l_max 6) on the same structures, and every EIP
// style of eip/registry.hpp on them.
#pragma once
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "eipnn/eip/registry.hpp"
#include "eipnn/io/extxyz.hpp"
#include "eipnn/nn/schnet.hpp"
#include "eipnn/soap/soap.hpp"
#include "roofline.hpp"  // (a sibling: bench/ is not an include directory)

namespace eipnn::bench {

struct DeviceWorkload {
    std::vector<Structure> structures;
    std::vector<double> energies;
    SchNet<float> schnet;
    GraphBatch schnet_batch;
    SoapBasis soap_basis;
    GraphBatch soap_batch;
    // One potential per style and what its kernel works on in these structures.
    struct Eip {
        std::unique_ptr<Potential> potential;
        EipCounts counts;
    };
    std::vector<Eip> eips;

    DeviceWorkload(const std::string& data, std::size_t n_configs)
        : schnet(SchNet<double>(SchNetConfig{}, 42).cast<float>()), soap_basis(SoapBasis::make(paper_soap())) {
        const std::vector<Frame> frames = read_extxyz(data);
        for (std::size_t k = 0; k < frames.size() && structures.size() < n_configs; ++k) {
            structures.push_back(frames[k].structure);
            energies.push_back(frames[k].info_real("energy"));
        }
        schnet.head_ref = {-5.0};
        schnet_batch = make_graph_batch(structures, schnet.config.cutoff);
        soap_batch = make_graph_batch(structures, soap_basis.tables().cutoff);
        for (const char* spec : eip_specs()) {
            Eip e{make_potential(spec), {}};
            for (const Structure& s : structures) {
                const NeighborList nl = build_neighbor_list(s, e.potential->cutoff());
                e.counts.atoms += double(nl.n_atoms());
                e.counts.edges += double(nl.n_edges());
                for (index_t i = 0; i < nl.n_atoms(); ++i)
                    e.counts.triplets += 0.5 * double(nl.degree(i)) * double(nl.degree(i) - 1);
            }
            eips.push_back(std::move(e));
        }
        for (const PotentialStyle& style : potential_styles()) {  // a new style needs its estimate here
            bool listed = false;
            for (const Eip& e : eips) listed = listed || e.potential->style() == style.style;
            if (!listed)
                throw std::runtime_error(std::string("no roofline workload for EIP style ") + style.style +
                                         ": add it to DeviceWorkload::eip_specs and roofline.hpp");
        }
    }

    // One spec per style of potential_styles(). The metal styles have no silicon
    // parameters: silicon atoms take the metal's entry (Si=Cu, Si=Mo), so their counts are the
    // edges within the metal's cutoff in these structures, what their kernels would run over
    // (fewer than in the metal itself, which is denser than silicon). Each list is built at the
    // style's cutoff, so every edge is in range.
    static const std::vector<const char*>& eip_specs() {
        static const std::vector<const char*> specs = {
            "SW=sw:Si.sw", "T=tersoff:Si.tersoff", "MOD=tersoff/mod:Si.tersoff.mod", "EDIP=edip:Si.edip",
            "MEAM=meam/spline:Si_1.meam.spline", "CU=eam:Cu_u3.eam:Si=Cu", "CUM=eam/alloy:Cu_mishin1.eam.alloy:Si=Cu",
            "ZJW=eam/zjw:ZhouJohnsonWadley_2004_Mo:Si=Mo", "MORSE=morse:GirifalcoWeizer_Mo_low:Si=Mo"};
        return specs;
    }

    static SoapConfig paper_soap() {
        SoapConfig c;
        c.species = {14};
        c.n_max = 8;
        c.l_max = 6;
        return c;
    }

    std::vector<KernelCost> schnet_costs() const {
        const SchNetConfig& c = schnet.config;
        return schnet_step_costs({double(schnet_batch.n_atoms()), double(schnet_batch.n_pairs()),
                                  double(schnet_batch.n_edges()), double(schnet_batch.n_graphs()), double(c.n_features),
                                  double(c.n_rbf), double(schnet.basis.max_window()), double(c.n_interactions),
                                  double(c.head_hidden), double(schnet.layout.total()), 4.0});
    }
    std::vector<KernelCost> soap_step_costs() const {
        const SoapTables& t = soap_basis.tables();
        return soap_costs(double(soap_batch.n_atoms()), double(soap_batch.n_edges()), double(t.n_max), double(t.l_max),
                          double(t.n_features), double(t.n_coefficients), 8.0);
    }
    // One evaluation (energy, forces, virial) of every structure in double.
    static std::vector<KernelCost> eip_step_costs(const Eip& e) {
        return eip_costs(e.potential->style(), e.counts, 8.0);
    }
};

// Published peaks of the two architectures the CUDA layer is compiled for (NVIDIA's data sheets:
// A100 SXM 40 GB, H100 SXM; FP32 without tensor cores), for reading the estimates without a GPU.
struct DevicePeak {
    const char* name;
    double flops, bytes;
};
inline const DevicePeak kReferencePeaks[] = {{"A100", 19.5e12, 1.555e12}, {"H100", 67e12, 3.35e12}};

}  // namespace eipnn::bench
