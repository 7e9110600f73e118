// The KIM parameters of the eipnn driver: what a simulator may change in a trained model without
// breaking it (LAMMPS: `kim param get|set`; KIM::Model::SetParameter, then ClearThenRefresh).
//
// reference_energy (double, extent = number of species): head 0's per-atom reference energy of
// each species, eV, in KIM species-code order (the checkpoint's species order). The model's energy
// is E = scale * sum_i NN_i + sum_i reference_energy[species_i] (nn/output_heads.hpp), so a change
// of delta_s moves the energy of a configuration by n_s * delta_s and the particle energy of each
// atom of s by delta_s, and leaves forces, virials and hence the dynamics exactly as they were.
// That is what a user legitimately changes: the zero of energy, e.g. to match isolated-atom
// energies of another DFT setup or to compare cohesive energies. Nothing else is published: the
// weights, the output scale and the cutoff are what the network was fitted with, and changing any
// of them gives a different, untrained model.
//
// The simulator writes straight into the published array; the driver's Refresh
// (driver_routines.hpp) then calls apply_parameters, which checks the values and hands them to
// the model. A value that is not finite (LAMMPS reads an overflowing literal such as 1e400 as
// inf) is refused, and the array is put back to the values in use, so a simulator that carries on
// after the error reads what Compute uses.
//
// KIM's WriteParameterizedModel saves the model as it now is: the checkpoint it was created from
// with head 0's references replaced (parameterized_checkpoint), as a new portable model that
// installs like one from `eipnn export-kim`.
#pragma once
#include <KIM_ModelDriverHeaders.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

#include "driver_model.hpp"
#include "eipnn/core/error.hpp"
#include "eipnn/geometry/elements.hpp"
#include "eipnn/io/checkpoint.hpp"

namespace eipnn::kim {

inline constexpr const char* kReferenceEnergyName = "reference_energy";

struct PublishedParameters {
    // (n_species) eV per atom. KIM keeps a pointer to its data: only ever written element-wise,
    // never resized after publish_parameters.
    std::vector<double> reference_energy;
};

// "0 = Si, 1 = Ge": which entry is which species (KIM indices; LAMMPS' `kim param` counts from 1).
inline std::string species_entries(const std::vector<int>& species) {
    std::string out;
    for (std::size_t s = 0; s < species.size(); ++s)
        out += str(s == 0 ? "" : ", ", s, " = ", element_symbol(species[s]));
    return out;
}

// Registers the parameters with KIM (in the model driver's create routine); false if KIM refused.
inline bool publish_parameters(KIM::ModelDriverCreate* const create, const DriverModel& model,
                               PublishedParameters& p) {
    p.reference_energy = model.reference_energy();
    const std::string description =
        str("Per-atom reference energy of each species in eV, added to the network's energy: E = scale * sum_i NN_i "
            "+ sum_i reference_energy[species of i]. Changing entry s by d shifts the energy by (number of atoms of "
            "s) * d and leaves forces and virial unchanged. Entries in species-code order: ",
            species_entries(model.species()), " (LAMMPS kim param indices are these + 1).");
    return create->SetParameterPointer(int(p.reference_energy.size()), p.reference_energy.data(),
                                       kReferenceEnergyName, description) == 0;
}

// After a simulator changed the published values: hands them to the model and returns "", or,
// if one is not finite, leaves the model as it was, puts the array back to the values in use and
// returns what was wrong.
inline std::string apply_parameters(PublishedParameters& p, DriverModel& model) {
    const std::vector<int>& species = model.species();
    std::string bad;
    for (std::size_t s = 0; s < p.reference_energy.size(); ++s)
        if (!std::isfinite(p.reference_energy[s]))
            bad += str(bad.empty() ? "" : ", ", kReferenceEnergyName, "[", s, "] (", element_symbol(species[s]),
                       ", LAMMPS kim param index ", s + 1, ") = ", p.reference_energy[s]);
    if (bad.empty()) {
        model.set_reference_energy(p.reference_energy);
        return "";
    }
    const std::vector<double> in_use = model.reference_energy();
    std::copy(in_use.begin(), in_use.end(), p.reference_energy.begin());
    std::string kept;
    for (std::size_t s = 0; s < in_use.size(); ++s)
        kept += str(s == 0 ? "" : ", ", element_symbol(species[s]), " ", in_use[s]);
    const Error error(bad + " is not a finite number",
                      "the driver's Refresh after a parameter change (LAMMPS: kim param set)",
                      str("give a finite energy in eV per atom; the values in use (", kept, ") are kept"));
    return str("eipnn: ", error.what());
}

// The parameter file of the model as it now is: `original` (the checkpoint the driver was created
// from, every record kept as stored, float weights included) with the reference energies in use.
inline Checkpoint parameterized_checkpoint(const Checkpoint& original, const DriverModel& model) {
    Checkpoint out = original;
    std::vector<double>& head_ref = out.arrays.at("model.head_ref");  // present: the model was read from it
    const std::vector<double> in_use = model.reference_energy();
    std::copy(in_use.begin(), in_use.end(), head_ref.begin());       // head 0 first (head-major)
    return out;
}

}  // namespace eipnn::kim
