// Text-level pieces of extended XYZ shared by the reader and the writer: numbers parsed and printed
// exactly (shortest round-trip decimal, so a value written and read back is the same double, and
// ASE's Python float() reads the same double), the comment-line tokenizer with ASE's quoting rules,
// typed values, and the Properties= column specification.
#pragma once
#include <cctype>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "eipnn/core/error.hpp"
#include "eipnn/io/extxyz_frame.hpp"

namespace eipnn::extxyz_detail {

inline bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

inline std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

// Whitespace-separated fields of an atom line.
inline std::vector<std::string_view> split_fields(std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && is_space(s[i])) ++i;
        const std::size_t b = i;
        while (i < s.size() && !is_space(s[i])) ++i;
        if (i > b) out.push_back(s.substr(b, i - b));
    }
    return out;
}

// A whole-field decimal integer with optional sign, as Python's int() reads it (no '_' digits
// separators). False when not an integer or out of the int64 range.
inline bool parse_int(std::string_view s, std::int64_t& out) {
    if (!s.empty() && s.front() == '+') s.remove_prefix(1);
    if (s.empty() || (s.size() > 1 && s[0] == '-' && s[1] == '+')) return false;
    const char* end = s.data() + s.size();
    const auto r = std::from_chars(s.data(), end, out);
    return r.ec == std::errc() && r.ptr == end;
}

// A whole-field real as Python's float() reads it: optional sign, decimal or exponent form,
// inf/infinity/nan in any case. Correctly rounded (from_chars), so the same text gives the same
// double here and in ASE. Overflow gives ±inf and underflow 0 / a subnormal, as in Python.
inline bool parse_real(std::string_view s, double& out) {
    if (!s.empty() && s.front() == '+') s.remove_prefix(1);
    if (s.empty() || s.front() == '+' || (s.size() > 1 && s[0] == '-' && s[1] == '+')) return false;
    // from_chars also takes "nan(chars)", which Python does not; hex needs a flag we do not pass.
    if (s.find('(') != std::string_view::npos) return false;
    const char* end = s.data() + s.size();
    const auto r = std::from_chars(s.data(), end, out, std::chars_format::general);
    if (r.ptr != end) return false;
    if (r.ec == std::errc()) return true;
    if (r.ec == std::errc::result_out_of_range) {
        // Magnitude beyond the double range: strtod gives the IEEE result (±inf, 0 or subnormal).
        const std::string copy(s);
        out = std::strtod(copy.c_str(), nullptr);
        return true;
    }
    return false;
}

// Logical values: ASE's columns take T/F/True/False; its comment line takes T/F (True/False are
// accepted here too, see read_info_value).
inline bool parse_bool(std::string_view s, char& out) {
    if (s == "T" || s == "True") {
        out = 1;
        return true;
    }
    if (s == "F" || s == "False") {
        out = 0;
        return true;
    }
    return false;
}

// Shortest decimal text that reads back as exactly x. Always marked as real (".0" added to an
// integral value) so that ASE and this reader keep it a float rather than an integer.
inline std::string format_real(double x) {
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, x);
    std::string s(buf, r.ptr);
    if (s.find_first_of(".eEn") == std::string::npos) s += ".0";  // 'n' covers inf and nan
    return s;
}

inline std::string format_int(std::int64_t x) {
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, x);
    return std::string(buf, r.ptr);
}

// ---- comment line ----------------------------------------------------------------------------

struct RawEntry {
    std::string key;
    bool has_value = false;
    std::string value;
};

// Splits a comment line into key[=value] entries with ASE's rules: whitespace separates entries;
// "..", '..', {..} and [..] group text (spaces included) in keys or values; a backslash takes the
// next character literally; spaces around '=' are allowed; a key without '=' means T; further
// '=' outside quotes belong to the value. Unlike ASE (which accepts them silently), an
// unterminated quote, a trailing backslash and an '=' without a key are errors. An empty quoted
// value ("") is a value here; ASE would merge the next entry into it.
inline std::vector<RawEntry> tokenize_comment(std::string_view line, const std::string& where) {
    struct Pending {
        std::vector<std::string> parts{std::string()};
        std::vector<char> started{0};  // a quoted-but-empty part still counts as given
    };
    std::vector<Pending> pairs(1);
    char closing = 0;
    bool escaped = false;
    const std::string_view s = trim(line);
    for (char c : s) {
        Pending& cur = pairs.back();
        if (escaped) {
            cur.parts.back() += c;
            cur.started.back() = 1;
            escaped = false;
        } else if (c == '\\') {
            escaped = true;
        } else if (closing) {
            if (c == closing)
                closing = 0;
            else
                cur.parts.back() += c;
        } else if (c == '"' || c == '\'' || c == '{' || c == '[') {
            closing = c == '{' ? '}' : c == '[' ? ']' : c;
            cur.started.back() = 1;
        } else if (is_space(c)) {
            if (!cur.started.back()) continue;
            pairs.emplace_back();
        } else if (c == '=') {
            if (pairs.back().parts.size() == 1 && !pairs.back().started.back()) {
                pairs.pop_back();
                if (pairs.empty())
                    throw Error("'=' without a key before it on the comment line", where,
                                "write key=value pairs");
            }
            pairs.back().parts.emplace_back();
            pairs.back().started.push_back(0);  // spaces right after '=' are skipped, as in ASE
        } else {
            cur.parts.back() += c;
            cur.started.back() = 1;
        }
    }
    if (closing)
        throw Error(str("unterminated quote or bracket on the comment line (missing '", closing, "')"), where,
                    "close the quoted value");
    if (escaped) throw Error("comment line ends with a lone backslash", where, "remove it or escape it as \\\\");

    std::vector<RawEntry> out;
    for (const Pending& p : pairs) {
        if (p.parts.size() == 1 && !p.started[0]) continue;  // empty line
        RawEntry e;
        e.key = p.parts[0];
        if (e.key.empty()) throw Error("empty key on the comment line", where, "write key=value pairs");
        if (p.parts.size() > 1) {
            e.has_value = true;
            for (std::size_t k = 1; k < p.parts.size(); ++k) e.value += (k > 1 ? "=" : "") + p.parts[k];
        }
        out.push_back(std::move(e));
    }
    return out;
}

// Tokens of a value for numbers and logicals: separated by whitespace or commas (so ASE's
// [1, 2, 3] reads as three integers).
inline std::vector<std::string_view> split_value(std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    auto sep = [](char c) { return is_space(c) || c == ','; };
    while (i < s.size()) {
        while (i < s.size() && sep(s[i])) ++i;
        const std::size_t b = i;
        while (i < s.size() && !sep(s[i])) ++i;
        if (i > b) out.push_back(s.substr(b, i - b));
    }
    return out;
}

// The typed value of an entry, in ASE's order of attempts: all integers, else all reals, else all
// logicals, else the text itself. 'uid' stays text, as in ASE. ASE takes only T/F as logicals
// on the comment line; True/False are logicals here too (and are written back as T/F).
inline InfoValue read_info_value(const RawEntry& e) {
    std::string lower = e.key;
    for (char& c : lower) c = char(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "uid") return InfoValue::string(e.has_value ? e.value : "T");  // ASE: bare key = "T"
    if (!e.has_value) return InfoValue::boolean(true);
    const auto toks = split_value(e.value);
    if (toks.empty()) return InfoValue::string(e.value);
    {
        std::vector<std::int64_t> v(toks.size());
        bool ok = true;
        for (std::size_t k = 0; k < toks.size() && ok; ++k) ok = parse_int(toks[k], v[k]);
        if (ok) return InfoValue::ints_of(std::move(v));
    }
    {
        std::vector<double> v(toks.size());
        bool ok = true;
        for (std::size_t k = 0; k < toks.size() && ok; ++k) ok = parse_real(toks[k], v[k]);
        if (ok) return InfoValue::reals_of(std::move(v));
    }
    {
        std::vector<char> v(toks.size());
        bool ok = true;
        for (std::size_t k = 0; k < toks.size() && ok; ++k) ok = parse_bool(toks[k], v[k]);
        if (ok) return InfoValue::bools_of(std::move(v));
    }
    return InfoValue::string(e.value);
}

// Text as one comment-line token: bare when safe, else double-quoted with \" and \\ escaped.
inline std::string quote_if_needed(const std::string& s) {
    const bool needs = s.empty() || s.find_first_of(" \t\r\n\v\f\"'{}[]\\=,") != std::string::npos;
    if (!needs) return s;
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

// ---- Properties= -----------------------------------------------------------------------------

struct ColumnSpec {
    std::string name;
    ExtxyzType type;
    int n_cols;
};

inline std::vector<ColumnSpec> parse_properties(const std::string& text, const std::string& where) {
    const char* hint = "expected NAME:TYPE:NCOLS triples with TYPE one of R I S L, "
                       "e.g. Properties=species:S:1:pos:R:3:forces:R:3";
    std::vector<std::string> f;
    std::size_t b = 0;
    for (std::size_t i = 0; i <= text.size(); ++i)
        if (i == text.size() || text[i] == ':') {
            f.push_back(text.substr(b, i - b));
            b = i + 1;
        }
    if (f.size() % 3 != 0)
        throw Error(str("malformed Properties='", text, "': ", f.size(), " colon-separated fields, not a multiple of 3"),
                    where, hint);
    std::vector<ColumnSpec> out;
    for (std::size_t k = 0; k < f.size(); k += 3) {
        ColumnSpec c;
        c.name = f[k];
        if (c.name.empty()) throw Error(str("malformed Properties='", text, "': empty column name"), where, hint);
        if (f[k + 1] == "R") c.type = ExtxyzType::Real;
        else if (f[k + 1] == "I") c.type = ExtxyzType::Int;
        else if (f[k + 1] == "S") c.type = ExtxyzType::String;
        else if (f[k + 1] == "L") c.type = ExtxyzType::Bool;
        else
            throw Error(str("malformed Properties='", text, "': column '", c.name, "' has type '", f[k + 1], "'"),
                        where, hint);
        std::int64_t n = 0;
        if (!parse_int(f[k + 2], n) || n < 1 || n > 1000000)
            throw Error(str("malformed Properties='", text, "': column '", c.name, "' has column count '", f[k + 2],
                            "'"),
                        where, hint);
        c.n_cols = int(n);
        for (const auto& prev : out)
            if (prev.name == c.name)
                throw Error(str("malformed Properties='", text, "': column '", c.name, "' appears twice"), where);
        out.push_back(c);
    }
    return out;
}

inline char type_letter(ExtxyzType t) {
    switch (t) {
        case ExtxyzType::Real: return 'R';
        case ExtxyzType::Int: return 'I';
        case ExtxyzType::Bool: return 'L';
        case ExtxyzType::String: return 'S';
    }
    return '?';
}

}  // namespace eipnn::extxyz_detail
