// Line-oriented helpers for the EAM, spline-MEAM and EDIP parsers on top of the project's one
// LAMMPS potential-file tokenizer (io/lammps_potential_file.hpp). That reader hands out entries,
// words and raw lines; these formats also have header lines whose word count is only known once
// read ('N el1 .. elN'), knot lines 'x y y2' that must not run over into the next line, and long
// tables whose messages should say which value of how many was missing. Errors keep the reader's
// form: "<file> line <n>: <what was expected, what was found> (<hint>)".
#pragma once
#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "eipnn/core/error.hpp"
#include "eipnn/io/lammps_potential_file.hpp"

namespace eipnn::detail {

using PotentialReader = io::PotentialFileReader;

// Words of the next line that has any ('#' comments removed; blank lines skipped). At end of
// file the error names `field`.
inline std::vector<std::string> line_words(PotentialReader& r, const std::string& field) {
    for (;;) {
        const std::string line = r.raw_line(field);
        std::istringstream is(line.substr(0, line.find('#')));
        std::vector<std::string> words;
        for (std::string w; is >> w;) words.push_back(w);
        if (!words.empty()) return words;
    }
}

// `word` (read from the reader's current line) as a number / integer, or an error naming `field`.
inline double number_field(const PotentialReader& r, const std::string& word, const std::string& field) {
    double v;
    if (!io::detail::parse_double(word, v)) r.fail(str("expected ", field, " (a number), got '", word, "'"));
    return v;
}
inline int integer_field(const PotentialReader& r, const std::string& word, const std::string& field) {
    int v;
    if (!io::detail::parse_int(word, v)) r.fail(str("expected ", field, " (an integer), got '", word, "'"));
    return v;
}

// `words[k]`, or an error saying which field of `layout` is missing from the line.
inline const std::string& line_field(const PotentialReader& r, const std::vector<std::string>& words, std::size_t k,
                                     const std::string& field, const std::string& layout) {
    if (k >= words.size())
        r.fail(str("expected ", field, " (field ", k + 1, " of '", layout, "'), but the line has only ", words.size(),
                   " field(s)"));
    return words[k];
}

// n numbers of a table that may run over many lines (DYNAMO funcfl/setfl, as LAMMPS reads them).
// Messages say "<field> (value k of n)"; the per-value name is built only on error, because
// tables have thousands of values.
// The vector grows as values are read, never to the announced n up front: a header may announce
// billions of values in a file that holds a few, and must fail as truncated, not exhaust memory.
inline void table_numbers(PotentialReader& r, std::size_t n, std::vector<double>& out, const std::string& field) {
    out.clear();
    out.reserve(std::min<std::size_t>(n, std::size_t(1) << 16));
    for (std::size_t k = 0; k < n; ++k) {
        if (r.at_end())
            r.fail(str("the file ends where ", field, " (value ", k + 1, " of ", n, ") was expected"),
                   "the file is truncated; compare its table sizes with the header");
        const std::string w = r.next_word(field);
        double v;
        if (!io::detail::parse_double(w, v))
            r.fail(str("expected ", field, " (value ", k + 1, " of ", n, ", a number), got '", w, "'"));
        out.push_back(v);
    }
}

}  // namespace eipnn::detail
