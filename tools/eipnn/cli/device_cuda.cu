// The CUDA side of `--device cuda` (cli/device.hpp, cli/device_path.hpp), compiled by nvcc into the tool when the build
// finds it. Nothing is computed here that the host does not compute the same way: the EIPs are
// eip/potential.hpp's run_atom_kernel on the Cuda backend (kernels/eipnn/cuda/eip.cuh holds their
// tables' device copies), the models SchNet's and SOAPNet's passes written once for every backend
// (nn/schnet.hpp, nn/soapnet.hpp) through train/gradient_backend.hpp (training's gradients,
// validation and eval's predictions), which the host tests run through GenericHost.
#include <exception>

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
    try {  // a device that is there but cannot start a context or cuBLAS (exclusive mode, memory)
        const gpu::CudaContext probe;
    } catch (const std::exception& e) {
        return e.what();
    }
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

// The device's context first (a base, so it is built before the gradients that use it).
struct CudaContextOwner {
    gpu::CudaContext context;
};

// A model's passes on the device: train/gradient_backend.hpp's BackendGradients on the Cuda
// backend, which the host tests run on GenericHost.
template <class Model>
class CudaGradients final : private CudaContextOwner, public BackendGradients<Model, Cuda> {
public:
    CudaGradients() : BackendGradients<Model, Cuda>(context.backend()) {}
};

// A trained model's energies, forces and virials on the device (eval).
template <class Model>
class CudaModel final : public DeviceModel {
public:
    explicit CudaModel(const Model& model) : n_heads_(std::size_t(model.config.n_heads)) {
        gradients_.load_weights(model);
    }

    void energy_forces(const GraphBatch& batch, bool energies_only, EnergyForces<double>& out) override {
        std::vector<double> energies;
        gradients_.evaluate(batch, energies, energies_only ? nullptr : &out);
        if (!energies_only) return;  // evaluate wrote head 0's energies with the forces
        out.energies.resize(energies.size() / n_heads_);
        for (std::size_t g = 0; g < out.energies.size(); ++g) out.energies[g] = energies[g * n_heads_];
    }

private:
    std::size_t n_heads_;
    CudaGradients<Model> gradients_;
};

}  // namespace

std::unique_ptr<DeviceEip> make_device_eip(const Potential& p) { return std::make_unique<CudaEip>(p); }
std::unique_ptr<DeviceModel> make_device_model(const SchNet<double>& model) {
    return std::make_unique<CudaModel<SchNet<double>>>(model);
}
std::unique_ptr<DeviceModel> make_device_model(const SoapNet<double>& model) {
    return std::make_unique<CudaModel<SoapNet<double>>>(model);
}

template <class Model>
std::shared_ptr<GradientBackend<Model>> make_device_gradients() {
    return std::make_shared<CudaGradients<Model>>();
}
template std::shared_ptr<GradientBackend<SchNet<float>>> make_device_gradients<SchNet<float>>();
template std::shared_ptr<GradientBackend<SchNet<double>>> make_device_gradients<SchNet<double>>();
template std::shared_ptr<GradientBackend<SoapNet<float>>> make_device_gradients<SoapNet<float>>();
template std::shared_ptr<GradientBackend<SoapNet<double>>> make_device_gradients<SoapNet<double>>();

}  // namespace eipnn::cli
