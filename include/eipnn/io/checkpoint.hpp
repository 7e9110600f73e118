// Checkpoints: a versioned, checksummed binary file of named records, written atomically.
//
// Layout (little-endian):
//   magic "EIPNNCKP" | u32 format version | u64 payload length | payload | u64 FNV-1a checksum of payload
// payload = a sequence of records: u8 type ('I' int64, 'R' float64 array, 'S' string) | u32 name
// length | name | payload of the type (I: i64; R: u64 count + doubles; S: u64 length + bytes).
// Named records keep the format open: a model stores its kind and sizes, the parameters, the
// optimizer moments, normalisation, schedule position, RNG state and free-form metadata, and a
// reader rejects what it does not recognise by name, never by byte offset.
//
// Writing goes to "<path>.tmp.<pid>" in the same directory, is flushed and fsync'ed, then renamed
// over <path>: a crash leaves either the old checkpoint or the new one, never half of one.
#pragma once
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include "eipnn/core/error.hpp"

namespace eipnn {

inline constexpr char kCheckpointMagic[8] = {'E', 'I', 'P', 'N', 'N', 'C', 'K', 'P'};
inline constexpr std::uint32_t kCheckpointVersion = 1;

struct Checkpoint {
    std::map<std::string, std::int64_t> ints;
    std::map<std::string, std::vector<double>> arrays;
    std::map<std::string, std::string> strings;

    std::int64_t get_int(const std::string& name, const std::string& file = "") const {
        const auto it = ints.find(name);
        if (it == ints.end()) throw missing(name, "integer", file);
        return it->second;
    }
    const std::vector<double>& get_array(const std::string& name, const std::string& file = "") const {
        const auto it = arrays.find(name);
        if (it == arrays.end()) throw missing(name, "array", file);
        return it->second;
    }
    const std::string& get_string(const std::string& name, const std::string& file = "") const {
        const auto it = strings.find(name);
        if (it == strings.end()) throw missing(name, "string", file);
        return it->second;
    }

private:
    static Error missing(const std::string& name, const char* type, const std::string& file) {
        return Error(str("checkpoint has no ", type, " record '", name, "'"), file.empty() ? "checkpoint" : file,
                     "the file was written by another program or model kind");
    }
};

namespace detail {

inline std::uint64_t fnv1a64(const std::string& bytes) {
    std::uint64_t h = 1469598103934665603ull;
    for (unsigned char c : bytes) {
        h ^= c;
        h *= 1099511628211ull;
    }
    return h;
}

template <class T>
void put(std::string& out, T value) {
    char buf[sizeof(T)];
    std::memcpy(buf, &value, sizeof(T));
    out.append(buf, sizeof(T));
}

inline void put_name(std::string& out, char type, const std::string& name) {
    out.push_back(type);
    put<std::uint32_t>(out, std::uint32_t(name.size()));
    out += name;
}

// Bounds-checked reading of the payload; every failure names the file and the byte offset.
class CheckpointCursor {
public:
    CheckpointCursor(const std::string& bytes, std::size_t begin, std::size_t end, std::string file)
        : b_(bytes), pos_(begin), end_(end), file_(std::move(file)) {}
    bool done() const { return pos_ >= end_; }
    template <class T>
    T get(const char* what) {
        need(sizeof(T), what);
        T v;
        std::memcpy(&v, b_.data() + pos_, sizeof(T));
        pos_ += sizeof(T);
        return v;
    }
    std::string bytes(std::uint64_t n, const char* what) {
        need(n, what);
        std::string s = b_.substr(pos_, std::size_t(n));
        pos_ += std::size_t(n);
        return s;
    }
    void need(std::uint64_t n, const char* what) const {
        if (n > end_ - pos_)
            throw Error(str("truncated: ", what, " at byte ", pos_, " needs ", n, " bytes, ", end_ - pos_, " remain"),
                        file_, "the file is incomplete or corrupted; use an earlier checkpoint");
    }

private:
    const std::string& b_;
    std::size_t pos_, end_;
    std::string file_;
};

}  // namespace detail

inline std::string serialize_checkpoint(const Checkpoint& ckpt) {
    std::string payload;
    for (const auto& [name, v] : ckpt.ints) {
        detail::put_name(payload, 'I', name);
        detail::put<std::int64_t>(payload, v);
    }
    for (const auto& [name, a] : ckpt.arrays) {
        detail::put_name(payload, 'R', name);
        detail::put<std::uint64_t>(payload, a.size());
        payload.append(reinterpret_cast<const char*>(a.data()), a.size() * sizeof(double));
    }
    for (const auto& [name, s] : ckpt.strings) {
        detail::put_name(payload, 'S', name);
        detail::put<std::uint64_t>(payload, s.size());
        payload += s;
    }
    std::string out(kCheckpointMagic, sizeof(kCheckpointMagic));
    detail::put<std::uint32_t>(out, kCheckpointVersion);
    detail::put<std::uint64_t>(out, payload.size());
    out += payload;
    detail::put<std::uint64_t>(out, detail::fnv1a64(payload));
    return out;
}

inline Checkpoint deserialize_checkpoint(const std::string& bytes, const std::string& file = "<memory>") {
    const std::size_t header = sizeof(kCheckpointMagic) + sizeof(std::uint32_t) + sizeof(std::uint64_t);
    if (bytes.size() < sizeof(kCheckpointMagic) || std::memcmp(bytes.data(), kCheckpointMagic, sizeof(kCheckpointMagic)) != 0)
        throw Error("not an eipnn checkpoint (bad magic bytes)", file, "pass a file written by eipnn train");
    detail::CheckpointCursor head(bytes, sizeof(kCheckpointMagic), bytes.size(), file);
    const auto version = head.get<std::uint32_t>("format version");
    if (version != kCheckpointVersion)
        throw Error(str("checkpoint format version ", version, " is not supported (this build reads version ",
                        kCheckpointVersion, ")"),
                    file, "use the eipnn version that wrote it");
    const auto length = head.get<std::uint64_t>("payload length");
    if (length > bytes.size() - header || bytes.size() - header - length < sizeof(std::uint64_t))
        throw Error(str("truncated: the header announces ", length, " payload bytes but the file has ", bytes.size(),
                        " bytes in all"),
                    file, "the file is incomplete; use an earlier checkpoint");
    const std::string payload = bytes.substr(header, std::size_t(length));
    std::uint64_t stored;
    std::memcpy(&stored, bytes.data() + header + length, sizeof(stored));
    if (stored != detail::fnv1a64(payload))
        throw Error("checksum mismatch: the file is corrupted", file, "use an earlier checkpoint");

    Checkpoint ckpt;
    detail::CheckpointCursor c(payload, 0, payload.size(), file);
    while (!c.done()) {
        const char type = c.get<char>("record type");
        const auto name_len = c.get<std::uint32_t>("record name length");
        const std::string name = c.bytes(name_len, "record name");
        if (type == 'I') {
            ckpt.ints[name] = c.get<std::int64_t>("integer record");
        } else if (type == 'R') {
            const auto n = c.get<std::uint64_t>("array length");
            if (n > payload.size() / sizeof(double)) c.need(n * sizeof(double), "array data");
            const std::string raw = c.bytes(n * sizeof(double), "array data");
            std::vector<double> a(static_cast<std::size_t>(n));
            std::memcpy(a.data(), raw.data(), raw.size());
            ckpt.arrays[name] = std::move(a);
        } else if (type == 'S') {
            const auto n = c.get<std::uint64_t>("string length");
            ckpt.strings[name] = c.bytes(n, "string data");
        } else {
            throw Error(str("unknown record type '", type, "' for record '", name, "'"), file,
                        "the file is corrupted or from a newer eipnn");
        }
    }
    return ckpt;
}

// Atomic write: temporary file in the same directory, fsync, rename.
inline void write_checkpoint(const std::filesystem::path& path, const Checkpoint& ckpt) {
    const std::string bytes = serialize_checkpoint(ckpt);
    const auto dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
    if (!std::filesystem::is_directory(dir))
        throw Error(str("directory ", dir.string(), " does not exist"), path.string(), "create it first");
    const std::filesystem::path tmp = path.string() + ".tmp." + std::to_string(::getpid());
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) throw Error("cannot create the temporary file " + tmp.string(), path.string(), "check permissions and disk space");
    std::size_t written = 0;
    while (written < bytes.size()) {
        const ssize_t w = ::write(fd, bytes.data() + written, bytes.size() - written);
        if (w <= 0) {
            ::close(fd);
            std::filesystem::remove(tmp);
            throw Error("write failed (disk full?)", tmp.string(), "free disk space; the previous checkpoint is intact");
        }
        written += std::size_t(w);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        std::filesystem::remove(tmp);
        throw Error("could not flush the checkpoint to disk", tmp.string(), "the previous checkpoint is intact");
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) {
        std::filesystem::remove(tmp);
        throw Error("could not move the new checkpoint into place: " + ec.message(), path.string(),
                    "the previous checkpoint is intact");
    }
}

inline Checkpoint read_checkpoint(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("cannot open the checkpoint", path.string(), "check the path");
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return deserialize_checkpoint(bytes, path.string());
}

}  // namespace eipnn
