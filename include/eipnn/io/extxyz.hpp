// Extended XYZ (ASE-compatible) in one include: Frame (structure + typed info + extra per-atom
// columns), the streaming ExtxyzReader / ExtxyzWriter, and whole-file conveniences.
//
//   ExtxyzReader r("train.extxyz");  Frame f;
//   while (r.next(f)) { double e = f.info_real("energy"); const auto& F = f.column_real("forces"); }
//
//   ExtxyzWriter w("out.extxyz");  w.write(f);  w.close();   // written to out.extxyz.tmp, renamed
#pragma once
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "eipnn/io/extxyz_frame.hpp"
#include "eipnn/io/extxyz_reader.hpp"
#include "eipnn/io/extxyz_writer.hpp"

namespace eipnn {

inline std::vector<Frame> read_extxyz(const std::filesystem::path& path) {
    ExtxyzReader reader(path);
    std::vector<Frame> frames;
    Frame f;
    while (reader.next(f)) frames.push_back(std::move(f));
    return frames;
}

// Parses extxyz text held in memory; `name` stands for the file in error messages.
inline std::vector<Frame> read_extxyz_string(const std::string& text, const std::string& name = "<string>") {
    std::istringstream in(text);
    ExtxyzReader reader(in, name);
    std::vector<Frame> frames;
    Frame f;
    while (reader.next(f)) frames.push_back(std::move(f));
    return frames;
}

inline void write_extxyz(const std::filesystem::path& path, const std::vector<Frame>& frames) {
    ExtxyzWriter writer(path);
    for (const auto& f : frames) writer.write(f);
    writer.close();
}

inline std::string write_extxyz_string(const std::vector<Frame>& frames) {
    std::ostringstream out;
    for (std::size_t k = 0; k < frames.size(); ++k) write_extxyz_frame(out, frames[k], str("frame ", k));
    return out.str();
}

inline std::string write_extxyz_string(const Frame& frame) { return write_extxyz_string(std::vector<Frame>{frame}); }

}  // namespace eipnn
