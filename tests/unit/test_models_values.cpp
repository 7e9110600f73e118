// Models are values (nn/model.hpp): a copy, a copy-assignment, a move and a move-assignment each
// own their parameters, fixed inputs and head constants, and their parameter views point at their
// own layout; changing the original afterwards leaves every copy evaluating exactly as before.
// One body for every model kind.
#include <catch2/catch.hpp>

#include <utility>
#include <vector>

#include "eipnn/nn/models.hpp"
#include "support/model_fixtures.hpp"

using namespace eipnn;
using eipnn::test::model_energies;
using eipnn::test::model_test_structures;

namespace {

// Changes everything a forward reads: every parameter, the heads' constants, the fixed inputs.
template <class Model>
void perturb(Model& m) {
    for (auto& p : m.params.data) p += 0.25;
    for (double& s : m.head_scale) s *= 1.5;
    for (double& r : m.head_ref) r -= 0.5;
    m.visit_fixed_arrays([](const char*, std::vector<double>& v) {
        for (double& x : v) x *= 1.1;
    });
}

}  // namespace

TEMPLATE_TEST_CASE("models are values: copies and moves own their state", "[nn][model]", SchNet<double>,
                   SoapNet<double>) {
    using Fixture = eipnn::test::ModelFixture<TestType>;
    const std::vector<Structure> s = model_test_structures();
    TestType m = eipnn::test::small_model<TestType>(Fixture::small_config());
    const std::vector<double> before = model_energies(m, s);

    TestType copied(m);
    TestType assigned(Fixture::small_config(), 99);
    assigned = m;
    TestType source(m);
    TestType moved(std::move(source));
    TestType move_assigned(Fixture::small_config(), 98);
    move_assigned = TestType(m);
    std::vector<TestType> held;  // reallocation moves the elements
    for (int k = 0; k < 5; ++k) held.push_back(m);

    perturb(m);
    REQUIRE(model_energies(m, s) != before);  // the change is visible in the original

    auto check = [&](const TestType& c, const char* how) {
        INFO(how);
        CHECK(c.params.layout == &c.layout);
        CHECK(c.params.layout != &m.layout);
        CHECK(c.params.data.data() != m.params.data.data());
        // the views go through the copy's own layout
        const ParameterEntry& first = c.layout.entries().front();
        CHECK(c.params.view(first.name).data == c.params.data.data() + first.offset);
        CHECK(model_energies(c, s) == before);
    };
    check(copied, "copy");
    check(assigned, "copy-assignment");
    check(moved, "move");
    check(move_assigned, "move-assignment");
    for (const TestType& h : held) check(h, "element of a vector");

    // and the other way round: changing a copy leaves the original alone
    const std::vector<double> now = model_energies(m, s);
    perturb(copied);
    CHECK(model_energies(m, s) == now);
    // self-assignment keeps the model intact
    TestType& alias = assigned;
    assigned = alias;
    check(assigned, "self-assignment");
}
