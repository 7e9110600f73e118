// Compressed filters for any model kind, as the commands and the KIM driver ask for them: the kinds
// whose filters depend on distance alone (SchNet: compress_filters, nn/filter_table.hpp) build
// their tables; asking any other kind is an error that says which kinds it applies to.
//
// A checkpoint that should be run compressed (eipnn export-kim --compress) carries the record
//   inference.filter_table_spacing   array of one value: the grid spacing in Å
// which nothing else reads: load_model ignores it, so such a file is still an ordinary checkpoint,
// and a checkpoint without it runs the exact filters as before.
#pragma once
#include <chrono>
#include <cmath>
#include <string>
#include <type_traits>
#include <utility>

#include "eipnn/core/error.hpp"
#include "eipnn/core/host_backend.hpp"
#include "eipnn/io/checkpoint.hpp"

namespace eipnn {

inline constexpr const char* kFilterTableSpacingRecord = "inference.filter_table_spacing";

template <class M, class = void>
struct has_filter_tables : std::false_type {};
template <class M>
struct has_filter_tables<M, std::void_t<decltype(std::declval<M&>().compress_filters(std::declval<const Host&>(), 0.0)),
                                        decltype(std::declval<const M&>().compressed->bytes())>> : std::true_type {};

// What was built, for reports.
struct FilterCompression {
    double spacing = 0;        // Å, the grid's
    index_t n_tables = 0, n_nodes = 0;
    std::size_t bytes = 0;
    double build_ms = 0;
};

// Tabulates the model's filters at spacing <= `spacing` Å (0: the model's default); throws for a
// kind without tabulated filters, naming `where` (the command or file that asked).
template <class Model>
FilterCompression compress_model_filters(Model& model, const Host& host, double spacing, const std::string& where) {
    if (!(spacing >= 0) || !std::isfinite(spacing))
        throw Error(str("filter table spacing ", spacing, " Å is not a non-negative number"), where,
                    "give a spacing in Å such as 0.005, or 0 for the default");
    if constexpr (has_filter_tables<Model>::value) {
        const auto t0 = std::chrono::steady_clock::now();
        model.compress_filters(host, spacing);
        FilterCompression c;
        c.build_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        c.spacing = model.compressed->spacing;
        c.n_tables = index_t(model.compressed->blocks.size());
        c.n_nodes = model.compressed->blocks.empty() ? 0 : model.compressed->blocks.front().n_nodes;
        c.bytes = model.compressed->bytes();
        return c;
    } else {
        (void)model, (void)host;
        throw Error(str("compressed filters apply to SchNet models; this is a ", Model::kind, " model"), where,
                    "drop --compress for this model (its filters are not a function of the distance alone)");
    }
}

// The spacing a checkpoint asks to be run with (kFilterTableSpacingRecord), or a negative value
// when it asks for the exact filters.
inline double stored_filter_table_spacing(const Checkpoint& c, const std::string& file) {
    const auto it = c.arrays.find(kFilterTableSpacingRecord);
    if (it == c.arrays.end()) return -1;
    if (it->second.size() != 1 || !(it->second[0] >= 0))
        throw Error(str("the record '", kFilterTableSpacingRecord, "' must be one non-negative spacing in Å"), file,
                    "export the checkpoint again with eipnn export-kim --compress");
    return it->second[0];
}

}  // namespace eipnn
