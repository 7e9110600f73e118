// The library's one exception type. Every message says what went wrong, where, and what to do,
// so a user reading it in a log does not need the source to act on it.
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>

namespace eipnn {

class Error : public std::runtime_error {
public:
    // what: the problem ("distance 0 between atoms 3 and 7"); where: the place ("structure 12 of
    // train.extxyz", "neighbor_list"); hint: what the user can do ("remove overlapping atoms").
    Error(const std::string& what, const std::string& where, const std::string& hint = "")
        : std::runtime_error(compose(what, where, hint)), what_(what), where_(where), hint_(hint) {}

    const std::string& problem() const { return what_; }
    const std::string& location() const { return where_; }
    const std::string& hint() const { return hint_; }

private:
    static std::string compose(const std::string& what, const std::string& where, const std::string& hint) {
        std::string msg = where.empty() ? what : where + ": " + what;
        if (!hint.empty()) msg += " (" + hint + ")";
        return msg;
    }
    std::string what_, where_, hint_;
};

// Builds a message from streamable pieces: str("atom ", i, " at ", x).
template <class... Parts>
std::string str(const Parts&... parts) {
    std::ostringstream os;
    os.precision(17);
    (os << ... << parts);
    return os.str();
}

}  // namespace eipnn
