// The device benchmarks' workload and its roofline estimates (roofline.hpp), shared by
// bench_roofline (every build: the estimates alone) and bench_device (CUDA builds: the estimates
// beside the times on a GPU): the paper's SchNet in float on the first configurations of an
// extxyz file, SOAP at the paper's sizes (n_max 8, l_max 6) on the same structures, and
// Stillinger-Weber silicon.
#pragma once
#include <memory>
#include <string>
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
    std::unique_ptr<Potential> sw;
    std::vector<NeighborList> sw_lists;

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
        sw = make_potential("SW=sw:Si.sw");
        for (const Structure& s : structures) sw_lists.push_back(build_neighbor_list(s, sw->cutoff()));
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
    std::vector<KernelCost> sw_step_costs() const {
        double edges = 0, triplets = 0;
        for (const NeighborList& nl : sw_lists) {
            edges += double(nl.n_edges());
            for (index_t i = 0; i < nl.n_atoms(); ++i) triplets += 0.5 * double(nl.degree(i)) * double(nl.degree(i) - 1);
        }
        return sw_costs(edges, triplets, 8.0);
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
