// Where the time of a step goes, by phase (`bench/compare schnet` prints it). Off by default: a
// PhaseScope then costs one load and one branch. With a PhaseProfile recording (PhaseProfile::
// Recording on the calling thread), each scope charges the wall-clock time since the previous
// scope event to the innermost open phase, so phase times are exclusive (a GEMM inside the heads
// counts as GEMM, not as heads) and add up to the recorded time; time outside every scope is
// "other". Scopes sit at the layer functions, outside their parallel loops, on the thread that
// drives the model; the threads those loops start are inside the phase's wall-clock time.
//
// A phase may also count the floating-point operations it executes (2 m n k for a GEMM), from
// which the report gives its rate: GEMM phases against the machine's sgemm rate, the others
// (elementwise, gathers) showing where the time is memory-bound.
#pragma once
#include <chrono>
#include <cstring>
#include <string>
#include <vector>

namespace eipnn {

class PhaseProfile {
public:
    struct Phase {
        const char* name;       // a string literal: compared by content, kept by pointer
        double seconds = 0;
        double flops = 0;
        long calls = 0;
    };

    // Makes `profile` the one the calling thread's scopes charge, until destroyed.
    class Recording {
    public:
        explicit Recording(PhaseProfile& profile) : previous_(active()) {
            active() = &profile;
            profile.start_ = profile.last_ = Clock::now();
            profile.stack_.clear();
            profile.muted_ = 0;
        }
        ~Recording() {
            PhaseProfile* p = active();
            p->charge(Clock::now());
            p->total_seconds_ += std::chrono::duration<double>(p->last_ - p->start_).count();
            active() = previous_;
        }
        Recording(const Recording&) = delete;
        Recording& operator=(const Recording&) = delete;

    private:
        PhaseProfile* previous_;
    };

    static PhaseProfile*& active() {
        thread_local PhaseProfile* p = nullptr;
        return p;
    }

    const std::vector<Phase>& phases() const { return phases_; }
    double total_seconds() const { return total_seconds_; }
    // Recorded time outside every scope.
    double other_seconds() const {
        double s = total_seconds_;
        for (const Phase& p : phases_) s -= p.seconds;
        return s;
    }

    void enter(const char* name, double flops, bool leaf) {
        if (muted_ > 0 || (!stack_.empty() && stack_.back().leaf)) {
            ++muted_;
            return;
        }
        charge(Clock::now());
        std::size_t k = 0;
        while (k < phases_.size() && std::strcmp(phases_[k].name, name) != 0) ++k;
        if (k == phases_.size()) phases_.push_back({name});
        phases_[k].flops += flops;
        phases_[k].calls += 1;
        stack_.push_back({k, leaf});
    }
    void leave() {
        if (muted_ > 0) {
            --muted_;
            return;
        }
        charge(Clock::now());
        stack_.pop_back();
    }

private:
    using Clock = std::chrono::steady_clock;

    // The time since the last event goes to the innermost open phase (none: "other").
    void charge(Clock::time_point now) {
        if (!stack_.empty()) phases_[stack_.back().phase].seconds += std::chrono::duration<double>(now - last_).count();
        last_ = now;
    }

    struct Open {
        std::size_t phase;
        bool leaf;
    };
    std::vector<Phase> phases_;
    std::vector<Open> stack_;
    int muted_ = 0;  // scopes opened inside a leaf phase (and inside those)
    Clock::time_point start_{}, last_{};
    double total_seconds_ = 0;
};

// Charges its lifetime to phase `name` of the recording profile, if any (see above). A leaf
// phase keeps the scopes opened inside it from recording: those of a parallel loop's body (e.g.
// an activation over one tile), which only the driving thread would see.
class PhaseScope {
public:
    explicit PhaseScope(const char* name, double flops = 0, bool leaf = false) : profile_(PhaseProfile::active()) {
        if (profile_) profile_->enter(name, flops, leaf);
    }
    ~PhaseScope() {
        if (profile_) profile_->leave();
    }
    PhaseScope(const PhaseScope&) = delete;
    PhaseScope& operator=(const PhaseScope&) = delete;

private:
    PhaseProfile* profile_;
};

}  // namespace eipnn
