// A configuration of atoms: positions, atomic numbers and a cell. The unit every reader produces,
// every neighbour list consumes and every potential evaluates.
#pragma once
#include <cmath>
#include <string>
#include <vector>

#include "eipnn/core/error.hpp"
#include "eipnn/core/view.hpp"
#include "eipnn/geometry/cell.hpp"

namespace eipnn {

struct Structure {
    std::vector<double> positions;  // (n_atoms, 3) Cartesian, Å; may lie outside the cell
    std::vector<int> numbers;       // (n_atoms) atomic numbers
    Cell cell;

    index_t size() const { return index_t(numbers.size()); }
    MatrixView<const double> positions_view() const { return matrix_of(positions, 3); }
    Vec3 position(index_t i) const {
        return {positions[3 * std::size_t(i)], positions[3 * std::size_t(i) + 1],
                positions[3 * std::size_t(i) + 2]};
    }

    // Checks what every consumer relies on; `where` names the structure for the message.
    void validate(const std::string& where) const {
        if (positions.size() != 3 * numbers.size())
            throw Error(str("positions hold ", positions.size(), " numbers but there are ",
                            numbers.size(), " atoms (need 3 per atom)"),
                        where);
        for (std::size_t k = 0; k < positions.size(); ++k)
            if (!std::isfinite(positions[k]))
                throw Error(str("coordinate ", "xyz"[k % 3], " of atom ", k / 3, " is ", positions[k]),
                            where, "remove or fix the configuration; coordinates must be finite");
        for (std::size_t i = 0; i < numbers.size(); ++i)
            if (numbers[i] < 1 || numbers[i] > 118)
                throw Error(str("atom ", i, " has atomic number ", numbers[i]), where);
        cell.validate(where.c_str());
    }
};

}  // namespace eipnn
