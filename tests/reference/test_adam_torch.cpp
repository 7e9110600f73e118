// Adam and AdamW against PyTorch's optimizers (torch 1.13, float64, per-tensor loop) over a run
// of steps with changing learning rates and gradients: parameters agree to 1e-12 relative.
#include <catch2/catch.hpp>

#include <fstream>
#include <random>
#include <sstream>

#include "eipnn/optim/adam.hpp"
#include "support/test_support.hpp"

using namespace eipnn;

namespace {

void compare_with_torch(bool adamw, double weight_decay) {
    test::require_python_module_or_skip("torch");
    // one folder per case: ctest runs the cases in parallel
    const auto dir = test::scratch_dir(str(adamw ? "adamw" : "adam", "_torch_wd", weight_decay));
    std::mt19937_64 rng(11);
    std::normal_distribution<double> g(0.0, 1.0);
    const int n = 64, steps = 40;
    std::vector<double> params(n);
    for (double& p : params) p = g(rng);
    AdamConfig cfg;
    cfg.beta1 = 0.85;
    cfg.beta2 = 0.995;
    cfg.eps = 1e-7;
    cfg.weight_decay = weight_decay;
    cfg.decoupled_weight_decay = adamw;
    Adam<double> opt(n, cfg);

    std::ostringstream in;
    in.precision(17);
    in << (adamw ? "adamw" : "adam") << " 0 " << cfg.beta1 << " " << cfg.beta2 << " " << cfg.eps << " " << weight_decay << "\n";
    for (double p : params) in << p << " ";
    in << "\n";
    std::vector<std::vector<double>> ours;
    for (int s = 0; s < steps; ++s) {
        const double lr = 1e-2 * (1.0 + 0.5 * std::sin(0.3 * s));
        std::vector<double> grads(n);
        // gradients spanning magnitudes, including tiny ones where eps matters
        for (int i = 0; i < n; ++i) grads[i] = g(rng) * std::pow(10.0, double(i % 7) - 4.0);
        in << lr;
        for (double x : grads) in << " " << x;
        in << "\n";
        opt.step(Host{1}, span_of(params), span_of(std::as_const(grads)), lr);
        ours.push_back(params);
    }
    std::ofstream(dir / "in.txt") << in.str();
    const std::string cmd = test::python() + " " + (test::test_dir() / "reference/adam_torch.py").string() + " " +
                            (dir / "in.txt").string() + " " + (dir / "out.txt").string();
    REQUIRE(test::run(cmd) == 0);
    std::ifstream out(dir / "out.txt");
    std::string line;
    for (int s = 0; s < steps; ++s) {
        REQUIRE(std::getline(out, line));
        std::istringstream ls(line);
        for (int i = 0; i < n; ++i) {
            double ref;
            ls >> ref;
            INFO("step " << s << " parameter " << i);
            REQUIRE(std::abs(ours[s][i] - ref) <= 1e-12 * std::abs(ref) + 1e-15);
        }
    }
}

}  // namespace

TEST_CASE("Adam matches torch.optim.Adam step for step", "[optim][torch]") { compare_with_torch(false, 0.0); }
TEST_CASE("Adam with L2 weight decay matches torch.optim.Adam", "[optim][torch]") { compare_with_torch(false, 0.01); }
TEST_CASE("AdamW matches torch.optim.AdamW", "[optim][torch]") { compare_with_torch(true, 0.05); }
