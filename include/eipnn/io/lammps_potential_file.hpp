// Reading LAMMPS potential files (.sw, .tersoff, .tersoff.mod, .edip, .eam, .eam.alloy,
// .meam.spline): one tokenizer every format parser shares, so every malformed file is reported
// the same way — file, line, the field that was expected and what was found.
//
// Two ways to read, mixable in one file:
//  - entries (sw, tersoff, edip): `next_entry(fields)` collects whitespace-separated words from
//    whole lines until it has one word per field; '#' starts a comment; an entry may span lines
//    but never shares a line with the next one (as LAMMPS reads them);
//  - streams (eam, meam/spline tables): `raw_line()` for fixed header lines that are free text,
//    `next_word/next_double/next_int` for numbers that run on across lines.
#pragma once
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "eipnn/core/error.hpp"

namespace eipnn::io {

// One parsed entry: its words, the line each word came from, and typed access that names the
// field in its error message.
struct PotentialEntry {
    std::vector<std::string> fields;  // field names, as given to next_entry
    std::vector<std::string> words;   // (n_fields)
    std::vector<int> lines;           // (n_fields) 1-based line of each word
    std::string file;                 // for messages

    int first_line() const { return lines.empty() ? 0 : lines.front(); }
    const std::string& word(std::size_t k) const { return words.at(k); }
    double number(std::size_t k) const;
    int integer(std::size_t k) const;
};

namespace detail {

// Parses the whole token as a finite double; false otherwise (no partial parses like "1.5x").
inline bool parse_double(const std::string& s, double& out) {
    if (s.empty()) return false;
    const char* begin = s.c_str();
    char* end = nullptr;
    errno = 0;
    const double v = std::strtod(begin, &end);
    if (end != begin + s.size() || errno == ERANGE) return false;
    if (!(v == v) || v > 1.7e308 || v < -1.7e308) return false;  // nan / inf are not parameters
    out = v;
    return true;
}

inline bool parse_int(const std::string& s, int& out) {
    double v;
    if (!parse_double(s, v)) return false;
    // range before the cast: converting a double outside int's range (e.g. "1e12") is undefined
    if (!(v >= double(INT_MIN) && v <= double(INT_MAX)) || v != std::trunc(v)) return false;
    out = int(v);
    return true;
}

inline std::string at_line(const std::string& file, int line) { return str(file, " line ", line); }

}  // namespace detail

inline double PotentialEntry::number(std::size_t k) const {
    double v;
    if (!detail::parse_double(words.at(k), v))
        throw Error(str("field ", k + 1, " '", fields.at(k), "' must be a number, got '", words[k], "'"),
                    detail::at_line(file, lines.at(k)), "fix the potential file");
    return v;
}

inline int PotentialEntry::integer(std::size_t k) const {
    int v;
    if (!detail::parse_int(words.at(k), v))
        throw Error(str("field ", k + 1, " '", fields.at(k), "' must be an integer, got '", words[k], "'"),
                    detail::at_line(file, lines.at(k)), "fix the potential file");
    return v;
}

class PotentialFileReader {
public:
    // Reads the whole file (potential files are small). `name` in messages is the path as given.
    explicit PotentialFileReader(const std::filesystem::path& path) : name_(path.string()) {
        std::ifstream in(path);
        if (!in)
            throw Error(str("cannot open potential file '", name_, "'"), "potential file",
                        "check the path, or set $EIPNN_POTENTIALS to the folder that holds it");
        split_lines(in);
    }

    // For tests and generated parameters: the same reader over text in memory.
    static PotentialFileReader from_text(const std::string& text, const std::string& name) {
        std::istringstream in(text);
        return PotentialFileReader(in, name);
    }

    const std::string& name() const { return name_; }
    // Line (1-based) of the last word or line handed out; 0 before any.
    int line_number() const { return last_line_; }
    std::string where() const { return detail::at_line(name_, last_line_); }

    // The next line verbatim (for free-text headers, e.g. the three comment lines of a setfl file).
    // Resumes at the line after the last word read; throws at end of file naming `field`.
    std::string raw_line(const std::string& field) {
        finish_line();
        if (line_ >= lines_.size()) fail_eof(field);
        last_line_ = int(line_) + 1;
        return lines_[line_++];
    }

    // True when no word is left (only blank lines and comments).
    bool at_end() {
        skip_to_word();
        return line_ >= lines_.size();
    }

    // The next word, across line breaks, with '#' comments removed.
    std::string next_word(const std::string& field) {
        skip_to_word();
        if (line_ >= lines_.size()) fail_eof(field);
        last_line_ = int(line_) + 1;
        return words_[word_++];
    }
    double next_double(const std::string& field) {
        const std::string w = next_word(field);
        double v;
        if (!detail::parse_double(w, v)) fail(str("expected '", field, "' (a number), got '", w, "'"));
        return v;
    }
    int next_int(const std::string& field) {
        const std::string w = next_word(field);
        int v;
        if (!detail::parse_int(w, v)) fail(str("expected '", field, "' (an integer), got '", w, "'"));
        return v;
    }
    // n numbers, e.g. a tabulated function; `field` names the table in messages.
    std::vector<double> next_doubles(std::size_t n, const std::string& field) {
        std::vector<double> v(n);
        for (std::size_t k = 0; k < n; ++k) v[k] = next_double(str(field, "[", k, "]"));
        return v;
    }

    // Reads the next entry of exactly fields.size() words, starting on a fresh line and taking
    // whole lines. Returns false at end of file. Throws when the file ends inside an entry or a
    // line carries words past the entry's end.
    bool next_entry(const std::vector<std::string>& fields, PotentialEntry& out) {
        finish_line();
        if (at_end()) return false;
        out.fields = fields;
        out.words.clear();
        out.lines.clear();
        out.file = name_;
        const int start = int(line_) + 1;
        while (out.words.size() < fields.size()) {
            skip_to_word();
            if (line_ >= lines_.size())
                throw Error(str("the file ends inside the entry that starts at line ", start, ": expected field ",
                                out.words.size() + 1, " '", fields[out.words.size()], "' (an entry has ",
                                fields.size(), " fields: ", join(fields), ")"),
                            detail::at_line(name_, int(lines_.size())), "complete the entry or remove it");
            while (word_ < words_.size() && out.words.size() < fields.size()) {
                out.words.push_back(words_[word_++]);
                out.lines.push_back(int(line_) + 1);
            }
            last_line_ = int(line_) + 1;
            if (out.words.size() == fields.size() && word_ < words_.size())
                throw Error(str("the entry that starts at line ", start, " has more than ", fields.size(),
                                " fields: '", words_[word_], "' follows the last field '", fields.back(), "'"),
                            where(), str("an entry is ", join(fields)));
            finish_line();
        }
        return true;
    }

    [[noreturn]] void fail(const std::string& what, const std::string& hint = "fix the potential file") const {
        throw Error(what, where(), hint);
    }

    static std::string join(const std::vector<std::string>& v) {
        std::string s;
        for (std::size_t k = 0; k < v.size(); ++k) s += (k ? " " : "") + v[k];
        return s;
    }

private:
    PotentialFileReader(std::istream& in, std::string name) : name_(std::move(name)) { split_lines(in); }

    void split_lines(std::istream& in) {
        std::string l;
        while (std::getline(in, l)) {
            if (!l.empty() && l.back() == '\r') l.pop_back();  // files edited on Windows
            lines_.push_back(l);
        }
    }

    // Loads the words of the current line (comment stripped) when not yet loaded.
    void load_line() {
        if (loaded_ == line_) return;
        words_.clear();
        word_ = 0;
        const std::string& l = lines_[line_];
        std::istringstream ls(l.substr(0, l.find('#')));
        for (std::string w; ls >> w;) words_.push_back(w);
        loaded_ = line_;
    }

    void skip_to_word() {
        while (line_ < lines_.size()) {
            load_line();
            if (word_ < words_.size()) return;
            ++line_;
        }
    }

    // Drops what is left of a line some words were taken from.
    void finish_line() {
        if (line_ < lines_.size() && loaded_ == line_ && word_ > 0) ++line_;
    }

    [[noreturn]] void fail_eof(const std::string& field) const {
        throw Error(str("the file ends where '", field, "' was expected"),
                    detail::at_line(name_, int(lines_.size())), "the file is truncated or not in this format");
    }

    std::string name_;
    std::vector<std::string> lines_;
    std::size_t line_ = 0;                       // index of the current line
    std::size_t loaded_ = std::size_t(-1);       // line whose words are in words_
    std::vector<std::string> words_;
    std::size_t word_ = 0;
    int last_line_ = 0;
};

}  // namespace eipnn::io
