// Empirical potentials on the device: the host's per-atom kernels (include/eipnn/eip/*.hpp) and
// the host's gather functors (geometry/edge_forces.hpp), launched by for_each(Cuda{}, ...) over
// a DeviceNeighborList. Nothing is re-implemented here: each style's parameter tables are copied
// to device memory once, and the same EIPNN_HD functor is bound to device views.
//
//   per atom:  ZeroEdgesThen<Kernel>   E_i, dE_i/dr_ij for i's edges      (n_atoms threads)
//   per atom:  EdgeForceGather         F_k from k's edges and their reverses
//   per atom:  EdgeVirialGather        W_k (n_atoms, 9)
//   per block: AtomBlockSums           fixed-order partial sums of W and E (n_blocks threads)
//   host:      sum of the (few) block partials in block order -> energy, virial
//
// Results match the host evaluation to round-off (same functors; the device may contract a*b+c
// into FMAs, the host build does not), and are run-to-run deterministic (no atomics).
//
//   auto pot = make_potential("sw=sw:Si.sw");
//   auto dpot = gpu::make_device_potential(*pot);     // copies the tables; pot must outlive dpot
//   EipResult<double> r = dpot->compute(Cuda{}, structure);
#pragma once
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "eipnn/cuda/backend.cuh"
#include "eipnn/cuda/device_buffer.cuh"
#include "eipnn/cuda/neighbor_list.cuh"
#include "eipnn/eip/eam.hpp"
#include "eipnn/eip/eam_zjw.hpp"
#include "eipnn/eip/edip.hpp"
#include "eipnn/eip/meam_spline.hpp"
#include "eipnn/eip/morse.hpp"
#include "eipnn/eip/potential.hpp"
#include "eipnn/eip/sw.hpp"
#include "eipnn/eip/tersoff.hpp"
#include "eipnn/eip/tersoff_mod.hpp"

namespace eipnn::gpu {

// Partial sums over kGatherBlock consecutive atoms, atoms in index order (as the host gather).
template <class T>
struct AtomBlockSums {
    MatrixView<const T> atom_virial;    // (n_atoms, 9)
    Span<const T> atom_energy;          // (n_atoms)
    MatrixView<T> virial_partial;       // (n_blocks, 9) out
    Span<double> energy_partial;        // (n_blocks) out

    EIPNN_HD void operator()(index_t b) const {
        const index_t n = atom_energy.size;
        const index_t end = (b + 1) * kGatherBlock < n ? (b + 1) * kGatherBlock : n;
        T acc[9] = {0, 0, 0, 0, 0, 0, 0, 0, 0};
        double energy = 0;
        for (index_t k = b * kGatherBlock; k < end; ++k) {
            for (int c = 0; c < 9; ++c) acc[c] += atom_virial(k, c);
            energy += double(atom_energy[k]);
        }
        for (int c = 0; c < 9; ++c) virial_partial(b, c) = acc[c];
        energy_partial[b] = energy;
    }
};

// Device memory reused from call to call (resized only when the structure grows or shrinks).
template <class T>
struct DeviceEipWorkspace {
    DeviceBuffer<int> types;            // (n_atoms) per-atom entry / species index
    DeviceBuffer<T> scratch;            // (n_edges, k) per-edge scratch of three-body kernels
    DeviceBuffer<T> atom_energies;      // (n_atoms)
    DeviceBuffer<T> dE_dr;              // (n_edges, 3)
    DeviceBuffer<T> forces;             // (n_atoms, 3)
    DeviceBuffer<T> atom_virial;        // (n_atoms, 9)
    DeviceBuffer<T> virial_partial;     // (n_blocks, 9)
    DeviceBuffer<double> energy_partial;  // (n_blocks)
};

// The device twin of eipnn::evaluate_atom_kernel: `make_kernel(atom_energy, dE_dr)` returns the
// kernel bound to device views; results are copied back into `out`.
template <class T, class MakeKernel>
void evaluate_atom_kernel(const Cuda& dev, const DeviceNeighborList& nl, const MakeKernel& make_kernel,
                          DeviceEipWorkspace<T>& ws, EipResult<T>& out) {
    const index_t n = nl.n_atoms;
    const index_t n_blocks = gather_blocks(n);
    ws.atom_energies.resize(std::size_t(n));
    ws.dE_dr.resize(3 * std::size_t(nl.n_edges));
    ws.forces.resize(3 * std::size_t(n));
    ws.atom_virial.resize(9 * std::size_t(n));
    ws.virial_partial.resize(9 * std::size_t(n_blocks));
    ws.energy_partial.resize(std::size_t(n_blocks));
    const MatrixView<T> dE_dr = ws.dE_dr.matrix(3);
    const auto kernel = make_kernel(ws.atom_energies.span(), dE_dr);
    const Span<const index_t> offsets = nl.d_offsets.span();
    for_each(dev, n, ZeroEdgesThen<T, std::decay_t<decltype(kernel)>>{offsets, dE_dr, kernel});
    const MatrixView<const T> grad = std::as_const(ws.dE_dr).matrix(3);
    for_each(dev, n, EdgeForceGather<T>{offsets, nl.d_reverse.span(), grad, ws.forces.matrix(3)});
    for_each(dev, n, EdgeVirialGather<T>{offsets, nl.d_vectors.matrix(3), grad, ws.atom_virial.matrix(9)});
    for_each(dev, n_blocks, AtomBlockSums<T>{std::as_const(ws.atom_virial).matrix(9), std::as_const(ws.atom_energies).span(),
                                             ws.virial_partial.matrix(9), ws.energy_partial.span()});
    out.atom_energies = ws.atom_energies.download();  // cudaMemcpy: waits for the kernels above
    out.forces = ws.forces.download();
    const std::vector<T> vp = ws.virial_partial.download();
    const std::vector<double> ep = ws.energy_partial.download();
    out.virial.fill(T(0));
    out.energy = 0;
    for (index_t b = 0; b < n_blocks; ++b) {
        for (int c = 0; c < 9; ++c) out.virial[std::size_t(c)] += vp[9 * std::size_t(b) + std::size_t(c)];
        out.energy += ep[std::size_t(b)];
    }
}

// An EIP evaluated on the device. Built from a host Potential by make_device_potential; holds
// device copies of its tables and reuses device workspace, so compute is not const and one
// DevicePotential must not be used from two host threads at once.
class DevicePotential {
public:
    virtual ~DevicePotential() = default;
    virtual const Potential& host() const = 0;
    double cutoff() const { return host().cutoff(); }

    // The list must have been built (on the device) for `s` with cutoff >= cutoff().
    virtual void compute(const Cuda& dev, const Structure& s, const DeviceNeighborList& nl, EipResult<double>& out) = 0;
    virtual void compute(const Cuda& dev, const Structure& s, const DeviceNeighborList& nl, EipResult<float>& out) = 0;

    EipResult<double> compute(const Cuda& dev, const Structure& s) {
        EipResult<double> out;
        compute(dev, s, build_neighbor_list(dev, s, cutoff()), out);
        return out;
    }

protected:
    void check_list(const Structure& s, const DeviceNeighborList& nl) const {
        const std::string who = "gpu " + host().style();
        if (nl.n_atoms != s.size())
            throw Error(str("the device neighbour list has ", nl.n_atoms, " atoms, the structure ", s.size()), who,
                        "build the list for this structure");
        if (nl.cutoff < cutoff())
            throw Error(str("the device neighbour list cutoff ", nl.cutoff, " Å is below the potential's ", cutoff(), " Å"),
                        who, "build the list with gpu::build_neighbor_list(dev, s, potential.cutoff())");
    }
};

namespace detail {

// Tables of one style in both scalar types; Derived::run<T>(dev, s, nl, ws, out) does the work.
template <class Derived, class HostPotential>
class DeviceStyle : public DevicePotential {
public:
    explicit DeviceStyle(const HostPotential& p) : host_(p) {}
    const Potential& host() const override { return host_; }
    void compute(const Cuda& dev, const Structure& s, const DeviceNeighborList& nl, EipResult<double>& out) override {
        check_list(s, nl);
        static_cast<Derived*>(this)->template run<double>(dev, s, nl, ws_d_, out);
    }
    void compute(const Cuda& dev, const Structure& s, const DeviceNeighborList& nl, EipResult<float>& out) override {
        check_list(s, nl);
        static_cast<Derived*>(this)->template run<float>(dev, s, nl, ws_f_, out);
    }
    using DevicePotential::compute;

protected:
    // Uploads the per-atom types (this also runs the host's element checks).
    template <class T>
    Span<const int> upload_types(const Structure& s, DeviceEipWorkspace<T>& ws) const {
        ws.types.upload(host_.atom_types(s));
        return std::as_const(ws.types).span();
    }

    const HostPotential& host_;
    DeviceEipWorkspace<double> ws_d_;
    DeviceEipWorkspace<float> ws_f_;
};

template <class T>
std::vector<T> converted(const std::vector<double>& v) { return std::vector<T>(v.begin(), v.end()); }

}  // namespace detail

class DeviceSw : public detail::DeviceStyle<DeviceSw, StillingerWeber> {
public:
    explicit DeviceSw(const StillingerWeber& p)
        : DeviceStyle(p), d_pairs_(p.pair_table()), d_triples_(p.triple_table()) {}

    template <class T>
    void run(const Cuda& dev, const Structure& s, const DeviceNeighborList& nl, DeviceEipWorkspace<T>& ws,
             EipResult<T>& out) {
        const Span<const int> types = upload_types(s, ws);
        ws.scratch.resize(6 * std::size_t(nl.n_edges));
        evaluate_atom_kernel<T>(dev, nl, [&](Span<T> energy, MatrixView<T> grad) {
            return SwAtomKernel<T>{nl.d_offsets.span(), nl.d_neighbors.span(), nl.d_vectors.matrix(3),
                                   nl.d_distances.span(), types, host_.n_species(), std::as_const(d_pairs_).span(),
                                   std::as_const(d_triples_).span(), ws.scratch.matrix(6), energy, grad};
        }, ws, out);
    }

private:
    DeviceBuffer<SwPair> d_pairs_;
    DeviceBuffer<SwTriple> d_triples_;
};

template <class Form>
class DeviceTersoff : public detail::DeviceStyle<DeviceTersoff<Form>, TersoffFamily<Form>> {
    using Base = detail::DeviceStyle<DeviceTersoff<Form>, TersoffFamily<Form>>;

public:
    explicit DeviceTersoff(const TersoffFamily<Form>& p) : Base(p), d_params_(p.param_table()) {}

    template <class T>
    void run(const Cuda& dev, const Structure& s, const DeviceNeighborList& nl, DeviceEipWorkspace<T>& ws,
             EipResult<T>& out) {
        const Span<const int> types = this->upload_types(s, ws);
        ws.scratch.resize(9 * std::size_t(nl.n_edges));
        const auto& h = this->host_;
        evaluate_atom_kernel<T>(dev, nl, [&](Span<T> energy, MatrixView<T> grad) {
            return TersoffAtomKernel<T, Form>{nl.d_offsets.span(), nl.d_neighbors.span(), nl.d_vectors.matrix(3),
                                              nl.d_distances.span(), types, h.n_species(),
                                              std::as_const(d_params_).span(), h.fc_from_edge(), ws.scratch.matrix(9),
                                              energy, grad};
        }, ws, out);
    }

private:
    DeviceBuffer<TersoffParam> d_params_;
};

class DeviceEam : public detail::DeviceStyle<DeviceEam, EamPotential> {
    template <class T>
    struct Tables {
        DeviceBuffer<T> frho, rhor, z2r;
        explicit Tables(const EamSplines<T>& sp) : frho(sp.frho), rhor(sp.rhor), z2r(sp.z2r) {}
    };

public:
    explicit DeviceEam(const EamPotential& p) : DeviceStyle(p), d_(p.splines<double>()), f_(p.splines<float>()) {}

    template <class T>
    void run(const Cuda& dev, const Structure& s, const DeviceNeighborList& nl, DeviceEipWorkspace<T>& ws,
             EipResult<T>& out) {
        const Span<const int> types = upload_types(s, ws);
        const Tables<T>& tb = tables<T>();
        const EamTables& t = host_.tables();
        evaluate_atom_kernel<T>(dev, nl, [&](Span<T> energy, MatrixView<T> grad) {
            return EamKernel<T>{nl.d_offsets.span(), nl.d_neighbors.span(), nl.d_vectors.matrix(3), types,
                                tb.frho.data(), tb.rhor.data(), tb.z2r.data(), t.n_elements(), t.nrho, t.nr,
                                T(1.0 / t.drho), T(1.0 / t.dr), T(t.rhomax), T(t.cut * t.cut), energy, grad};
        }, ws, out);
    }

private:
    template <class T>
    const Tables<T>& tables() const {
        if constexpr (std::is_same_v<T, float>) return f_;
        else return d_;
    }
    Tables<double> d_;
    Tables<float> f_;
};

class DeviceZjwEam : public detail::DeviceStyle<DeviceZjwEam, ZjwEamPotential> {
public:
    explicit DeviceZjwEam(const ZjwEamPotential& p)
        : DeviceStyle(p), d_(p.function_table<double>()), f_(p.function_table<float>()) {}

    template <class T>
    void run(const Cuda& dev, const Structure& s, const DeviceNeighborList& nl, DeviceEipWorkspace<T>& ws,
             EipResult<T>& out) {
        const Span<const int> types = upload_types(s, ws);
        const ZjwFunctions<T>* fns;
        if constexpr (std::is_same_v<T, float>) fns = f_.data();
        else fns = d_.data();
        const double cut = host_.cutoff();
        evaluate_atom_kernel<T>(dev, nl, [&](Span<T> energy, MatrixView<T> grad) {
            return ZjwEamKernel<T>{nl.d_offsets.span(), nl.d_neighbors.span(), nl.d_vectors.matrix(3), types, fns,
                                   T(cut * cut), energy, grad};
        }, ws, out);
    }

private:
    DeviceBuffer<ZjwFunctions<double>> d_;
    DeviceBuffer<ZjwFunctions<float>> f_;
};

// Morse and EDIP hold their few parameters by value in the kernel: nothing to copy.
class DeviceMorse : public detail::DeviceStyle<DeviceMorse, MorsePotential> {
public:
    using DeviceStyle::DeviceStyle;

    template <class T>
    void run(const Cuda& dev, const Structure& s, const DeviceNeighborList& nl, DeviceEipWorkspace<T>& ws,
             EipResult<T>& out) {
        host_.atom_types(s);  // element check only
        const MorsePair<T> pair = host_.pair<T>();
        const double cut = host_.cutoff();
        evaluate_atom_kernel<T>(dev, nl, [&](Span<T> energy, MatrixView<T> grad) {
            return MorseKernel<T>{nl.d_offsets.span(), nl.d_vectors.matrix(3), pair, T(cut * cut), energy, grad};
        }, ws, out);
    }
};

class DeviceEdip : public detail::DeviceStyle<DeviceEdip, EdipPotential> {
public:
    using DeviceStyle::DeviceStyle;

    template <class T>
    void run(const Cuda& dev, const Structure& s, const DeviceNeighborList& nl, DeviceEipWorkspace<T>& ws,
             EipResult<T>& out) {
        host_.atom_types(s);  // element check only
        const EdipParams<T> p = host_.params().template as<T>();
        evaluate_atom_kernel<T>(dev, nl, [&](Span<T> energy, MatrixView<T> grad) {
            return EdipKernel<T>{nl.d_offsets.span(), nl.d_vectors.matrix(3), p, energy, grad};
        }, ws, out);
    }
};

// Spline MEAM: the host's CubicSplineView points into host vectors, so each spline's arrays are
// copied to the device and the views rebuilt around the device copies (a device-side view array).
class DeviceMeamSpline : public detail::DeviceStyle<DeviceMeamSpline, MeamSplinePotential> {
    template <class T>
    struct SplineSet {
        std::vector<DeviceBuffer<T>> arrays;     // keeps the knot arrays alive
        DeviceBuffer<CubicSplineView<T>> views;  // (n_splines) views of device arrays

        SplineSet() = default;
        explicit SplineSet(const std::vector<CubicSpline>& splines) {
            std::vector<CubicSplineView<T>> host_views;
            for (const CubicSpline& s : splines) {
                CubicSplineView<T> v = s.view<T>();  // host pointers, n knots each
                const std::size_t n = std::size_t(v.n);
                auto copy = [&](const T* p) {
                    arrays.emplace_back(std::vector<T>(p, p + n));
                    return static_cast<const T*>(arrays.back().data());
                };
                v.y = copy(v.y);
                v.y2 = copy(v.y2);
                v.ydelta = copy(v.ydelta);
                v.xs = copy(v.xs);
                host_views.push_back(v);
            }
            views.upload(host_views);
        }
    };
    template <class T>
    struct Tables {
        SplineSet<T> phi, rho, U, f, g;
        DeviceBuffer<T> U_at_zero;
        Tables(const MeamSplineParams& p, const std::vector<T>& U0)
            : phi(p.phi), rho(p.rho), U(p.U), f(p.f), g(p.g), U_at_zero(U0) {}
    };

public:
    explicit DeviceMeamSpline(const MeamSplinePotential& p)
        : DeviceStyle(p), d_(p.params(), p.U_at_zero<double>()), f_(p.params(), p.U_at_zero<float>()) {}

    template <class T>
    void run(const Cuda& dev, const Structure& s, const DeviceNeighborList& nl, DeviceEipWorkspace<T>& ws,
             EipResult<T>& out) {
        const Span<const int> types = upload_types(s, ws);
        const Tables<T>* tb;
        if constexpr (std::is_same_v<T, float>) tb = &f_;
        else tb = &d_;
        const MeamSplineParams& p = host_.params();
        evaluate_atom_kernel<T>(dev, nl, [&](Span<T> energy, MatrixView<T> grad) {
            return MeamSplineKernel<T>{nl.d_offsets.span(), nl.d_neighbors.span(), nl.d_vectors.matrix(3), types,
                                       tb->phi.views.data(), tb->rho.views.data(), tb->U.views.data(),
                                       tb->f.views.data(), tb->g.views.data(), tb->U_at_zero.data(), p.n_elements(),
                                       T(p.cutoff * p.cutoff), energy, grad};
        }, ws, out);
    }

private:
    Tables<double> d_;
    Tables<float> f_;
};

// The device version of a host potential (its tables copied now; `p` must outlive the result).
inline std::unique_ptr<DevicePotential> make_device_potential(const Potential& p) {
    if (auto* x = dynamic_cast<const StillingerWeber*>(&p)) return std::make_unique<DeviceSw>(*x);
    if (auto* x = dynamic_cast<const Tersoff*>(&p)) return std::make_unique<DeviceTersoff<TersoffForm>>(*x);
    if (auto* x = dynamic_cast<const TersoffMod*>(&p)) return std::make_unique<DeviceTersoff<TersoffModForm>>(*x);
    if (auto* x = dynamic_cast<const EamPotential*>(&p)) return std::make_unique<DeviceEam>(*x);
    if (auto* x = dynamic_cast<const ZjwEamPotential*>(&p)) return std::make_unique<DeviceZjwEam>(*x);
    if (auto* x = dynamic_cast<const MorsePotential*>(&p)) return std::make_unique<DeviceMorse>(*x);
    if (auto* x = dynamic_cast<const EdipPotential*>(&p)) return std::make_unique<DeviceEdip>(*x);
    if (auto* x = dynamic_cast<const MeamSplinePotential*>(&p)) return std::make_unique<DeviceMeamSpline>(*x);
    throw Error(str("no device implementation of style '", p.style(), "'"), "gpu::make_device_potential",
                "evaluate it on the host (Potential::compute)");
}

}  // namespace eipnn::gpu
