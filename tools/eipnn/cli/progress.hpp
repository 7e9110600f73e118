// A one-line progress bar on stderr with rate and ETA, redrawn at most ten times a second; silent
// when stderr is not a terminal unless forced (logs then get one line per 10 %).
#pragma once
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>

namespace eipnn::cli {

class Progress {
public:
    Progress(std::string label, std::size_t total) : label_(std::move(label)), total_(total), start_(clock::now()) {
        tty_ = ::isatty(STDERR_FILENO) == 1;
    }
    ~Progress() { finish(); }

    void update(std::size_t done, const std::string& extra = "") {
        done_ = done;
        const auto now = clock::now();
        const double since_draw = std::chrono::duration<double>(now - last_draw_).count();
        const bool decile = total_ > 0 && (done * 10 / total_) != (last_done_ * 10 / total_);
        if (tty_ ? since_draw < 0.1 && done < total_ : !decile) return;
        last_draw_ = now;
        last_done_ = done;
        draw(extra, false);
    }
    void finish(const std::string& extra = "") {
        if (finished_) return;
        finished_ = true;
        draw(extra, true);
    }

private:
    using clock = std::chrono::steady_clock;
    void draw(const std::string& extra, bool final_line) {
        const double elapsed = std::chrono::duration<double>(clock::now() - start_).count();
        const double rate = elapsed > 0 ? double(done_) / elapsed : 0.0;
        const double eta = rate > 0 && total_ >= done_ ? double(total_ - done_) / rate : 0.0;
        const int width = 30;
        const int filled = total_ ? int(double(width) * double(done_) / double(total_)) : width;
        std::string bar(std::size_t(filled), '#');
        bar.resize(std::size_t(width), '.');
        std::fprintf(stderr, "%s%s [%s] %zu/%zu  %.1f/s  %s %.0fs  %s%s", tty_ ? "\r" : "", label_.c_str(), bar.c_str(),
                     done_, total_, rate, final_line ? "took" : "ETA", final_line ? elapsed : eta, extra.c_str(),
                     (final_line || !tty_) ? "\n" : "");
        std::fflush(stderr);
    }
    std::string label_;
    std::size_t total_, done_ = 0, last_done_ = 0;
    clock::time_point start_, last_draw_{};
    bool tty_ = false, finished_ = false;
};

}  // namespace eipnn::cli
