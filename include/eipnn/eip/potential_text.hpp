// A small reader for the text potential files of the EAM, spline-MEAM and EDIP parsers: whole
// lines with their numbers, or a stream of numbers that may run over several lines (DYNAMO's
// funcfl/setfl tables, like LAMMPS' reader). Every error names the file, the line and the field
// that was expected, so a user can fix a hand-edited file without reading the parser.
#pragma once
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "eipnn/core/error.hpp"

namespace eipnn {

class PotentialText {
public:
    // `what` names the format for messages, e.g. "EAM setfl file".
    PotentialText(const std::string& path, const std::string& what) : path_(path), what_(what), in_(path) {
        if (!in_)
            throw Error(str("cannot open ", what, " '", path, "'"), "potential file",
                        "check the path (relative paths are looked up from the working directory)");
    }

    const std::string& path() const { return path_; }
    int line_number() const { return line_no_; }
    std::string where() const { return str(path_, ":", line_no_); }

    [[noreturn]] void fail(const std::string& problem, const std::string& hint = "") const {
        throw Error(problem, where(), hint.empty() ? str("fix the ", what_) : hint);
    }

    // Next raw line; false at end of file. Drops the unread numbers of the current line.
    bool next_line(std::string& line) {
        tokens_.clear();
        pos_ = 0;
        if (!std::getline(in_, line)) return false;
        ++line_no_;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        return true;
    }

    // Next line that is neither empty nor (when `comment` is non-zero) a comment; split into words.
    std::vector<std::string> next_words(const char* expected, char comment = 0) {
        std::string line;
        for (;;) {
            if (!next_line(line)) {
                ++line_no_;
                fail(str("file ends where ", expected, " was expected"));
            }
            if (comment) {
                const auto c = line.find(comment);
                if (c != std::string::npos) line.erase(c);
            }
            auto w = split(line);
            if (!w.empty()) return w;
        }
    }

    // Starts the number stream at the next line (the rest of the current one is ignored).
    void begin_numbers() { tokens_.clear(), pos_ = 0; }

    // Next number of the stream, continuing onto following lines as LAMMPS' `grab` does.
    double next_double(const std::string& expected) {
        while (pos_ >= tokens_.size()) {
            std::string line;
            if (!next_line(line)) {
                ++line_no_;
                fail(str("file ends where ", expected, " was expected"),
                     str("the ", what_, " is truncated; compare its table sizes with the header"));
            }
            tokens_ = split(line);
        }
        return to_double(tokens_[pos_++], expected);
    }

    void next_doubles(std::size_t n, std::vector<double>& out, const std::string& expected) {
        out.resize(n);
        for (std::size_t k = 0; k < n; ++k) out[k] = next_double(str(expected, " (value ", k + 1, " of ", n, ")"));
    }

    double to_double(const std::string& word, const std::string& expected) const {
        const char* s = word.c_str();
        char* end = nullptr;
        errno = 0;
        const double v = std::strtod(s, &end);
        if (end == s || *end != '\0' || errno == ERANGE)
            fail(str("expected ", expected, " (a number), found '", word, "'"));
        return v;
    }

    int to_int(const std::string& word, const std::string& expected) const {
        const char* s = word.c_str();
        char* end = nullptr;
        errno = 0;
        const long v = std::strtol(s, &end, 10);
        if (end == s || *end != '\0' || errno == ERANGE || v < -2147483647L || v > 2147483647L)
            fail(str("expected ", expected, " (an integer), found '", word, "'"));
        return int(v);
    }

    static std::vector<std::string> split(const std::string& line) {
        std::vector<std::string> words;
        std::istringstream is(line);
        std::string w;
        while (is >> w) words.push_back(w);
        return words;
    }

private:
    std::string path_, what_;
    std::ifstream in_;
    int line_no_ = 0;
    std::vector<std::string> tokens_;
    std::size_t pos_ = 0;
};

}  // namespace eipnn
