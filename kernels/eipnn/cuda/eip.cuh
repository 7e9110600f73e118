// Empirical potentials on the device. The evaluation is the host's, written once
// (eip/potential.hpp, run_atom_kernel, on the Cuda backend): the per-atom kernels of
// include/eipnn/eip/*.hpp, then the fused block gather of geometry/edge_forces.hpp, then the block
// partials summed in order on the host. What is device-specific lives here: each style's
// parameter tables copied to device memory once (DeviceTables below), bound by the style's own
// kernel factory (eip/atom_kernel_potential.hpp) to the same EIPNN_HD functor; the inputs are
// checked by the host's Potential::check_inputs.
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
#include "eipnn/eip/atom_kernel_potential.hpp"
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

// Device memory reused from call to call (resized only when the structure grows or shrinks).
template <class T>
struct DeviceEipWorkspace {
    DeviceBuffer<int> types;            // (n_atoms) per-atom entry / species index
    DeviceBuffer<T> scratch;            // (n_edges, k) per-edge scratch of three-body kernels
    DeviceBuffer<T> atom_energies;      // (n_atoms)
    DeviceBuffer<T> forces;             // (n_atoms, 3)
    EipWorkspace<T, Cuda> eval;         // gradients and block partials (eip/potential.hpp)
};

// What Potential::check_inputs reads of a device list: sizes, known on the host without a copy.
// offsets[n_atoms] stays on the device (reading it would synchronise); the builder derives
// n_edges from it.
inline NeighborListShape shape_of(const DeviceNeighborList& nl) {
    const index_t n_atoms = nl.d_offsets.size() == 0 ? 0 : index_t(nl.d_offsets.size()) - 1;
    const index_t n_edges = index_t(nl.d_neighbors.size());
    return {nl.cutoff, n_atoms, n_edges, n_edges, nl.d_vectors.size(), nl.d_distances.size(), nl.d_reverse.size()};
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
};

namespace detail {
template <class Style, class = void>
struct has_tables_by_value : std::false_type {};
template <class Style>
struct has_tables_by_value<Style, std::enable_if_t<Style::tables_by_value>> : std::true_type {};

template <class U>
std::vector<U> host_copy(Span<const U> s) { return std::vector<U>(s.begin(), s.end()); }
}  // namespace detail

// Device copies of a style's kernel tables; view<T>() is what the style's kernel_tables<T>() is
// on the host. Styles whose parameters travel by value have nothing to copy.
template <class Style>
struct DeviceTables {
    static_assert(detail::has_tables_by_value<Style>::value,
                  "kernel_tables() of this style holds host pointers: add a DeviceTables specialisation");
    const Style& host;
    explicit DeviceTables(const Style& p) : host(p) {}
    template <class T>
    auto view() const { return host.template kernel_tables<T>(); }
};

template <>
struct DeviceTables<StillingerWeber> {
    DeviceBuffer<SwPair> pairs;
    DeviceBuffer<SwTriple> triples;
    explicit DeviceTables(const StillingerWeber& p)
        : pairs(detail::host_copy(p.kernel_tables<double>().pairs)),
          triples(detail::host_copy(p.kernel_tables<double>().triples)) {}
    template <class T>
    SwTables view() const { return {pairs.span(), triples.span()}; }
};

template <class Form>
struct DeviceTables<TersoffFamily<Form>> {
    DeviceBuffer<TersoffParam> params;
    explicit DeviceTables(const TersoffFamily<Form>& p)
        : params(detail::host_copy(p.template kernel_tables<double>().params)) {}
    template <class T>
    TersoffTables view() const { return {params.span()}; }
};

template <>
struct DeviceTables<EamPotential> {
    template <class T>
    struct Splines {
        DeviceBuffer<T> frho, rhor, z2r;
        explicit Splines(const EamSplines<T>& sp) : frho(sp.frho), rhor(sp.rhor), z2r(sp.z2r) {}
    };
    Splines<double> d;
    Splines<float> f;
    explicit DeviceTables(const EamPotential& p) : d(p.splines<double>()), f(p.splines<float>()) {}
    template <class T>
    EamTableViews<T> view() const {
        const Splines<T>* s;
        if constexpr (std::is_same_v<T, float>) s = &f;
        else s = &d;
        return {s->frho.data(), s->rhor.data(), s->z2r.data()};
    }
};

template <>
struct DeviceTables<ZjwEamPotential> {
    DeviceBuffer<ZjwFunctions<double>> d;
    DeviceBuffer<ZjwFunctions<float>> f;
    explicit DeviceTables(const ZjwEamPotential& p) : d(p.function_table<double>()), f(p.function_table<float>()) {}
    template <class T>
    ZjwTables<T> view() const {
        if constexpr (std::is_same_v<T, float>) return {f.data()};
        else return {d.data()};
    }
};

// Spline MEAM: the host's CubicSplineView points into host vectors, so each spline's arrays are
// copied to the device and the views rebuilt around the device copies (a device-side view array).
template <>
struct DeviceTables<MeamSplinePotential> {
    template <class T>
    struct SplineSet {
        std::vector<DeviceBuffer<T>> arrays;     // keeps the knot arrays alive
        DeviceBuffer<CubicSplineView<T>> views;  // (n_splines) views of device arrays

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
    struct Splines {
        SplineSet<T> phi, rho, U, f, g;
        DeviceBuffer<T> U_at_zero;
        explicit Splines(const MeamSplinePotential& p)
            : phi(p.params().phi), rho(p.params().rho), U(p.params().U), f(p.params().f), g(p.params().g),
              U_at_zero(p.U_at_zero<T>()) {}
        MeamSplineTables<T> view() const {
            return {phi.views.data(), rho.views.data(), U.views.data(), f.views.data(), g.views.data(), U_at_zero.data()};
        }
    };
    Splines<double> d;
    Splines<float> f;
    explicit DeviceTables(const MeamSplinePotential& p) : d(p), f(p) {}
    template <class T>
    MeamSplineTables<T> view() const {
        if constexpr (std::is_same_v<T, float>) return f.view();
        else return d.view();
    }
};

// One style on the device: its checks, its tables on the device, its kernel factory.
template <class Style>
class DeviceStyle final : public DevicePotential {
public:
    explicit DeviceStyle(const Style& p) : host_(p), tables_(p) {}
    const Potential& host() const override { return host_; }
    void compute(const Cuda& dev, const Structure& s, const DeviceNeighborList& nl, EipResult<double>& out) override {
        run(dev, s, nl, ws_d_, out);
    }
    void compute(const Cuda& dev, const Structure& s, const DeviceNeighborList& nl, EipResult<float>& out) override {
        run(dev, s, nl, ws_f_, out);
    }
    using DevicePotential::compute;

private:
    template <class T>
    void run(const Cuda& dev, const Structure& s, const DeviceNeighborList& nl, DeviceEipWorkspace<T>& ws,
             EipResult<T>& out) {
        host_.check_inputs(s, shape_of(nl), types_);
        ws.types.upload(types_);
        constexpr index_t cols = Style::scratch_per_edge;
        ws.scratch.resize(std::size_t(cols) * std::size_t(nl.n_edges));
        const auto tables = tables_.template view<T>();
        const Span<const int> types = std::as_const(ws.types).span();
        ws.atom_energies.resize(std::size_t(nl.n_atoms));
        ws.forces.resize(3 * std::size_t(nl.n_atoms));
        run_atom_kernel(
            dev, view_of(nl),
            [&](Span<T> atom_energy, MatrixView<T> dE_dr) {
                const AtomKernelArgs<T> args{nl.d_offsets.span(),   nl.d_neighbors.span(),
                                             nl.d_vectors.matrix(3), nl.d_distances.span(),
                                             types,                 MatrixView<T>{ws.scratch.data(), nl.n_edges, cols},
                                             atom_energy,           dE_dr};
                return host_.template kernel<T>(args, tables);
            },
            ws.atom_energies.span(), ws.forces.matrix(3), out.want_virial, ws.eval, out.virial, out.energy);
        download(dev, std::as_const(ws.atom_energies).span(), out.atom_energies);
        download(dev, std::as_const(ws.forces).span(), out.forces);
    }

    const Style& host_;
    DeviceTables<Style> tables_;
    std::vector<int> types_;  // host copy of the per-atom types, reused
    DeviceEipWorkspace<double> ws_d_;
    DeviceEipWorkspace<float> ws_f_;
};

// The device version of a host potential (its tables copied now; `p` must outlive the result).
inline std::unique_ptr<DevicePotential> make_device_potential(const Potential& p) {
    if (auto* x = dynamic_cast<const StillingerWeber*>(&p)) return std::make_unique<DeviceStyle<StillingerWeber>>(*x);
    if (auto* x = dynamic_cast<const Tersoff*>(&p)) return std::make_unique<DeviceStyle<Tersoff>>(*x);
    if (auto* x = dynamic_cast<const TersoffMod*>(&p)) return std::make_unique<DeviceStyle<TersoffMod>>(*x);
    if (auto* x = dynamic_cast<const EamPotential*>(&p)) return std::make_unique<DeviceStyle<EamPotential>>(*x);
    if (auto* x = dynamic_cast<const ZjwEamPotential*>(&p)) return std::make_unique<DeviceStyle<ZjwEamPotential>>(*x);
    if (auto* x = dynamic_cast<const MorsePotential*>(&p)) return std::make_unique<DeviceStyle<MorsePotential>>(*x);
    if (auto* x = dynamic_cast<const EdipPotential*>(&p)) return std::make_unique<DeviceStyle<EdipPotential>>(*x);
    if (auto* x = dynamic_cast<const MeamSplinePotential*>(&p)) return std::make_unique<DeviceStyle<MeamSplinePotential>>(*x);
    throw Error(str("no device implementation of style '", p.style(), "'"), "gpu::make_device_potential",
                "evaluate it on the host (Potential::compute)");
}

}  // namespace eipnn::gpu
