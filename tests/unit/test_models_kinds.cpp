// Model kinds (nn/models.hpp): a checkpoint or a text-weights file of one kind read as another is
// an error that names both kinds; with_model_kind dispatches every kind and rejects an unknown
// one; a checkpoint the trainer writes reads back, by its kind, as the model it trained.
#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <type_traits>

#include "eipnn/nn/model_weights_io.hpp"
#include "eipnn/nn/models.hpp"
#include "eipnn/train/energy_trainer.hpp"
#include "eipnn/train/model_checkpoint.hpp"
#include "eipnn/train/model_inputs.hpp"
#include "support/model_fixtures.hpp"

using namespace eipnn;
using eipnn::test::model_energies;
using eipnn::test::model_test_structures;

namespace {

// A wrong-kind error names what the file holds, what was asked for, and the file.
void check_names_both(const std::string& message, const char* stored, const char* asked, const char* file) {
    INFO(message);
    CHECK(message.find(str("'", stored, "'")) != std::string::npos);
    CHECK(message.find(str("'", asked, "'")) != std::string::npos);
    CHECK(message.find(file) != std::string::npos);
}

}  // namespace

TEMPLATE_TEST_CASE("a checkpoint of one kind read as another is an error naming both", "[model][checkpoint][errors]",
                   SchNet<double>, SoapNet<double>) {
    using Other = typename eipnn::test::ModelFixture<TestType>::Other;
    const TestType m(eipnn::test::ModelFixture<TestType>::small_config());
    Checkpoint c;
    store_model(m, c);
    CHECK(stored_model_kind(c, "a.ckpt") == TestType::kind);
    CHECK_NOTHROW(require_model_kind<TestType>(c, "a.ckpt"));
    check_names_both(eipnn::test::thrown_message([&] { require_model_kind<Other>(c, "a.ckpt"); }), TestType::kind, Other::kind, "a.ckpt");
    check_names_both(eipnn::test::thrown_message([&] { model_from_checkpoint<Other>(c, "a.ckpt"); }), TestType::kind, Other::kind, "a.ckpt");
    Other other(eipnn::test::ModelFixture<Other>::small_config());
    const std::vector<double> untouched = other.params.data;
    check_names_both(eipnn::test::thrown_message([&] { load_model(c, other, "a.ckpt"); }), TestType::kind, Other::kind, "a.ckpt");
    CHECK(other.params.data == untouched);
}

TEMPLATE_TEST_CASE("text weights of one kind read as another are an error naming both", "[model][weights][errors]",
                   SchNet<double>, SoapNet<double>) {
    using Other = typename eipnn::test::ModelFixture<TestType>::Other;
    const TestType m(eipnn::test::ModelFixture<TestType>::small_config());
    const auto path = eipnn::test::scratch_dir(str("weights_kind_", TestType::kind)) / "weights.txt";
    write_model_weights(m, path.string());
    CHECK_NOTHROW(read_model_weights<TestType>(path.string()));
    const std::string message = eipnn::test::thrown_message([&] { read_model_weights<Other>(path.string()); });
    INFO(message);
    CHECK(message.find(str("'eipnn-", TestType::kind, " 1'")) != std::string::npos);  // what the file holds
    CHECK(message.find(str("not a ", Other::kind)) != std::string::npos);            // what was asked for
    CHECK(message.find(path.string()) != std::string::npos);
}

TEST_CASE("with_model_kind dispatches every kind and rejects an unknown one", "[model]") {
    std::set<std::string> seen;
    for (const std::string kind : {"schnet", "soapnet"}) {
        int calls = 0;
        with_model_kind<double>(kind, [&](auto* tag) {
            using Model = std::remove_pointer_t<decltype(tag)>;
            static_assert(is_model_v<Model>, "dispatched to a model");
            static_assert(std::is_same_v<typename Model::Scalar, double>, "in the asked scalar type");
            CHECK(Model::kind == kind);
            seen.insert(Model::kind);
            ++calls;
        });
        CHECK(calls == 1);
    }
    CHECK(seen == std::set<std::string>{"schnet", "soapnet"});
    with_model_kind<float>("soapnet", [](auto* tag) {
        CHECK(std::is_same_v<std::remove_pointer_t<decltype(tag)>, SoapNet<float>>);
    });
    CHECK(model_kind_names() == "schnet, soapnet");
    int calls = 0;
    CHECK_THROWS_WITH(with_model_kind<double>("painn", [&](auto*) { ++calls; }, "--model"),
                      Catch::Contains("unknown model kind 'painn'") && Catch::Contains("--model") &&
                          Catch::Contains("schnet, soapnet"));
    CHECK(calls == 0);
    CHECK_THROWS_AS(with_model_kind<double>("", [](auto*) {}), Error);
}

TEST_CASE("a checkpoint read by its stored kind gives the model that was stored", "[model][checkpoint]") {
    const SoapNet<double> m =
        eipnn::test::small_model<SoapNet<double>>(eipnn::test::ModelFixture<SoapNet<double>>::small_config());
    Checkpoint c;
    store_model(m, c);
    int calls = 0;
    with_model_kind<double>(stored_model_kind(c, "m.ckpt"), [&](auto* tag) {
        using Model = std::remove_pointer_t<decltype(tag)>;
        const Model loaded = model_from_checkpoint<Model>(c, "m.ckpt");
        if constexpr (std::is_same_v<Model, SoapNet<double>>) {
            CHECK(model_energies(loaded, model_test_structures()) == model_energies(m, model_test_structures()));
            ++calls;
        }
    });
    CHECK(calls == 1);
}

TEMPLATE_TEST_CASE("a checkpoint written by the trainer is readable by model_from_checkpoint", "[model][train]",
                   SchNet<double>, SoapNet<double>) {
    using Fixture = eipnn::test::ModelFixture<TestType>;
    const PreparedSet train = prepare(eipnn::test::morse_dataset(16, 1), Fixture::mo_config().cutoff);
    const PreparedSet valid = prepare(eipnn::test::morse_dataset(8, 2), Fixture::mo_config().cutoff);
    TestType m(Fixture::mo_config(), 7);
    eipnn::test::normalize_on(m, train);
    prepare_model_inputs(m, train, Host{1});
    // one epoch: the best checkpoint is the trained model itself
    const TrainOptions opt = eipnn::test::small_train_options(str("trainer_ckpt_", TestType::kind), 1);
    ModelTrainer<TestType> trainer(m, train, valid, opt);
    const TrainResult r = trainer.run();
    REQUIRE(r.best_epoch == 1);
    const Checkpoint best = read_checkpoint(opt.out);
    CHECK(stored_model_kind(best, "best") == TestType::kind);
    const TestType loaded = model_from_checkpoint<TestType>(best, "best");
    CHECK(loaded.params.data == m.params.data);
    CHECK(loaded.head_scale == m.head_scale);
    CHECK(loaded.head_ref == m.head_ref);
    std::vector<std::vector<double>> fl, fm;
    loaded.visit_fixed_arrays([&](const char*, const std::vector<double>& v) { fl.push_back(v); });
    m.visit_fixed_arrays([&](const char*, const std::vector<double>& v) { fm.push_back(v); });
    CHECK(fl == fm);
    // it reproduces the validation error the trainer recorded for it
    CHECK(energy_metrics(predict_energies(loaded, valid, Host{1}), valid).mae_meV_per_atom ==
          Approx(r.best_valid_metric).epsilon(1e-12));
    // the resumption checkpoint holds the same model, and the other kind refuses it
    const Checkpoint last = read_checkpoint(trainer.last_path());
    CHECK(model_from_checkpoint<TestType>(last, "last").params.data == m.params.data);
    CHECK_THROWS_WITH(model_from_checkpoint<typename Fixture::Other>(last, "last"), Catch::Contains(TestType::kind));
}
