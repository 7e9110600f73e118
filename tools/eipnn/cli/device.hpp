// `--device cpu|cuda`: where a command computes. cpu is the Host backend. cuda runs the same
// passes on an NVIDIA GPU (core/backend.hpp; kernels/eipnn/cuda/backend.cuh) through
// cli/device_cuda.cu, which the build compiles into the tool when it finds nvcc (EIPNN_TOOL_CUDA).
// What has a device path: the EIP labels of `label`, the energies, forces and virials of `eval`,
// the gradients and validation of `train` (in one process; the optimizer, checkpoints and log stay
// on the host: train/gradient_backend.hpp), and `reproduce`'s trainings but the classifier's.
// `pool` runs on the host only (its MD cells are a few hundred atoms at most, each step a handful
// of kernels too small to fill a GPU): asking it for cuda is an error that says so, as is cuda in
// a build without CUDA, on a machine without a usable GPU, or under mpirun for train and
// reproduce. Results do not depend on the device beyond rounding; checkpoints are the same files
// either way.
#pragma once
#include <CLI/CLI.hpp>

#include <memory>
#include <string>

#include <type_traits>

#include "cli/device_path.hpp"
#include "eipnn/core/error.hpp"

namespace eipnn::cli {

inline void add_device_option(CLI::App* cmd, std::string& device) {
    cmd->add_option("--device", device, "where to compute: cpu, or cuda (an NVIDIA GPU; needs a build with nvcc)")
        ->check(CLI::IsMember({"cpu", "cuda"}))
        ->capture_default_str();
}

// Throws unless `command` can run on `device` here; `has_device_path` says whether the command
// has one at all, `why_not` (if given) why it has none.
inline void require_device(const std::string& device, const std::string& command, bool has_device_path,
                           const char* why_not = nullptr) {
    if (device == "cpu") return;
    const std::string where = command + " --device " + device;
    if (device != "cuda") throw Error(str("unknown device '", device, "'"), where, "use cpu or cuda");
#if !defined(EIPNN_TOOL_CUDA)
    (void)has_device_path;
    (void)why_not;
    throw Error("this eipnn was built without CUDA", where,
                "rebuild where nvcc is found (CMAKE_CUDA_COMPILER), or use --device cpu");
#else
    if (!has_device_path)
        throw Error(why_not ? str(command, " runs on the host only: ", why_not) : str(command, " runs on the host only so far"),
                    where, "use --device cpu");
    const std::string problem = cuda_device_problem();
    if (!problem.empty())
        throw Error(str("no usable CUDA device: ", problem), where,
                    "run on a machine with an NVIDIA GPU and its driver, or use --device cpu");
#endif
}

// The device model of a host model, or null on the host.
template <class Model>
std::unique_ptr<DeviceModel> device_model_for(const std::string& device, const Model& model) {
    if (device == "cpu") return nullptr;
#if defined(EIPNN_TOOL_CUDA)
    if constexpr (std::is_same_v<Model, SchNet<double>> || std::is_same_v<Model, SoapNet<double>>)
        return make_device_model(model);
#endif
    (void)model;
    throw Error(str("no device path for a ", Model::kind, " model of this scalar type"), "--device " + device,
                "use --device cpu");
}

// Where training computes its gradients: null on the host.
template <class Model>
std::shared_ptr<GradientBackend<Model>> device_gradients_for(const std::string& device) {
    if (device == "cpu") return nullptr;
#if defined(EIPNN_TOOL_CUDA)
    return make_device_gradients<Model>();
#else
    throw Error("this eipnn was built without CUDA", "--device " + device, "use --device cpu");
#endif
}

}  // namespace eipnn::cli
