// Cutoff functions: value and derivative together (DESIGN.md habit 6).
#pragma once
#include <cmath>

#include "eipnn/core/config.hpp"

namespace eipnn {

template <class T>
struct ValueDerivative {
    T value;
    T derivative;
};

// Cosine cutoff fc(r) = 0.5 (cos(pi r / rc) + 1) for r < rc, 0 beyond (Behler; SchNet's
// CosineCutoff). Value and first derivative vanish at rc, so energies and forces stay continuous
// when a pair crosses the cutoff.
template <class T>
EIPNN_HD ValueDerivative<T> cosine_cutoff(T r, T rc) {
    if (!(r < rc)) return {T(0), T(0)};
    const T pi = T(3.14159265358979323846);
    const T a = pi / rc;
    return {T(0.5) * (std::cos(a * r) + T(1)), T(-0.5) * a * std::sin(a * r)};
}

}  // namespace eipnn
