// Streaming extended XYZ reader: one frame per next() call, so memory depends on the largest frame,
// not on the file. Follows ASE's reading (ase.io.extxyz) for everything ASE reads, and throws
// eipnn::Error, naming the file and line, where ASE would fail or silently guess.
#pragma once
#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <istream>
#include <memory>
#include <string>
#include <vector>

#include "eipnn/core/error.hpp"
#include "eipnn/geometry/elements.hpp"
#include "eipnn/io/extxyz_frame.hpp"
#include "eipnn/io/extxyz_text.hpp"

namespace eipnn {

class ExtxyzReader {
public:
    explicit ExtxyzReader(const std::filesystem::path& path) : name_(path.string()) {
        auto file = std::make_unique<std::ifstream>(path, std::ios::binary);
        if (!*file)
            throw Error(str("cannot open '", name_, "' for reading"), "ExtxyzReader",
                        "check the path and the file's permissions");
        owned_ = std::move(file);
        in_ = owned_.get();
    }
    // Reads from a stream the caller keeps alive; `name` is used in messages.
    ExtxyzReader(std::istream& in, std::string name) : name_(std::move(name)), in_(&in) {}

    const std::string& name() const { return name_; }
    index_t frames_read() const { return n_frames_; }
    long long line_number() const { return line_no_; }

    // Reads the next frame into `frame`; false at the end of the file (trailing blank lines are
    // fine). Throws eipnn::Error on malformed input.
    bool next(Frame& frame) {
        std::string line;
        if (!get_line(line)) return false;
        // ASE stops reading at the first blank line where an atom count is due; a blank line with
        // more frames after it would make ASE drop them silently, so it is an error here.
        if (extxyz_detail::trim(line).empty()) {
            const long long blank = line_no_;
            while (get_line(line))
                if (!extxyz_detail::trim(line).empty())
                    throw Error(str("blank line ", blank, " between frames, with more data after it"),
                                at(line_no_), "remove the blank line (ASE would stop reading at it)");
            return false;
        }
        const long long count_line = line_no_;
        const std::string frame_where = str(name_, " frame ", n_frames_, " (line ", count_line, ")");

        std::int64_t n = -1;
        const auto count_text = extxyz_detail::trim(line);
        if (!extxyz_detail::parse_int(count_text, n) || n < 0 || n > kMaxAtoms)
            throw Error(str("expected the number of atoms (an integer from 0 to ", kMaxAtoms, "), found '",
                            shorten(count_text), "'"),
                        at(count_line), "each frame starts with a line holding only its atom count");

        if (!get_line(line))
            throw Error(str("file ends after the atom count of frame ", n_frames_, "; expected the comment line"),
                        at(line_no_ + 1), "the file is truncated");
        const long long comment_line = line_no_;
        const std::string comment_where = at(comment_line);

        Frame f;
        f.source = frame_where;
        std::string properties = "species:S:1:pos:R:3";
        bool have_lattice = false, have_pbc = false;
        Mat3 lattice{};
        std::array<bool, 3> pbc{false, false, false};
        for (const auto& e : extxyz_detail::tokenize_comment(line, comment_where)) {
            if (e.key == "Properties") {
                if (!e.has_value) throw Error("Properties has no value", comment_where);
                properties = e.value;
            } else if (e.key == "Lattice") {
                lattice = read_lattice(e, comment_where);
                have_lattice = true;
            } else if (e.key == "pbc") {
                pbc = read_pbc(e, comment_where);
                have_pbc = true;
            } else {
                bool dup = false;
                for (const auto& kv : f.info) dup = dup || kv.first == e.key;
                InfoValue v = extxyz_detail::read_info_value(e);
                if (dup)  // ASE keeps the last value (dict assignment); so do we, at the first place
                    for (auto& kv : f.info) {
                        if (kv.first == e.key) kv.second = std::move(v);
                    }
                else
                    f.info.emplace_back(e.key, std::move(v));
            }
        }
        // ASE: a Lattice without pbc means periodic in all three directions.
        if (have_lattice && !have_pbc) pbc = {true, true, true};
        if (!have_lattice && (pbc[0] || pbc[1] || pbc[2]))
            throw Error(str("periodic flags pbc=\"", pbc[0] ? 'T' : 'F', ' ', pbc[1] ? 'T' : 'F', ' ',
                            pbc[2] ? 'T' : 'F', "\" without a Lattice"),
                        comment_where, "add Lattice=\"ax ay az bx by bz cx cy cz\" or set pbc=\"F F F\"");
        f.structure.cell.has_lattice = have_lattice;
        f.structure.cell.lattice = lattice;
        f.structure.cell.pbc = pbc;

        const auto specs = extxyz_detail::parse_properties(properties, comment_where);
        read_atoms(f, specs, properties, std::size_t(n), count_line);

        f.structure.validate(frame_where);
        frame = std::move(f);
        ++n_frames_;
        return true;
    }

private:
    static constexpr std::int64_t kMaxAtoms = 2147483647;  // index_t is 32-bit

    // "file line L (frame F)": a message names the frame as well as the line, so a user can find
    // the configuration by index as well as in an editor.
    std::string at(long long line) const { return str(name_, " line ", line, " (frame ", n_frames_, ")"); }

    static std::string shorten(std::string_view s) {
        return s.size() <= 60 ? std::string(s) : std::string(s.substr(0, 57)) + "...";
    }

    // One line without its terminator. Like Python's text files (which ASE reads), "\n", "\r\n"
    // and a lone "\r" all end a line; the pieces of a physical line split at lone "\r" wait in
    // pending_ (in reverse order).
    bool get_line(std::string& line) {
        if (!pending_.empty()) {
            line = std::move(pending_.back());
            pending_.pop_back();
        } else {
            if (!std::getline(*in_, line)) return false;
            if (!line.empty() && line.back() == '\r') line.pop_back();
            const std::size_t cr = line.find('\r');
            if (cr != std::string::npos) {
                std::size_t end = line.size();
                for (std::size_t k = line.size(); k-- > cr;)
                    if (line[k] == '\r') {
                        pending_.push_back(line.substr(k + 1, end - k - 1));
                        end = k;
                    }
                line.resize(cr);
            }
        }
        ++line_no_;
        return true;
    }

    static Mat3 read_lattice(const extxyz_detail::RawEntry& e, const std::string& where) {
        const auto toks = extxyz_detail::split_value(e.value);
        Mat3 m{};
        bool ok = e.has_value && toks.size() == 9;
        for (std::size_t k = 0; ok && k < 9; ++k) ok = extxyz_detail::parse_real(toks[k], m[k / 3][k % 3]);
        if (!ok)
            throw Error(str("Lattice=\"", shorten(e.value), "\" is not 9 numbers"), where,
                        "give the three lattice vectors as Lattice=\"ax ay az bx by bz cx cy cz\"");
        return m;
    }

    // pbc="T T F" (one value applies to all three directions, as numpy broadcasting does in ASE).
    static std::array<bool, 3> read_pbc(const extxyz_detail::RawEntry& e, const std::string& where) {
        const InfoValue v = extxyz_detail::read_info_value(e);
        std::array<bool, 3> p{};
        bool ok = false;
        if (v.type == ExtxyzType::Bool && (v.bools.size() == 1 || v.bools.size() == 3)) {
            for (int d = 0; d < 3; ++d) p[d] = v.bools[v.bools.size() == 1 ? 0 : std::size_t(d)] != 0;
            ok = true;
        } else if (v.type == ExtxyzType::Int && (v.ints.size() == 1 || v.ints.size() == 3)) {
            ok = true;
            for (std::int64_t x : v.ints) ok = ok && (x == 0 || x == 1);
            for (int d = 0; ok && d < 3; ++d) p[d] = v.ints[v.ints.size() == 1 ? 0 : std::size_t(d)] != 0;
        }
        if (!ok)
            throw Error(str("pbc=\"", shorten(e.has_value ? e.value : "T"), "\" is not three logicals"), where,
                        "write pbc=\"T T T\" (T periodic, F free) for the three lattice directions");
        return p;
    }

    void read_atoms(Frame& f, const std::vector<extxyz_detail::ColumnSpec>& specs, const std::string& properties,
                    std::size_t n, long long count_line) {
        // Which columns hold the structure. ASE: species gives the symbols; Z gives the numbers
        // and, when both are present, overrides the symbols' numbers.
        int i_species = -1, i_pos = -1, i_z = -1;
        std::size_t n_fields = 0;
        std::vector<std::size_t> first_field(specs.size());
        for (std::size_t k = 0; k < specs.size(); ++k) {
            first_field[k] = n_fields;
            n_fields += std::size_t(specs[k].n_cols);
            const auto& s = specs[k];
            auto need = [&](ExtxyzType t, int nc) {
                if (s.type != t || s.n_cols != nc)
                    throw Error(str("malformed Properties='", properties, "': column '", s.name, "' must be ",
                                    s.name, ":", extxyz_detail::type_letter(t), ":", nc),
                                at(count_line + 1));
            };
            if (s.name == "species") need(ExtxyzType::String, 1), i_species = int(k);
            if (s.name == "pos") need(ExtxyzType::Real, 3), i_pos = int(k);
            if (s.name == "Z") need(ExtxyzType::Int, 1), i_z = int(k);
        }
        if (i_pos < 0 || (i_species < 0 && i_z < 0))
            throw Error(str("malformed Properties='", properties, "': needs species:S:1 (or Z:I:1) and pos:R:3"),
                        at(count_line + 1), "e.g. Properties=species:S:1:pos:R:3");

        // Extra columns, in file order. Reserve only a bounded amount up front: the count line may
        // promise more atoms than the file holds.
        const std::size_t reserve_rows = std::min<std::size_t>(n, 1u << 16);
        std::vector<int> extra_of(specs.size(), -1);
        for (std::size_t k = 0; k < specs.size(); ++k) {
            if (extxyz_reserved_column(specs[k].name)) continue;
            ExtxyzColumn c;
            c.name = specs[k].name;
            c.type = specs[k].type;
            c.n_cols = specs[k].n_cols;
            extra_of[k] = int(f.columns.size());
            f.columns.push_back(std::move(c));
        }
        Structure& st = f.structure;
        st.positions.reserve(3 * reserve_rows);
        st.numbers.reserve(reserve_rows);

        std::string line;
        for (std::size_t i = 0; i < n; ++i) {
            if (!get_line(line))
                throw Error(str("file ends after ", i, " of the ", n, " atom lines of frame ", n_frames_,
                                " (its atom count is on line ", count_line, ")"),
                            at(line_no_ + 1), "the file is truncated, or the atom count is wrong");
            const std::string where = at(line_no_);
            const auto fields = extxyz_detail::split_fields(line);
            if (fields.size() != n_fields)
                throw Error(str("atom ", i, " has ", fields.size(), " fields; Properties=", properties, " needs ",
                                n_fields),
                            where,
                            i == 0 && fields.size() < n_fields && n > 0
                                ? "check the atom count and the Properties= entry of this frame"
                                : "every atom line needs one field per column");
            int z_species = 0;
            for (std::size_t k = 0; k < specs.size(); ++k) {
                const auto& s = specs[k];
                for (int c = 0; c < s.n_cols; ++c) {
                    const std::size_t fi = first_field[k] + std::size_t(c);
                    const std::string_view tok = fields[fi];
                    auto bad = [&](const char* expected) {
                        return Error(str("field ", fi + 1, " (column '", s.name, "'", s.n_cols > 1 ? str(" #", c) : "",
                                         ") of atom ", i, " is '", shorten(tok), "', expected ", expected),
                                     where);
                    };
                    if (int(k) == i_species) {
                        // ASE capitalises symbols ("si", "SI" -> "Si").
                        std::string sym(tok);
                        for (std::size_t q = 0; q < sym.size(); ++q)
                            sym[q] = char(q == 0 ? std::toupper(static_cast<unsigned char>(sym[q]))
                                                 : std::tolower(static_cast<unsigned char>(sym[q])));
                        z_species = atomic_number_or_zero(sym);
                        if (z_species == 0)
                            throw Error(str("unknown chemical symbol '", shorten(tok), "' for atom ", i), where,
                                        "use a symbol of the periodic table, e.g. 'Si'");
                    } else if (int(k) == i_pos) {
                        double x = 0;
                        if (!extxyz_detail::parse_real(tok, x)) throw bad("a real number (Å)");
                        if (!std::isfinite(x))
                            throw Error(str("coordinate ", "xyz"[c], " of atom ", i, " is '", shorten(tok), "'"), where,
                                        "coordinates must be finite; fix or drop this configuration");
                        st.positions.push_back(x);
                    } else if (int(k) == i_z) {
                        std::int64_t z = 0;
                        if (!extxyz_detail::parse_int(tok, z)) throw bad("an integer atomic number");
                        if (z < 1 || z > 118)
                            throw Error(str("atomic number ", z, " of atom ", i, " is not an element"), where);
                        st.numbers.push_back(int(z));
                    } else {
                        ExtxyzColumn& col = f.columns[std::size_t(extra_of[k])];
                        if (i == 0 && c == 0) reserve(col, reserve_rows);
                        switch (s.type) {
                            case ExtxyzType::Real: {
                                double x = 0;
                                if (!extxyz_detail::parse_real(tok, x)) throw bad("a real number");
                                col.reals.push_back(x);
                                break;
                            }
                            case ExtxyzType::Int: {
                                std::int64_t x = 0;
                                if (!extxyz_detail::parse_int(tok, x)) throw bad("an integer");
                                col.ints.push_back(x);
                                break;
                            }
                            case ExtxyzType::Bool: {
                                char x = 0;
                                if (!extxyz_detail::parse_bool(tok, x)) throw bad("a logical (T, F, True or False)");
                                col.bools.push_back(x);
                                break;
                            }
                            case ExtxyzType::String: col.strings.emplace_back(tok); break;
                        }
                    }
                }
            }
            if (i_z < 0) st.numbers.push_back(z_species);
        }
    }

    static void reserve(ExtxyzColumn& c, std::size_t rows) {
        const std::size_t k = std::min<std::size_t>(rows * std::size_t(c.n_cols), 1u << 18);
        switch (c.type) {
            case ExtxyzType::Real: c.reals.reserve(k); break;
            case ExtxyzType::Int: c.ints.reserve(k); break;
            case ExtxyzType::Bool: c.bools.reserve(k); break;
            case ExtxyzType::String: c.strings.reserve(k); break;
        }
    }

    std::string name_;
    std::unique_ptr<std::istream> owned_;
    std::istream* in_ = nullptr;
    std::vector<std::string> pending_;
    long long line_no_ = 0;
    index_t n_frames_ = 0;
};

}  // namespace eipnn
