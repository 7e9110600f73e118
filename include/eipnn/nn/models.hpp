// Every model kind eipnn has, for the code that picks one by name (a checkpoint's "model.kind",
// a command's --model): a new model is added to ModelKinds and to nothing else.
#pragma once
#include <cstddef>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "eipnn/core/error.hpp"
#include "eipnn/nn/schnet.hpp"
#include "eipnn/nn/soapnet.hpp"

namespace eipnn {

template <class T>
using ModelKinds = std::tuple<SchNet<T>, SoapNet<T>>;

namespace detail {
template <class T, class F, std::size_t... I>
bool visit_kind(const std::string& kind, F&& f, std::index_sequence<I...>) {
    return ((kind == std::tuple_element_t<I, ModelKinds<T>>::kind
                 ? (f(static_cast<std::tuple_element_t<I, ModelKinds<T>>*>(nullptr)), true)
                 : false) || ...);
}
template <std::size_t... I>
std::vector<std::string> kinds(std::index_sequence<I...>) {
    return {std::string(std::tuple_element_t<I, ModelKinds<double>>::kind)...};
}
}  // namespace detail

// Every kind's name, in ModelKinds' order: {"schnet", "soapnet"}.
inline std::vector<std::string> model_kinds() {
    return detail::kinds(std::make_index_sequence<std::tuple_size_v<ModelKinds<double>>>{});
}

// "schnet, soapnet": for help texts and errors.
inline std::string model_kind_names() {
    std::string out;
    for (const std::string& k : model_kinds()) out += (out.empty() ? "" : ", ") + k;
    return out;
}

// Calls f(static_cast<Model*>(nullptr)) with the model type of that kind in scalar type T, so
// one generic lambda serves every kind: `with_model_kind<double>(kind, [&](auto* tag) { using
// Model = std::remove_pointer_t<decltype(tag)>; ... })`. An unknown kind is an error.
template <class T, class F>
void with_model_kind(const std::string& kind, F&& f, const std::string& where = "model kind") {
    if (!detail::visit_kind<T>(kind, f, std::make_index_sequence<std::tuple_size_v<ModelKinds<T>>>{}))
        throw Error(str("unknown model kind '", kind, "'"), where, str("eipnn has: ", model_kind_names()));
}

}  // namespace eipnn
