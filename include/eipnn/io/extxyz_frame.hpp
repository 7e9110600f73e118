// One frame of an extended XYZ file: the Structure (species, positions, cell, pbc) plus everything
// else the file said about it, kept so that a read/write round trip loses nothing: the typed
// key=value entries of the comment line in file order, and the extra per-atom columns.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "eipnn/core/error.hpp"
#include "eipnn/geometry/structure.hpp"

namespace eipnn {

// The four extxyz types: Properties letters R, I, L, S.
enum class ExtxyzType { Real, Int, Bool, String };

inline const char* extxyz_type_name(ExtxyzType t) {
    switch (t) {
        case ExtxyzType::Real: return "real";
        case ExtxyzType::Int: return "integer";
        case ExtxyzType::Bool: return "logical";
        case ExtxyzType::String: return "string";
    }
    return "?";
}

// A comment-line value. Like ASE, one element is a scalar and several are an array; a string is
// always a single string. Exactly one of the vectors is used, selected by `type`.
struct InfoValue {
    ExtxyzType type = ExtxyzType::String;
    std::vector<double> reals;
    std::vector<std::int64_t> ints;
    std::vector<char> bools;  // char, not bool: vector<bool> has no data() and odd references
    std::string text;

    std::size_t size() const {
        switch (type) {
            case ExtxyzType::Real: return reals.size();
            case ExtxyzType::Int: return ints.size();
            case ExtxyzType::Bool: return bools.size();
            case ExtxyzType::String: return 1;
        }
        return 0;
    }
    bool is_numeric() const { return type == ExtxyzType::Real || type == ExtxyzType::Int; }

    static InfoValue real(double x) { return reals_of({x}); }
    static InfoValue reals_of(std::vector<double> x) {
        InfoValue v;
        v.type = ExtxyzType::Real;
        v.reals = std::move(x);
        return v;
    }
    static InfoValue integer(std::int64_t x) { return ints_of({x}); }
    static InfoValue ints_of(std::vector<std::int64_t> x) {
        InfoValue v;
        v.type = ExtxyzType::Int;
        v.ints = std::move(x);
        return v;
    }
    static InfoValue boolean(bool x) { return bools_of({char(x)}); }
    static InfoValue bools_of(std::vector<char> x) {
        InfoValue v;
        v.type = ExtxyzType::Bool;
        v.bools = std::move(x);
        return v;
    }
    static InfoValue string(std::string s) {
        InfoValue v;
        v.type = ExtxyzType::String;
        v.text = std::move(s);
        return v;
    }

    // Numeric values as doubles (integers converted), for either type.
    std::vector<double> as_reals() const {
        if (type == ExtxyzType::Real) return reals;
        return std::vector<double>(ints.begin(), ints.end());
    }
};

// A per-atom column (n_atoms, n_cols), row-major; exactly one vector is used, selected by `type`.
struct ExtxyzColumn {
    std::string name;
    ExtxyzType type = ExtxyzType::Real;
    int n_cols = 1;
    std::vector<double> reals;
    std::vector<std::int64_t> ints;
    std::vector<char> bools;
    std::vector<std::string> strings;

    std::size_t n_values() const {
        switch (type) {
            case ExtxyzType::Real: return reals.size();
            case ExtxyzType::Int: return ints.size();
            case ExtxyzType::Bool: return bools.size();
            case ExtxyzType::String: return strings.size();
        }
        return 0;
    }
    std::size_t n_rows() const { return n_cols > 0 ? n_values() / std::size_t(n_cols) : 0; }
};

// Comment-line keys the reader turns into the Structure; they never appear in Frame::info.
inline bool extxyz_reserved_key(const std::string& key) {
    return key == "Lattice" || key == "Properties" || key == "pbc";
}
// Columns the reader turns into the Structure; they never appear in Frame::columns.
inline bool extxyz_reserved_column(const std::string& name) {
    return name == "species" || name == "pos" || name == "Z";
}

struct Frame {
    Structure structure;
    std::vector<std::pair<std::string, InfoValue>> info;  // comment-line entries, file order
    std::vector<ExtxyzColumn> columns;                    // extra per-atom columns, file order
    std::string source;  // where it came from ("train.extxyz line 130 (frame 3)"), for messages

    // ---- info -------------------------------------------------------------------------------
    const InfoValue* find_info(const std::string& key) const {
        for (const auto& kv : info)
            if (kv.first == key) return &kv.second;
        return nullptr;
    }
    bool has_info(const std::string& key) const { return find_info(key) != nullptr; }

    const InfoValue& info_value(const std::string& key) const {
        const InfoValue* v = find_info(key);
        if (!v)
            throw Error(str("no comment-line entry '", key, "'"), where(),
                        str("the frame has: ", info_keys(), "; add ", key, "=... to the comment line"));
        return *v;
    }

    // A numeric scalar (an integer entry converts). Throws when missing, an array, or not a number.
    double info_real(const std::string& key) const {
        const auto v = try_info_real(key);
        if (!v)
            throw Error(str("no comment-line entry '", key, "'"), where(),
                        str("the frame has: ", info_keys(), "; add ", key, "=<number> to the comment line"));
        return *v;
    }
    // As info_real, but std::nullopt when the key is absent (still throws when it is not a number).
    std::optional<double> try_info_real(const std::string& key) const {
        const InfoValue* v = find_info(key);
        if (!v) return std::nullopt;
        if (!v->is_numeric() || v->size() != 1)
            throw Error(str("comment-line entry '", key, "' is ", describe(*v), ", not a single number"), where(),
                        str("write it as ", key, "=<number>"));
        return v->as_reals()[0];
    }
    // A numeric array of any length (a scalar gives one element).
    std::vector<double> info_reals(const std::string& key) const {
        const InfoValue& v = info_value(key);
        if (!v.is_numeric())
            throw Error(str("comment-line entry '", key, "' is ", describe(v), ", not numbers"), where(),
                        str("write it as ", key, "=\"x1 x2 ...\""));
        return v.as_reals();
    }
    // The text of a string entry; numbers and logicals are not converted (ask for their type).
    const std::string& info_string(const std::string& key) const {
        const InfoValue& v = info_value(key);
        if (v.type != ExtxyzType::String)
            throw Error(str("comment-line entry '", key, "' is ", describe(v), ", not a string"), where());
        return v.text;
    }

    // Adds the entry at the end, or replaces its value in place (keeping the order).
    void set_info(const std::string& key, InfoValue value) {
        check_name(key, "comment-line key");
        if (extxyz_reserved_key(key))
            throw Error(str("'", key, "' is written from the structure and cannot be set as info"), where(),
                        "set structure.cell instead");
        for (auto& kv : info)
            if (kv.first == key) {
                kv.second = std::move(value);
                return;
            }
        info.emplace_back(key, std::move(value));
    }
    void set_info(const std::string& key, double x) { set_info(key, InfoValue::real(x)); }
    void set_info(const std::string& key, std::vector<double> x) { set_info(key, InfoValue::reals_of(std::move(x))); }
    void set_info(const std::string& key, std::int64_t x) { set_info(key, InfoValue::integer(x)); }
    void set_info(const std::string& key, int x) { set_info(key, InfoValue::integer(x)); }
    void set_info(const std::string& key, bool x) { set_info(key, InfoValue::boolean(x)); }
    void set_info(const std::string& key, const std::string& s) { set_info(key, InfoValue::string(s)); }
    void set_info(const std::string& key, const char* s) { set_info(key, InfoValue::string(s)); }

    bool erase_info(const std::string& key) {
        for (auto it = info.begin(); it != info.end(); ++it)
            if (it->first == key) {
                info.erase(it);
                return true;
            }
        return false;
    }

    // ---- per-atom columns -------------------------------------------------------------------
    const ExtxyzColumn* find_column(const std::string& name) const {
        for (const auto& c : columns)
            if (c.name == name) return &c;
        return nullptr;
    }
    bool has_column(const std::string& name) const { return find_column(name) != nullptr; }

    // A real column, (n_atoms, n_cols) row-major; integer columns are not converted silently.
    const std::vector<double>& column_real(const std::string& name) const {
        const ExtxyzColumn* c = find_column(name);
        if (!c)
            throw Error(str("no per-atom column '", name, "'"), where(),
                        str("the frame has: ", column_names(), "; add ", name, ":R:<n> to Properties"));
        if (c->type != ExtxyzType::Real)
            throw Error(str("per-atom column '", name, "' is ", extxyz_type_name(c->type), ", not real"), where());
        return c->reals;
    }

    // Adds or replaces a column. values.size() must be n_atoms * n_cols.
    void set_column(ExtxyzColumn column) {
        check_name(column.name, "column name");
        if (extxyz_reserved_column(column.name))
            throw Error(str("column '", column.name, "' is written from the structure"), where(),
                        "set structure.numbers / structure.positions instead");
        if (column.n_cols < 1) throw Error(str("column '", column.name, "' needs n_cols >= 1"), where());
        const std::size_t expect = std::size_t(structure.size()) * std::size_t(column.n_cols);
        if (column.n_values() != expect)
            throw Error(str("column '", column.name, "' has ", column.n_values(), " values, expected ", expect,
                            " (", structure.size(), " atoms x ", column.n_cols, ")"),
                        where());
        if (column.type == ExtxyzType::String)
            for (const auto& s : column.strings)
                if (s.empty() || s.find_first_of(" \t\r\n\v\f") != std::string::npos)
                    throw Error(str("string column '", column.name, "' has the value '", s, "'"), where(),
                                "per-atom strings must be non-empty and without whitespace");
        for (auto& c : columns)
            if (c.name == column.name) {
                c = std::move(column);
                return;
            }
        columns.push_back(std::move(column));
    }
    void set_column(const std::string& name, std::vector<double> values, int n_cols) {
        ExtxyzColumn c;
        c.name = name;
        c.type = ExtxyzType::Real;
        c.n_cols = n_cols;
        c.reals = std::move(values);
        set_column(std::move(c));
    }

    bool erase_column(const std::string& name) {
        for (auto it = columns.begin(); it != columns.end(); ++it)
            if (it->name == name) {
                columns.erase(it);
                return true;
            }
        return false;
    }

    std::string where() const { return source.empty() ? std::string("extxyz frame") : source; }

private:
    static std::string describe(const InfoValue& v) {
        if (v.type == ExtxyzType::String) return "the string '" + v.text + "'";
        return str(v.size() == 1 ? "a " : str("an array of ", v.size(), " ").c_str(), extxyz_type_name(v.type),
                   v.size() == 1 ? "" : "s");
    }
    std::string info_keys() const {
        std::string s;
        for (const auto& kv : info) s += (s.empty() ? "" : ", ") + kv.first;
        return s.empty() ? "no entries" : s;
    }
    std::string column_names() const {
        std::string s;
        for (const auto& c : columns) s += (s.empty() ? "" : ", ") + c.name;
        return s.empty() ? "no extra columns" : s;
    }
    // Names are written bare (keys) or between colons (columns): no separators inside.
    void check_name(const std::string& name, const char* what) const {
        if (name.empty() || name.find_first_of(" \t\r\n\v\f=:\"'{}[]\\,") != std::string::npos)
            throw Error(str("invalid ", what, " '", name, "'"), where(),
                        "use letters, digits, '_' and '-' only");
    }
};

}  // namespace eipnn
