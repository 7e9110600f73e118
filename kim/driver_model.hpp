// The eipnn model behind the KIM driver: any checkpoint kind (nn/models.hpp), run in double on a
// graph of KIM's particles (geometry/explicit_graph.hpp, nn/contributing_energy.hpp). The KIM
// routines (driver_routines.hpp) see only this interface, not the model's type. A checkpoint with
// the record inference.filter_table_spacing (eipnn export-kim --compress; nn/compress.hpp) is run
// with its filters tabulated, built once here at load.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "eipnn/core/error.hpp"
#include "eipnn/geometry/explicit_graph.hpp"
#include "eipnn/io/checkpoint.hpp"
#include "eipnn/nn/compress.hpp"
#include "eipnn/nn/contributing_energy.hpp"
#include "eipnn/nn/models.hpp"
#include "eipnn/train/model_checkpoint.hpp"

namespace eipnn::kim {

class DriverModel {
public:
    virtual ~DriverModel() = default;
    virtual const char* kind() const = 0;
    virtual const std::vector<int>& species() const = 0;  // atomic numbers; KIM species code = index
    virtual double cutoff() const = 0;                     // Å, the graph's edges
    // How many edges away an atom's energy still feels another atom: SchNet's interaction blocks
    // pass messages T times, SOAPNet's descriptors see one cutoff. KIM's influence distance is
    // hops x cutoff, and a one-hop model needs no neighbour lists of ghosts.
    virtual int hops() const = 0;
    // Head 0's reference energy of each species (eV per atom, species() order), the term
    // sum_i ref[species_i] of the energy: the part of the model a simulator may change (KIM
    // parameter reference_energy, driver_parameters.hpp). The other heads are not evaluated here.
    virtual std::vector<double> reference_energy() const = 0;
    virtual void set_reference_energy(const std::vector<double>& ref) = 0;
    virtual void evaluate(const GraphBatch& batch, ContributingEnergy<double>& out, bool with_atom_virial) = 0;
};

template <class Model>
class DriverModelOf final : public DriverModel {
public:
    DriverModelOf(Model m, const Host& host) : model_(std::move(m)), host_(host) {}
    const char* kind() const override { return Model::kind; }
    const std::vector<int>& species() const override { return model_.config.species; }
    double cutoff() const override { return model_.config.cutoff; }
    int hops() const override {
        if constexpr (std::is_same_v<Model, SchNet<double>>) return std::max(1, int(model_.config.n_interactions));
        else if constexpr (std::is_same_v<Model, SoapNet<double>>) return 1;
        else static_assert(!sizeof(Model), "say how far this model kind's energy reaches (hops)");
    }
    // head_ref is (n_heads, n_species) head-major: head 0's references are its first n_species values
    std::vector<double> reference_energy() const override {
        return {model_.head_ref.begin(), model_.head_ref.begin() + std::ptrdiff_t(model_.config.species.size())};
    }
    void set_reference_energy(const std::vector<double>& ref) override {
        if (ref.size() != model_.config.species.size())
            throw Error(str(ref.size(), " reference energies for ", model_.config.species.size(), " species"),
                        "DriverModel::set_reference_energy", "give one per species, in species() order");
        std::copy(ref.begin(), ref.end(), model_.head_ref.begin());
    }
    void evaluate(const GraphBatch& batch, ContributingEnergy<double>& out, bool with_atom_virial) override {
        contributing_energy_forces(host_, model_, batch, forward_, out, with_atom_virial);
    }

private:
    Model model_;
    Host host_;
    typename Model::Forward forward_;  // kept between calls: its buffers are reused every MD step
};

// Threads per process: MD engines run one process per core (MPI), so 1 unless EIPNN_KIM_THREADS
// says otherwise (0 = all cores; only with an OpenMP build of the driver).
inline Host driver_host() {
    const char* v = std::getenv("EIPNN_KIM_THREADS");
    return Host{v && *v ? std::atoi(v) : 1};
}

// The model of a checkpoint of any kind written by `eipnn train` / `eipnn reproduce` (the
// parameter file, read from `file`).
inline std::unique_ptr<DriverModel> load_driver_model(const Checkpoint& ckpt, const std::string& file) {
    std::unique_ptr<DriverModel> out;
    with_model_kind<double>(stored_model_kind(ckpt, file), [&](auto* tag) {
        using Model = std::remove_pointer_t<decltype(tag)>;
        Model m = model_from_checkpoint<Model>(ckpt, file);
        const Host host = driver_host();
        if (const double spacing = stored_filter_table_spacing(ckpt, file); spacing >= 0)
            compress_model_filters(m, host, spacing, file);
        out = std::make_unique<DriverModelOf<Model>>(std::move(m), host);
    }, file);
    return out;
}

}  // namespace eipnn::kim
