// The SOAP descriptor on the device: the host's per-centre functors (include/eipnn/soap/
// soap_functors.hpp) launched by for_each(Cuda{}, ...), one thread per centre atom, over a
// DeviceGraphBatch. Nothing is re-implemented: the basis tables are copied to device memory once
// and the functors read them through a pointer, exactly as on the host.
//
// Per-thread state lives in local arrays (f, df: n_max x (l_max+1), R, dR, K: (l_max+1)^2), the
// coefficients in the centre's own row of global memory; every output row and edge is written by
// its centre only (no atomics, deterministic). Results match the host to round-off (the device may
// contract a*b+c into FMAs).
//
//   gpu::DeviceSoapBasis dbasis(basis);
//   gpu::DeviceGraphBatch dbatch(batch);
//   gpu::DeviceSoapState<double> state;
//   gpu::soap_fwd(Cuda{}, batch, dbatch, dbasis, state);           // state.P (n_atoms, n_features)
//   state.dL_dP.upload(dL_dP);
//   gpu::soap_bwd(Cuda{}, batch, dbatch, dbasis, state);           // state.dL_dvec (n_edges, 3)
#pragma once
#include <vector>

#include "eipnn/cuda/backend.cuh"
#include "eipnn/cuda/device_buffer.cuh"
#include "eipnn/cuda/graph_batch.cuh"
#include "eipnn/soap/soap.hpp"

namespace eipnn::gpu {

// The basis tables in device memory (one SoapTables block), and the host basis for the checks.
struct DeviceSoapBasis {
    SoapBasis host;
    DeviceBuffer<SoapTables> tables;  // (1)

    explicit DeviceSoapBasis(const SoapBasis& basis) : host(basis) {
        tables.upload(std::vector<SoapTables>{basis.tables()});
    }
    const SoapTables* device_tables() const { return tables.data(); }
};

// Device buffers reused from call to call.
template <class T>
struct DeviceSoapState {
    DeviceBuffer<int> numbers;       // (n_atoms)
    DeviceBuffer<T> coefficients;    // (n_atoms, n_coefficients)
    DeviceBuffer<T> norms;           // (n_atoms) l2 only
    DeviceBuffer<T> P;               // (n_atoms, n_features)
    DeviceBuffer<T> dL_dP;           // (n_atoms, n_features) in: set by the caller before soap_bwd
    DeviceBuffer<T> dL_dc;           // (n_atoms, n_coefficients) scratch
    DeviceBuffer<T> dL_dvec;         // (n_edges, 3) out
};

// `batch` is the host batch `dbatch` was uploaded from: its cutoff and species are checked on the
// host (same messages as the host path) and its atomic numbers uploaded.
template <class T>
void soap_fwd(const Cuda& dev, const GraphBatch& batch, const DeviceGraphBatch& dbatch, const DeviceSoapBasis& basis,
              DeviceSoapState<T>& state) {
    soap_check_batch(batch, basis.host, "gpu::soap_fwd");
    const SoapTables& t = basis.host.tables();
    const index_t n = dbatch.n_atoms;
    state.numbers.upload(batch.numbers);
    state.coefficients.resize(std::size_t(n) * std::size_t(t.n_coefficients));
    state.norms.resize(t.l2 ? std::size_t(n) : 0);
    state.P.resize(std::size_t(n) * std::size_t(t.n_features));
    const SoapAtomFwd<T> fwd{basis.device_tables(),
                             dbatch.offsets.span(),
                             dbatch.neighbors.span(),
                             state.numbers.span(),
                             {dbatch.vectors.data(), dbatch.n_edges, 3},
                             dbatch.distances.span(),
                             {state.coefficients.data(), n, t.n_coefficients},
                             {state.P.data(), n, t.n_features},
                             state.norms.span()};
    for_each(dev, n, fwd);
}

template <class T>
void soap_bwd(const Cuda& dev, const GraphBatch& batch, const DeviceGraphBatch& dbatch, const DeviceSoapBasis& basis,
              DeviceSoapState<T>& state) {
    soap_check_batch(batch, basis.host, "gpu::soap_bwd");
    const SoapTables& t = basis.host.tables();
    const index_t n = dbatch.n_atoms;
    if (state.dL_dP.size() != std::size_t(n) * std::size_t(t.n_features) ||
        state.P.size() != state.dL_dP.size())
        throw Error(str("dL_dP holds ", state.dL_dP.size(), " values, expected ", n, " x ", t.n_features), "gpu::soap_bwd",
                    "run gpu::soap_fwd on this batch and upload dL_dP first");
    state.dL_dc.resize(std::size_t(n) * std::size_t(t.n_coefficients));
    state.dL_dvec.resize(3 * std::size_t(dbatch.n_edges));
    const SoapAtomBwd<T> bwd{basis.device_tables(),
                             dbatch.offsets.span(),
                             dbatch.neighbors.span(),
                             state.numbers.span(),
                             {dbatch.vectors.data(), dbatch.n_edges, 3},
                             dbatch.distances.span(),
                             {state.coefficients.data(), n, t.n_coefficients},
                             {state.P.data(), n, t.n_features},
                             state.norms.span(),
                             {state.dL_dP.data(), n, t.n_features},
                             {state.dL_dc.data(), n, t.n_coefficients},
                             {state.dL_dvec.data(), dbatch.n_edges, 3}};
    for_each(dev, n, bwd);
}

}  // namespace eipnn::gpu
