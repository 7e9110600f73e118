// Extended XYZ writer. Reals are written as the shortest decimal that reads back as the same
// double (here and in ASE), so a read/write round trip changes no value. The layout follows ASE:
// Lattice (when the cell has one), Properties, the info entries in order, then pbc.
// ExtxyzWriter writes to "<path>.tmp" and renames on close(), so an interrupted run never leaves a
// half-written file in place of the user's.
#pragma once
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <string>
#include <system_error>

#include "eipnn/core/error.hpp"
#include "eipnn/geometry/elements.hpp"
#include "eipnn/io/extxyz_frame.hpp"
#include "eipnn/io/extxyz_text.hpp"

namespace eipnn {

namespace extxyz_detail {

inline std::string format_info_value(const InfoValue& v, const std::string& key, const std::string& where) {
    std::string s;
    auto join = [&](std::size_t n, auto&& item) {
        for (std::size_t k = 0; k < n; ++k) s += (k ? " " : "") + item(k);
    };
    switch (v.type) {
        case ExtxyzType::Real: join(v.reals.size(), [&](std::size_t k) { return format_real(v.reals[k]); }); break;
        case ExtxyzType::Int: join(v.ints.size(), [&](std::size_t k) { return format_int(v.ints[k]); }); break;
        case ExtxyzType::Bool:
            join(v.bools.size(), [&](std::size_t k) { return std::string(v.bools[k] ? "T" : "F"); });
            break;
        case ExtxyzType::String:
            if (v.text.find_first_of("\n\r") != std::string::npos)
                throw Error(str("info entry '", key, "' holds a line break"), where,
                            "the comment line is one line; remove line breaks from the value");
            return quote_if_needed(v.text);
    }
    if (v.type != ExtxyzType::String && v.size() == 0)
        throw Error(str("info entry '", key, "' is an empty array"), where, "give at least one value or erase it");
    return v.size() > 1 ? "\"" + s + "\"" : s;
}

inline void pad_right(std::string& line, const std::string& field, std::size_t width) {
    line += ' ';
    if (field.size() < width) line.append(width - field.size(), ' ');
    line += field;
}

}  // namespace extxyz_detail

// Writes one frame. Throws eipnn::Error (naming `where`) when the frame cannot be represented.
inline void write_extxyz_frame(std::ostream& out, const Frame& f, const std::string& where = "write_extxyz") {
    using namespace extxyz_detail;
    const Structure& st = f.structure;
    st.validate(where);
    const std::size_t n = std::size_t(st.size());

    std::string header;
    if (st.cell.has_lattice) {
        header += "Lattice=\"";
        for (int d = 0; d < 3; ++d)
            for (int k = 0; k < 3; ++k) header += (d || k ? " " : "") + format_real(st.cell.lattice[d][k]);
        header += "\" ";
    }
    header += "Properties=species:S:1:pos:R:3";
    for (const auto& c : f.columns) {
        if (extxyz_reserved_column(c.name) || c.name.empty() ||
            c.name.find_first_of(" \t\r\n\v\f:\"'{}[]\\=,") != std::string::npos)
            throw Error(str("per-atom column name '", c.name, "' cannot be written"), where,
                        "use letters, digits, '_' and '-' (species, pos and Z are written from the structure)");
        if (c.n_cols < 1 || c.n_rows() != n || c.n_values() != n * std::size_t(c.n_cols))
            throw Error(str("per-atom column '", c.name, "' has ", c.n_values(), " values for ", n, " atoms x ",
                            c.n_cols, " columns"),
                        where, "set_column checks this; resize the column when atoms change");
        header += str(":", c.name, ":", type_letter(c.type), ":", c.n_cols);
    }
    for (const auto& kv : f.info) {
        if (extxyz_reserved_key(kv.first))
            throw Error(str("info entry '", kv.first, "' is reserved"), where, "it is written from the structure");
        if (kv.first.empty() || kv.first.find_first_of("\n\r") != std::string::npos)
            throw Error(str("info key '", kv.first, "' cannot be written"), where);
        // ASE reads these two keys as 3x3 matrices and fails on anything but 9 numbers.
        if ((kv.first == "virial" || kv.first == "stress") && !(kv.second.is_numeric() && kv.second.size() == 9))
            throw Error(str("info entry '", kv.first, "' must be 9 numbers"), where,
                        "ASE reads it as a 3x3 matrix; use another key for other shapes (e.g. virial_voigt)");
        header += ' ' + quote_if_needed(kv.first) + '=' + format_info_value(kv.second, kv.first, where);
    }
    const auto& p = st.cell.pbc;
    header += str(" pbc=\"", p[0] ? 'T' : 'F', ' ', p[1] ? 'T' : 'F', ' ', p[2] ? 'T' : 'F', "\"");

    out << n << '\n' << header << '\n';
    std::string line;
    for (std::size_t i = 0; i < n; ++i) {
        line.clear();
        line += element_symbol(st.numbers[i]);
        if (line.size() < 2) line += ' ';
        for (int k = 0; k < 3; ++k) pad_right(line, format_real(st.positions[3 * i + std::size_t(k)]), 20);
        for (const auto& c : f.columns) {
            for (int k = 0; k < c.n_cols; ++k) {
                const std::size_t q = i * std::size_t(c.n_cols) + std::size_t(k);
                switch (c.type) {
                    case ExtxyzType::Real: pad_right(line, format_real(c.reals[q]), 20); break;
                    case ExtxyzType::Int: pad_right(line, format_int(c.ints[q]), 8); break;
                    case ExtxyzType::Bool: pad_right(line, c.bools[q] ? "T" : "F", 1); break;
                    case ExtxyzType::String:
                        if (c.strings[q].empty() || c.strings[q].find_first_of(" \t\r\n\v\f") != std::string::npos)
                            throw Error(str("string column '", c.name, "' has the value '", c.strings[q], "' at atom ",
                                            i),
                                        where, "per-atom strings must be non-empty and without whitespace");
                        pad_right(line, c.strings[q], 0);
                        break;
                }
            }
        }
        line += '\n';
        out << line;
    }
}

class ExtxyzWriter {
public:
    explicit ExtxyzWriter(const std::filesystem::path& path) : path_(path), tmp_(path.string() + ".tmp") {
        out_.open(tmp_, std::ios::binary | std::ios::trunc);
        if (!out_)
            throw Error(str("cannot open '", tmp_.string(), "' for writing"), "ExtxyzWriter",
                        "check that the directory exists and is writable");
    }
    ExtxyzWriter(const ExtxyzWriter&) = delete;
    ExtxyzWriter& operator=(const ExtxyzWriter&) = delete;

    // Not closed: the partial temporary file is removed and the destination is left untouched.
    ~ExtxyzWriter() {
        if (open_) {
            out_.close();
            std::error_code ec;
            std::filesystem::remove(tmp_, ec);
        }
    }

    void write(const Frame& frame) {
        if (!open_) throw Error("write after close()", path_.string());
        write_extxyz_frame(out_, frame, str(path_.string(), " frame ", n_written_));
        if (!out_) throw Error("write failed", tmp_.string(), "check free disk space");
        ++n_written_;
    }
    void write(const Structure& s) {
        Frame f;
        f.structure = s;
        write(f);
    }
    // A frame already formatted by write_extxyz_frame (e.g. on another MPI rank), written as is.
    void write_serialized(const std::string& frame_text) {
        if (!open_) throw Error("write after close()", path_.string());
        out_ << frame_text;
        if (!out_) throw Error("write failed", tmp_.string(), "check free disk space");
        ++n_written_;
    }

    // Flushes and moves "<path>.tmp" onto <path>. Throws when anything failed; the temporary file
    // is then removed and <path> keeps its old content.
    void close() {
        if (!open_) return;
        out_.flush();
        const bool ok = bool(out_);
        out_.close();
        open_ = false;
        std::error_code ec;
        if (!ok || out_.fail()) {
            std::filesystem::remove(tmp_, ec);
            throw Error("writing failed", tmp_.string(), "check free disk space; the destination was not changed");
        }
        std::filesystem::rename(tmp_, path_, ec);
        if (ec) {
            const std::string why = ec.message();
            std::filesystem::remove(tmp_, ec);
            throw Error(str("cannot rename the temporary file onto '", path_.string(), "': ", why), tmp_.string());
        }
    }

    index_t frames_written() const { return n_written_; }

private:
    std::filesystem::path path_, tmp_;
    std::ofstream out_;
    bool open_ = true;
    index_t n_written_ = 0;
};

}  // namespace eipnn
