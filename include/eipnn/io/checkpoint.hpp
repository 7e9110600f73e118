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
// over <path>: a crash leaves either the old checkpoint or the new one, never half of one. A writer
// killed before its rename leaves its temporary behind; the next write to <path> removes it.
#pragma once
#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <fcntl.h>
#include <signal.h>
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
            // Compare counts, not bytes: n * 8 wraps around for n >= 2^61, and a wrapped byte
            // count would pass the bounds check and then size the vector with the huge n.
            if (n > payload.size() / sizeof(double))
                throw Error(str("truncated: array record '", name, "' announces ", n, " values but the payload has ",
                                payload.size(), " bytes in all"),
                            file, "the file is incomplete or corrupted; use an earlier checkpoint");
            const std::string raw = c.bytes(n * sizeof(double), "array data");
            std::vector<double> a(static_cast<std::size_t>(n));
            if (n > 0) std::memcpy(a.data(), raw.data(), raw.size());  // an empty vector's data() may be null
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

namespace detail {

// Test hook, for tests/cli/test_cli_kill.cpp only: EIPNN_TEST_SLOW_WRITE_US=N makes
// write_checkpoint write the temporary file in four chunks with an N-microsecond sleep after
// each, and sleep once more between the close and the rename, so that a test killing the tool at
// random moments lands inside a checkpoint write often enough to count. Unset (always, outside
// that test) the write is one plain loop and nothing sleeps.
inline long checkpoint_test_write_delay_us() {
    const char* v = std::getenv("EIPNN_TEST_SLOW_WRITE_US");
    return v ? std::max(0L, std::strtol(v, nullptr, 10)) : 0L;
}

inline void checkpoint_test_sleep(long us) {
    if (us > 0) ::usleep(useconds_t(us));
}

}  // namespace detail

// Removes "<path>.tmp.<pid>" files whose writer process no longer exists: a writer killed
// (SIGKILL, power loss) between creating its temporary and the rename cannot clean up after
// itself. A temporary of a live process (another writer) is left alone.
inline void remove_stale_checkpoint_temporaries(const std::filesystem::path& path) {
    const auto dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
    const std::string prefix = path.filename().string() + ".tmp.";
    std::error_code ec;
    for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
        const std::string pid_text = name.substr(prefix.size());
        if (pid_text.find_first_not_of("0123456789") != std::string::npos || pid_text.size() > 9) continue;
        const long pid = std::strtol(pid_text.c_str(), nullptr, 10);
        if (pid == long(::getpid())) continue;
        if (pid > 0 && ::kill(pid_t(pid), 0) != 0 && errno == ESRCH) {
            std::error_code rm;
            std::filesystem::remove(it->path(), rm);
        }
    }
}

// Atomic write: temporary file in the same directory, fsync, rename. Every failure (create,
// write, fsync, close, rename) throws an Error naming the checkpoint and the system's reason, and
// removes the temporary; the previous checkpoint at <path> is never touched.
inline void write_checkpoint(const std::filesystem::path& path, const Checkpoint& ckpt) {
    const std::string bytes = serialize_checkpoint(ckpt);
    const auto dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
    if (!std::filesystem::is_directory(dir))
        throw Error(str("directory ", dir.string(), " does not exist"), path.string(), "create it first");
    remove_stale_checkpoint_temporaries(path);
    const std::filesystem::path tmp = path.string() + ".tmp." + std::to_string(::getpid());
    const std::string where = str(path.string(), " (temporary ", tmp.string(), ")");
    const std::string intact = str("the previous ", path.filename().string(), ", if any, is intact");
    auto fail = [&](const char* step, int err, int fd) {
        if (fd >= 0) ::close(fd);
        std::error_code ec;
        std::filesystem::remove(tmp, ec);
        return Error(str("cannot ", step, " the checkpoint: ", std::strerror(err)), where,
                     str(err == ENOSPC || err == EFBIG || err == EDQUOT ? "free disk space or raise the file-size limit; "
                                                                        : "check the folder's permissions; ",
                         intact));
    };
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throw fail("create", errno, -1);
    const long delay_us = detail::checkpoint_test_write_delay_us();
    const std::size_t chunk = delay_us > 0 ? std::max<std::size_t>(1, (bytes.size() + 3) / 4) : bytes.size();
    std::size_t written = 0;
    while (written < bytes.size()) {
        const ssize_t w = ::write(fd, bytes.data() + written, std::min(chunk, bytes.size() - written));
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) throw fail("write", w < 0 ? errno : EIO, fd);
        written += std::size_t(w);
        detail::checkpoint_test_sleep(delay_us);
    }
    if (::fsync(fd) != 0) throw fail("flush (fsync)", errno, fd);
    if (::close(fd) != 0) throw fail("close", errno, -1);
    detail::checkpoint_test_sleep(delay_us);
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) {
        std::error_code rm;
        std::filesystem::remove(tmp, rm);
        throw Error("cannot move the new checkpoint into place: " + ec.message(), where, intact);
    }
}

inline Checkpoint read_checkpoint(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("cannot open the checkpoint", path.string(), "check the path");
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return deserialize_checkpoint(bytes, path.string());
}

}  // namespace eipnn
