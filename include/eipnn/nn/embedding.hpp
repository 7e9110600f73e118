// Species embedding x_i = E[s_i], with s_i the row of atom i's atomic number in the model's
// species list.
#pragma once
#include <string>
#include <vector>

#include "eipnn/core/error.hpp"
#include "eipnn/core/backend.hpp"
#include "eipnn/core/phase_profile.hpp"
#include "eipnn/core/view.hpp"

namespace eipnn {

// Row of each atom's species; throws for an atomic number the model was not built for.
inline std::vector<index_t> species_indices(const std::vector<int>& species, const std::vector<int>& numbers,
                                            const char* where) {
    std::vector<index_t> out(numbers.size());
    for (std::size_t i = 0; i < numbers.size(); ++i) {
        index_t k = -1;
        for (std::size_t s = 0; s < species.size(); ++s)
            if (species[s] == numbers[i]) k = index_t(s);
        if (k < 0)
            throw Error(str("atom ", i, " has atomic number ", numbers[i], ", which the model has no embedding for"),
                        where, "list every element of the data in the model's species");
        out[i] = k;
    }
    return out;
}

// x.row(i) = table.row(species[i])   per atom i
template <class T>
struct EmbeddingGather {
    Span<const index_t> species;  // (n_atoms)
    MatrixView<const T> table;    // (n_species, F)
    MatrixView<T> x;              // (n_atoms, F)

    EIPNN_HD void operator()(index_t i) const {
        const T* src = table.row(species[i]);
        T* dst = x.row(i);
        for (index_t c = 0; c < table.cols; ++c) dst[c] = src[c];
    }
};

// x (n_atoms, F) = table (n_species, F) rows; any backend.
template <class B, class T>
void embedding_fwd(const B& b, Span<const index_t> species, MatrixView<const T> table, MatrixView<T> x) {
    const PhaseScope phase("embedding and heads (elementwise)", 0, true);
    for_each(b, species.size, EmbeddingGather<T>{species, table, x});
}

// dL_dtable(s, c) += sum over atoms i of species s of dL_dx(i, c), atoms in order (deterministic,
// no atomics)   per table element k = s F + c
template <class T>
struct EmbeddingBwd {
    Span<const index_t> species;  // (n_atoms)
    MatrixView<const T> dL_dx;    // (n_atoms, F)
    MatrixView<T> dL_dtable;      // (n_species, F)

    EIPNN_HD void operator()(index_t k) const {
        const index_t s = k / dL_dtable.cols, c = k % dL_dtable.cols;
        T acc = 0;
        for (index_t i = 0; i < species.size; ++i)
            if (species[i] == s) acc += dL_dx(i, c);
        dL_dtable(s, c) += acc;
    }
};

// Any backend: one table element per thread.
template <class B, class T>
void embedding_bwd(const B& b, Span<const index_t> species, MatrixView<const T> dL_dx, MatrixView<T> dL_dtable) {
    const PhaseScope phase("embedding and heads (elementwise)", 0, true);
    for_each(b, dL_dtable.rows * dL_dtable.cols, EmbeddingBwd<T>{species, dL_dx, dL_dtable});
}

// Host: the same sums, atom-outer for the caches (each (s, c) still adds its atoms in order).
template <class T>
void embedding_bwd(const Host&, Span<const index_t> species, MatrixView<const T> dL_dx, MatrixView<T> dL_dtable) {
    const PhaseScope phase("embedding and heads (elementwise)", 0, true);
    const index_t F = dL_dtable.cols;
    for (index_t i = 0; i < species.size; ++i) {
        T* dst = dL_dtable.row(species[i]);
        const T* src = dL_dx.row(i);
        for (index_t c = 0; c < F; ++c) dst[c] += src[c];
    }
}

}  // namespace eipnn
