// What `--device cuda` runs (cli/device.hpp has the flag and its checks): the interfaces of the
// device evaluations, implemented by cli/device_cuda.cu when the tool is built with CUDA. No CLI11
// here, so that nvcc compiles only the library and this.
#pragma once
#include <memory>
#include <string>

#include "eipnn/eip/potential.hpp"
#include "eipnn/geometry/graph_batch.hpp"
#include "eipnn/nn/energy_forces.hpp"
#include "eipnn/nn/schnet.hpp"
#include "eipnn/nn/soapnet.hpp"
#include "eipnn/train/gradient_backend.hpp"

namespace eipnn::cli {

// An EIP evaluated on the device (its tables copied there once).
class DeviceEip {
public:
    virtual ~DeviceEip() = default;
    // Builds the neighbour list on the device, evaluates, copies the results back.
    virtual void compute(const Structure& s, EipResult<double>& out) = 0;
};

// A trained model's parameters on the device, for energies, forces and virials.
class DeviceModel {
public:
    virtual ~DeviceModel() = default;
    // energies (head 0) of every graph, and unless energies_only, forces and virials
    virtual void energy_forces(const GraphBatch& batch, bool energies_only, EnergyForces<double>& out) = 0;
};

#if defined(EIPNN_TOOL_CUDA)
// cli/device_cuda.cu
std::string cuda_device_problem();
std::unique_ptr<DeviceEip> make_device_eip(const Potential& p);
std::unique_ptr<DeviceModel> make_device_model(const SchNet<double>& model);
std::unique_ptr<DeviceModel> make_device_model(const SoapNet<double>& model);
// Training's gradients and validation on the device (train/gradient_backend.hpp): instantiated for
// SchNet and SoapNet in float and double.
template <class Model>
std::shared_ptr<GradientBackend<Model>> make_device_gradients();
#endif

}  // namespace eipnn::cli
