// Learning-rate schedules. Each gives the rate for an optimizer step from the step index and the
// planned number of steps, so a resumed run continues on the same curve.
//  - constant
//  - linear decay from lr_start to lr_end over the run (the paper's fine-tuning: 1e-3 -> 1e-5)
//  - slanted triangular (Howard & Ruder 2018): linear warm-up from lr_max/ratio to lr_max over the
//    first cut_frac of the run, then linear decay back to lr_max/ratio (the paper's pretraining:
//    20 warm-up epochs of 100, ratio 32)
//  - reduce on plateau (PyTorch semantics: mode min, relative threshold), driven by a metric
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "eipnn/core/error.hpp"

namespace eipnn {

enum class ScheduleKind { constant, linear, slanted_triangular, plateau };

inline ScheduleKind parse_schedule_kind(const std::string& name) {
    if (name == "constant") return ScheduleKind::constant;
    if (name == "linear") return ScheduleKind::linear;
    if (name == "slanted_triangular" || name == "stlr") return ScheduleKind::slanted_triangular;
    if (name == "plateau") return ScheduleKind::plateau;
    throw Error(str("unknown learning-rate schedule '", name, "'"), "lr schedule",
                "use constant, linear, slanted_triangular or plateau");
}

struct ScheduleConfig {
    ScheduleKind kind = ScheduleKind::constant;
    double lr = 1e-3;          // constant rate; start of linear; peak of slanted triangular
    double lr_end = 1e-5;      // end of linear decay
    double cut_frac = 0.2;     // slanted triangular: fraction of steps spent warming up
    double ratio = 32;         // slanted triangular: peak / lowest rate
    double factor = 0.5;       // plateau: multiply the rate by this on a plateau
    int patience = 10;         // plateau: epochs without improvement before reducing
    double threshold = 1e-4;   // plateau: relative improvement that counts
    double min_lr = 0;         // plateau: floor
};

class LrSchedule {
public:
    LrSchedule() = default;
    LrSchedule(ScheduleConfig config, std::int64_t total_steps) : c_(config), total_(total_steps), plateau_lr_(config.lr) {
        if (!(c_.lr > 0)) throw Error(str("learning rate must be positive, got ", c_.lr), "lr schedule");
        if (total_ < 1) throw Error(str("a schedule needs at least one step, got ", total_), "lr schedule");
        if (c_.kind == ScheduleKind::slanted_triangular && !(c_.cut_frac > 0 && c_.cut_frac < 1 && c_.ratio >= 1))
            throw Error(str("slanted triangular needs 0 < cut_frac < 1 and ratio >= 1, got ", c_.cut_frac, ", ", c_.ratio),
                        "lr schedule");
    }

    // Rate for step t = 0, 1, ..., total_steps - 1.
    double lr(std::int64_t t) const {
        switch (c_.kind) {
            case ScheduleKind::constant: return c_.lr;
            case ScheduleKind::plateau: return plateau_lr_;
            case ScheduleKind::linear: {
                const double f = total_ > 1 ? double(std::min(t, total_ - 1)) / double(total_ - 1) : 1.0;
                return c_.lr + (c_.lr_end - c_.lr) * f;
            }
            case ScheduleKind::slanted_triangular: {
                const double cut = std::max(1.0, std::floor(double(total_) * c_.cut_frac));
                const double p = double(t) < cut ? double(t) / cut
                                                 : std::max(0.0, 1.0 - (double(t) - cut) / (cut * (1.0 / c_.cut_frac - 1.0)));
                return c_.lr * (1.0 + p * (c_.ratio - 1.0)) / c_.ratio;
            }
        }
        return c_.lr;
    }

    // Reduce-on-plateau bookkeeping, called once per epoch with the validation metric; returns
    // true when the rate was reduced. A no-op for the other kinds.
    bool observe(double metric) {
        if (c_.kind != ScheduleKind::plateau) return false;
        if (metric < best_ * (1.0 - c_.threshold)) {
            best_ = metric;
            bad_epochs_ = 0;
            return false;
        }
        if (++bad_epochs_ > c_.patience) {
            const double reduced = std::max(c_.min_lr, plateau_lr_ * c_.factor);
            bad_epochs_ = 0;
            if (plateau_lr_ - reduced > 1e-8 * plateau_lr_) {
                plateau_lr_ = reduced;
                return true;
            }
        }
        return false;
    }

    const ScheduleConfig& config() const { return c_; }
    std::int64_t total_steps() const { return total_; }
    // State a checkpoint must carry for the plateau schedule.
    double plateau_lr() const { return plateau_lr_; }
    double plateau_best() const { return best_; }
    int plateau_bad_epochs() const { return bad_epochs_; }
    void restore_plateau(double lr, double best, int bad_epochs) {
        plateau_lr_ = lr;
        best_ = best;
        bad_epochs_ = bad_epochs;
    }

private:
    ScheduleConfig c_;
    std::int64_t total_ = 1;
    double plateau_lr_ = 1e-3;
    double best_ = std::numeric_limits<double>::infinity();
    int bad_epochs_ = 0;
};

}  // namespace eipnn
