// The SchNet model (include/eipnn/nn/schnet.hpp) on the device: energies, forces and virials, and
// the parameter gradients of a loss on the energies. Every per-index body is the host's portable
// functor; GEMMs are cuBLAS. The host model is the reference the device is tested against
// (tests/cuda/test_cuda_schnet.cu). Energy heads only: the classifier head is host-only.
//
// Usage:
//   gpu::SchNetDevice<float> dm(model);                 // uploads the flat parameter buffer
//   gpu::SchNetDeviceBatch db = dm.upload(batch);       // graph + species indices
//   EnergyForces<float> out; dm.energy_forces(Cuda{}, db, fw, out);
#pragma once
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "eipnn/cuda/backend.cuh"
#include "eipnn/cuda/device_buffer.cuh"
#include "eipnn/cuda/nn_cfconv.cuh"
#include "eipnn/cuda/nn_cublas.cuh"
#include "eipnn/cuda/nn_dense.cuh"
#include "eipnn/cuda/graph_batch.cuh"
#include "eipnn/geometry/edge_forces.hpp"
#include "eipnn/nn/embedding.hpp"
#include "eipnn/nn/readout_functors.hpp"
#include "eipnn/nn/parameters.hpp"
#include "eipnn/nn/schnet_config.hpp"

namespace eipnn::gpu {

struct SchNetDeviceBatch {
    DeviceGraphBatch graph;
    DeviceBuffer<index_t> species;  // (n_atoms) embedding row of each atom
};

template <class T>
struct SchNetDeviceForward {
    DevicePairGeometry<T> geom;
    std::vector<DeviceBuffer<T>> x;                     // n_interactions + 1 of (n_atoms, F)
    std::vector<DeviceBuffer<T>> xin, y, a, h;          // per block (n_atoms, F)
    std::vector<DeviceCfconvSaved<T>> conv;             // per block
    std::vector<DeviceBuffer<T>> head_a, head_h;        // per head (n_atoms, H)
    std::vector<DeviceBuffer<T>> head_e;                // per head (n_atoms)
    DeviceBuffer<double> energies;                      // (n_graphs, n_heads)
};

template <class T>
void zero(DeviceBuffer<T>& b, cudaStream_t stream) {
    if (b.size() > 0) EIPNN_CUDA_CHECK(cudaMemsetAsync(b.data(), 0, b.size() * sizeof(T), stream));
}

template <class T>
class SchNetDevice {
public:
    // From a host SchNet<T> (schnet.hpp; taken by its members so this header needs no Eigen).
    template <class HostModel>
    explicit SchNetDevice(const HostModel& model, cudaStream_t stream = nullptr)
        : config_(model.config), layout_(model.layout), basis_(model.basis), head_scale_(model.head_scale),
          blas_(stream) {
        params_.upload(model.params.data);
        const index_t S = index_t(config_.species.size());
        head_ref_.resize(std::size_t(config_.n_heads));
        for (index_t k = 0; k < config_.n_heads; ++k)
            head_ref_[std::size_t(k)].upload(std::vector<double>(model.head_ref.begin() + k * S,
                                                                 model.head_ref.begin() + (k + 1) * S));
    }

    const SchNetConfig& config() const { return config_; }
    const ParameterLayout& layout() const { return layout_; }
    DeviceBuffer<T>& params() { return params_; }

    SchNetDeviceBatch upload(const GraphBatch& batch) const {
        if (std::abs(batch.cutoff - config_.cutoff) > 1e-12 * config_.cutoff && batch.n_edges() > 0)
            throw Error(str("the batch's lists use cutoff ", batch.cutoff, " Å, the model ", config_.cutoff, " Å"),
                        "gpu::SchNetDevice::upload", "build the neighbour lists with the model's cutoff");
        SchNetDeviceBatch d;
        d.graph.upload(batch);
        d.species.upload(species_indices(config_.species, batch.numbers, "gpu::SchNetDevice::upload"));
        return d;
    }

    // Energies of every head, (n_graphs, n_heads) in fw.energies.
    void forward(const Cuda& dev, const SchNetDeviceBatch& db, SchNetDeviceForward<T>& fw) const {
        const DeviceGraphBatch& b = db.graph;
        const index_t n = b.n_atoms, F = config_.n_features, NI = config_.n_interactions, H = config_.head_hidden;
        fw.geom.compute(dev, b, config_.cutoff);
        fw.x.resize(std::size_t(NI) + 1);
        for (auto& v : fw.x) v.resize(std::size_t(n) * F);
        for (auto* v : {&fw.xin, &fw.y, &fw.a, &fw.h}) {
            v->resize(std::size_t(NI));
            for (auto& u : *v) u.resize(std::size_t(n) * F);
        }
        fw.conv.resize(std::size_t(NI));
        for_each(dev, n, EmbeddingGather<T>{db.species.span(), view("embedding"), fw.x[0].matrix(F)});
        const MatrixView<const T> none{};
        for (index_t t = 0; t < NI; ++t) {
            const std::size_t u = std::size_t(t);
            const InteractionParams<T> ip = block(t);
            const MatrixView<const T> x = fw.x[u].matrix(F);
            dense_fwd(dev, blas_, x, ip.W_in, none, fw.xin[u].matrix(F));
            cfconv_fwd(dev, blas_, b, fw.geom, basis_, ip.filter, MatrixView<const T>(fw.xin[u].matrix(F)), fw.conv[u],
                       fw.y[u].matrix(F));
            dense_fwd(dev, blas_, MatrixView<const T>(fw.y[u].matrix(F)), ip.W_o1, ip.b_o1, fw.a[u].matrix(F));
            activation_fwd(dev, Activation::ShiftedSoftplus, Span<const T>(fw.a[u].span()), fw.h[u].span());
            dense_fwd(dev, blas_, MatrixView<const T>(fw.h[u].matrix(F)), ip.W_o2, ip.b_o2, fw.x[u + 1].matrix(F));
            if (config_.residual) for_each(dev, n * F, AddInPlace<T>{fw.x[u + 1].span(), Span<const T>(fw.x[u].span())});
        }
        const index_t K = config_.n_heads;
        fw.head_a.resize(std::size_t(K));
        fw.head_h.resize(std::size_t(K));
        fw.head_e.resize(std::size_t(K));
        fw.energies.resize(std::size_t(b.n_graphs) * K);
        const MatrixView<const T> xT = fw.x.back().matrix(F);
        for (index_t k = 0; k < K; ++k) {
            const std::size_t u = std::size_t(k);
            const MlpParams<T> mp = head(k);
            fw.head_a[u].resize(std::size_t(n) * H);
            fw.head_h[u].resize(std::size_t(n) * H);
            fw.head_e[u].resize(std::size_t(n));
            dense_fwd(dev, blas_, xT, mp.W1, mp.b1, fw.head_a[u].matrix(H));
            activation_fwd(dev, Activation::ShiftedSoftplus, Span<const T>(fw.head_a[u].span()), fw.head_h[u].span());
            dense_fwd(dev, blas_, MatrixView<const T>(fw.head_h[u].matrix(H)), mp.W2, mp.b2, fw.head_e[u].matrix(1));
            for_each(dev, b.n_graphs,
                     HeadEnergySum<T>{b.atom_offsets.span(), db.species.span(), Span<const T>(fw.head_e[u].span()),
                                      head_ref_[u].span(), head_scale_[u],
                                      Span<double>{fw.energies.data() + k, b.n_graphs * K - k}, K});
        }
    }

    // From dL/dE (host, (n_graphs, n_heads)): parameter gradients accumulated into d_grads (a
    // device buffer laid out like the parameters; null = skipped) and dL/dr per pair written to
    // d_dL_dr (null = skipped).
    void backward(const Cuda& dev, const SchNetDeviceBatch& db, const SchNetDeviceForward<T>& fw,
                  const std::vector<double>& dL_dE, DeviceBuffer<T>* d_grads, DeviceBuffer<T>* d_dL_dr) {
        const DeviceGraphBatch& b = db.graph;
        const index_t n = b.n_atoms, F = config_.n_features, K = config_.n_heads, H = config_.head_hidden;
        if (index_t(dL_dE.size()) != b.n_graphs * K)
            throw Error(str("dL_dE has ", dL_dE.size(), " values, need n_graphs * n_heads = ", b.n_graphs * K),
                        "gpu::SchNetDevice::backward");
        if (d_grads && d_grads->size() != params_.size())
            throw Error(str("the gradient buffer has ", d_grads->size(), " values, the parameters ", params_.size()),
                        "gpu::SchNetDevice::backward", "allocate it with params().size() values, zeroed");
        d_next_.resize(std::size_t(n) * F);
        d_prev_.resize(std::size_t(n) * F);
        d_a_.resize(std::size_t(n) * std::max(F, H));
        d_y_.resize(std::size_t(n) * F);
        d_e_.resize(std::size_t(n));
        zero(d_next_, dev.stream);
        d_dL_dE_.upload(dL_dE);
        for (index_t k = 0; k < K; ++k) {
            bool any = false;
            for (index_t g = 0; g < b.n_graphs; ++g) any = any || dL_dE[std::size_t(g * K + k)] != 0.0;
            if (!any && !d_grads) continue;
            const std::size_t u = std::size_t(k);
            const std::string p = energy_head_prefix(k);
            for_each(dev, n, HeadEnergySeed<T>{b.graph_of_atom.span(), d_dL_dE_.span(), head_scale_[u], d_e_.span(), K, k});
            const MatrixView<T> d_a{d_a_.data(), n, H};
            dense_bwd(dev, blas_, MatrixView<const T>(fw.head_h[u].matrix(H)), head(k).W2,
                      MatrixView<const T>{d_e_.data(), n, 1}, d_a, grad(d_grads, p + "W2"), grad(d_grads, p + "b2"));
            activation_bwd(dev, Activation::ShiftedSoftplus, Span<const T>(fw.head_a[u].span()),
                           Span<const T>{d_a.data, n * H}, Span<T>{d_a.data, n * H});
            dense_bwd(dev, blas_, MatrixView<const T>(fw.x.back().matrix(F)), head(k).W1, MatrixView<const T>(d_a),
                      d_next_.matrix(F), grad(d_grads, p + "W1"), grad(d_grads, p + "b1"), /*accumulate_dX=*/true);
        }
        Span<T> dr{};
        if (d_dL_dr) {
            d_dL_dr->resize(std::size_t(b.n_pairs));
            zero(*d_dL_dr, dev.stream);
            dr = d_dL_dr->span();
        }
        for (index_t t = config_.n_interactions - 1; t >= 0; --t) {
            const std::size_t u = std::size_t(t);
            const InteractionParams<T> ip = block(t);
            const std::string p = schnet_block_prefix(t);
            const MatrixView<T> d_a{d_a_.data(), n, F}, d_y = d_y_.matrix(F);
            const MatrixView<const T> dx_out = d_next_.matrix(F);
            dense_bwd(dev, blas_, MatrixView<const T>(fw.h[u].matrix(F)), ip.W_o2, dx_out, d_a, grad(d_grads, p + "out2.W"),
                      grad(d_grads, p + "out2.b"));
            activation_bwd(dev, Activation::ShiftedSoftplus, Span<const T>(fw.a[u].span()), Span<const T>{d_a.data, n * F},
                           Span<T>{d_a.data, n * F});
            dense_bwd(dev, blas_, MatrixView<const T>(fw.y[u].matrix(F)), ip.W_o1, MatrixView<const T>(d_a), d_y,
                      grad(d_grads, p + "out1.W"), grad(d_grads, p + "out1.b"));
            const FilterGrads<T> fg{grad(d_grads, p + "filter1.W"), grad(d_grads, p + "filter1.b"),
                                    grad(d_grads, p + "filter2.W"), grad(d_grads, p + "filter2.b")};
            cfconv_bwd(dev, blas_, b, fw.geom, ip.filter, MatrixView<const T>(fw.xin[u].matrix(F)), fw.conv[u],
                       MatrixView<const T>(d_y), d_a, fg, dr, scratch_);
            dense_bwd(dev, blas_, MatrixView<const T>(fw.x[u].matrix(F)), ip.W_in, MatrixView<const T>(d_a),
                      d_prev_.matrix(F), grad(d_grads, p + "in.W"), MatrixView<T>{});
            if (config_.residual) for_each(dev, n * F, AddInPlace<T>{d_prev_.span(), Span<const T>(d_next_.span())});
            std::swap(d_next_, d_prev_);
        }
        if (d_grads) {
            const MatrixView<T> g = grad(d_grads, "embedding");
            for_each(dev, g.rows * g.cols, EmbeddingBwd<T>{db.species.span(), MatrixView<const T>(d_next_.matrix(F)), g});
        }
    }

    // Energies (head 0), forces (n_atoms, 3) and virials (n_graphs, 9), downloaded to the host.
    void energy_forces(const Cuda& dev, const SchNetDeviceBatch& db, SchNetDeviceForward<T>& fw, EnergyForces<T>& out) {
        const DeviceGraphBatch& b = db.graph;
        const index_t G = b.n_graphs, K = config_.n_heads, n = b.n_atoms;
        forward(dev, db, fw);
        std::vector<double> seed(std::size_t(G) * K, 0.0);
        for (index_t g = 0; g < G; ++g) seed[std::size_t(g * K)] = 1.0;
        backward(dev, db, fw, seed, nullptr, &dE_dr_);
        dE_dvec_.resize(3 * std::size_t(b.n_edges));
        zero(dE_dvec_, dev.stream);
        for_each(dev, b.n_pairs,
                 PairToEdgeGradient<T>{b.pair_edge.span(), b.vectors.matrix(3), fw.geom.r.span(),
                                       Span<const T>(dE_dr_.span()), dE_dvec_.matrix(3)});
        forces_.resize(3 * std::size_t(n));
        per_atom_virial_.resize(9 * std::size_t(n));
        virial_.resize(9 * std::size_t(G));
        for_each(dev, n, EdgeForceGather<T>{b.offsets.span(), b.reverse.span(), dE_dvec_.matrix(3), forces_.matrix(3)});
        for_each(dev, n, EdgeVirialGather<T>{b.offsets.span(), b.vectors.matrix(3), dE_dvec_.matrix(3),
                                             per_atom_virial_.matrix(9)});
        for_each(dev, G, GraphRowSum<T>{b.atom_offsets.span(), per_atom_virial_.matrix(9), virial_.matrix(9)});
        const std::vector<double> e = fw.energies.download();  // synchronises
        out.energies.resize(std::size_t(G));
        for (index_t g = 0; g < G; ++g) out.energies[std::size_t(g)] = e[std::size_t(g * K)];
        out.forces = forces_.download();
        out.virial = virial_.download();
    }

private:
    MatrixView<const T> view(const std::string& name) const {
        const ParameterEntry& e = layout_.entry(name);
        return {params_.data() + e.offset, e.rows, e.cols};
    }
    MatrixView<T> grad(DeviceBuffer<T>* g, const std::string& name) const {
        if (!g) return {};
        const ParameterEntry& e = layout_.entry(name);
        return {g->data() + e.offset, e.rows, e.cols};
    }
    InteractionParams<T> block(index_t t) const {
        const std::string p = schnet_block_prefix(t);
        return {{view(p + "filter1.W"), view(p + "filter1.b"), view(p + "filter2.W"), view(p + "filter2.b")},
                view(p + "in.W"), view(p + "out1.W"), view(p + "out1.b"), view(p + "out2.W"), view(p + "out2.b")};
    }
    MlpParams<T> head(index_t k) const {
        const std::string p = energy_head_prefix(k);
        return {view(p + "W1"), view(p + "b1"), view(p + "W2"), view(p + "b2")};
    }

    SchNetConfig config_;
    ParameterLayout layout_;
    GaussianBasis basis_;
    std::vector<double> head_scale_;
    std::vector<DeviceBuffer<double>> head_ref_;
    CublasHandle blas_;
    DeviceBuffer<T> params_;
    // backward scratch, reused across calls
    DeviceBuffer<T> d_next_, d_prev_, d_a_, d_y_, d_e_, dE_dr_, dE_dvec_, forces_, per_atom_virial_, virial_;
    DeviceBuffer<double> d_dL_dE_;
    DeviceCfconvScratch<T> scratch_;
};

}  // namespace eipnn::gpu
