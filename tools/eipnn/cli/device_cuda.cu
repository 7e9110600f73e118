// The CUDA side of `--device cuda` (cli/device.hpp, cli/device_path.hpp), compiled by nvcc into the tool when the build
// finds it. Nothing is computed here that the host does not compute the same way: the EIPs are
// eip/potential.hpp's run_atom_kernel on the Cuda backend (kernels/eipnn/cuda/eip.cuh holds their
// tables' device copies), the models SchNet's and SOAPNet's passes written once for every backend
// (nn/schnet.hpp, nn/soapnet.hpp), which the host tests run through GenericHost.
#include <type_traits>

#include "cli/device_path.hpp"
#include "eipnn/cuda/backend.cuh"
#include "eipnn/cuda/eip.cuh"
#include "eipnn/cuda/neighbor_list.cuh"

namespace eipnn::cli {

std::string cuda_device_problem() {
    int count = 0;
    const cudaError_t status = cudaGetDeviceCount(&count);
    if (status != cudaSuccess) {
        const std::string why = str(cudaGetErrorName(status), " (", cudaGetErrorString(status), ")");
        (void)cudaGetLastError();  // clear the sticky status
        return why;
    }
    if (count == 0) return "the driver reports no CUDA device";
    return "";
}

namespace {

class CudaEip final : public DeviceEip {
public:
    explicit CudaEip(const Potential& p) : potential_(gpu::make_device_potential(p)) {}
    void compute(const Structure& s, EipResult<double>& out) override {
        const Cuda dev = context_.backend();
        potential_->compute(dev, s, gpu::build_neighbor_list(dev, s, potential_->cutoff()), out);
    }

private:
    gpu::CudaContext context_;
    std::unique_ptr<gpu::DevicePotential> potential_;
};

// SchNet<double> or SoapNet<double> with its parameters on the device.
template <class Model>
class CudaModel final : public DeviceModel {
    static constexpr bool kSchNet = std::is_same_v<Model, SchNet<double>>;
    using Copy = std::conditional_t<kSchNet, SchNetCopy<double, Cuda>, SoapNetCopy<double, Cuda>>;
    using Forward = std::conditional_t<kSchNet, SchNetForward<double, Cuda>, SoapNetForward<double, Cuda>>;
    using Work = std::conditional_t<kSchNet, SchNetBackwardWork<double, Cuda>, SoapNetBackwardWork<double, Cuda>>;

public:
    explicit CudaModel(const Model& model) : host_(model), copy_(context_.backend(), model) {}

    void energy_forces(const GraphBatch& batch, bool energies_only, EnergyForces<double>& out) override {
        const char* where = "--device cuda";
        const Cuda dev = context_.backend();
        host_.check_batch_cutoff(batch, where);
        if constexpr (!kSchNet) soap_check_batch(batch, host_.basis, where);
        const GraphBatchCopy<Cuda> on_device(dev, batch);
        upload(dev, species_indices(host_.config.species, batch.numbers, where), forward_.species);
        if (energies_only) {
            if constexpr (kSchNet) schnet_forward(dev, copy_.weights(), on_device.view(), forward_);
            else soapnet_forward(dev, copy_.weights(), on_device.view(), forward_);
        } else {
            if constexpr (kSchNet)
                schnet_energy_forces(dev, copy_.weights(), on_device.view(), forward_, work_, dE_dr_, forces_);
            else
                soapnet_energy_forces(dev, copy_.weights(), on_device.view(), forward_, work_, forces_);
            download(dev, span_of(std::as_const(forces_.forces)), out.forces);
            download(dev, span_of(std::as_const(forces_.virial)), out.virial);
        }
        std::vector<double> energies;
        download(dev, span_of(std::as_const(forward_.energies)), energies);
        const std::size_t K = std::size_t(host_.config.n_heads);
        out.energies.resize(energies.size() / K);
        for (std::size_t g = 0; g < out.energies.size(); ++g) out.energies[g] = energies[g * K];
    }

private:
    gpu::CudaContext context_;
    const Model& host_;
    const Copy copy_;
    Forward forward_;
    Work work_;
    gpu::DeviceBuffer<double> dE_dr_;  // SchNet's per-pair gradients
    ForceBuffers<double, Cuda> forces_;
};

}  // namespace

std::unique_ptr<DeviceEip> make_device_eip(const Potential& p) { return std::make_unique<CudaEip>(p); }
std::unique_ptr<DeviceModel> make_device_model(const SchNet<double>& model) {
    return std::make_unique<CudaModel<SchNet<double>>>(model);
}
std::unique_ptr<DeviceModel> make_device_model(const SoapNet<double>& model) {
    return std::make_unique<CudaModel<SoapNet<double>>>(model);
}

}  // namespace eipnn::cli
