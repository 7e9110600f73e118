// Results of a stream of items computed round-robin over the ranks (item i of a round by rank
// i % N) and delivered to rank 0 in item order — what `eipnn label` needs to write its output in
// input order, byte for byte as one process would. A record is a kind byte (the caller's meaning:
// written, skipped, error) and a byte string (a serialised frame, a message).
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "eipnn/parallel/communicator.hpp"

namespace eipnn {

struct Record {
    char kind = 0;
    std::string text;
};

// the rank that computes item i (counted from the start of the stream)
inline int owner_of(std::size_t i, const Communicator& comm) { return int(i % std::size_t(comm.size())); }

// kind, 8-byte length, text; back to back
inline std::string pack_records(const std::vector<Record>& records) {
    std::string out;
    for (const Record& r : records) {
        const std::uint64_t n = r.text.size();
        out.push_back(r.kind);
        out.append(reinterpret_cast<const char*>(&n), sizeof n);
        out.append(r.text);
    }
    return out;
}

inline std::vector<Record> unpack_records(const std::string& bytes, const std::string& where) {
    std::vector<Record> out;
    std::size_t at = 0;
    while (at < bytes.size()) {
        std::uint64_t n = 0;
        if (at + 1 + sizeof n > bytes.size()) throw Error("a truncated record", where, "a rank sent corrupt data; rerun");
        Record r;
        r.kind = bytes[at];
        std::memcpy(&n, bytes.data() + at + 1, sizeof n);
        at += 1 + sizeof n;
        if (n > bytes.size() - at) throw Error("a truncated record", where, "a rank sent corrupt data; rerun");
        r.text = bytes.substr(at, std::size_t(n));
        at += std::size_t(n);
        out.push_back(std::move(r));
    }
    return out;
}

// Collective. `mine`: this rank's records of items first, first+1, ..., first+n-1 that it owns,
// in item order. Returns, on rank 0, the n records in item order; elsewhere nothing.
inline std::vector<Record> gather_in_order(const Communicator& comm, const std::vector<Record>& mine, std::size_t first,
                                           std::size_t n) {
    if (comm.size() == 1) return mine;
    const std::vector<std::string> parts = comm.gather_strings(pack_records(mine));
    std::vector<Record> ordered;
    if (!comm.root()) return ordered;
    std::vector<std::vector<Record>> by_rank;
    for (std::size_t r = 0; r < parts.size(); ++r) by_rank.push_back(unpack_records(parts[r], str("records of rank ", r)));
    std::vector<std::size_t> next(parts.size(), 0);
    for (std::size_t i = first; i < first + n; ++i) {
        const std::size_t r = std::size_t(owner_of(i, comm));
        if (next[r] >= by_rank[r].size())
            throw Error(str("rank ", r, " sent ", by_rank[r].size(), " records, item ", i, " is missing"), "gather_in_order");
        ordered.push_back(std::move(by_rank[r][next[r]++]));
    }
    return ordered;
}

}  // namespace eipnn
