// Writes the fuzz targets' seed corpora from the fixtures (no opaque blobs in the repository):
//   fuzz_seeds OUTDIR  ->  OUTDIR/model, OUTDIR/external, OUTDIR/recipe, OUTDIR/budget, OUTDIR/inputs
// Models are the fixture models' bytes; recipes one per step type and preset (and all steps in a row); budgets
// every key; inputs .npy files of several element types, a serialized TensorProto and option texts. OUTDIR/recipe.dict
// and OUTDIR/budget.dict list the words of the JSON seeds for libFuzzer's -dict.

#include "externalbundle.h"
#include "fixtures.h"
#include "npy.h"
#include "slim/recipe.h"
#include "slim/stepregistry.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace slimscope;

namespace {

int written = 0;
/// Per corpus, the quoted words of its JSON seeds (keys, kinds, enum values): libFuzzer's dictionary for it.
std::map<std::string, std::set<std::string>> dictionaries;

void collectWords(const fs::path& folder, const std::string& json)
{
    static const std::regex quoted(R"re("([A-Za-z0-9_:./%-]+)")re");
    auto& words = dictionaries[folder.filename().string()];
    for (auto it = std::sregex_iterator(json.begin(), json.end(), quoted); it != std::sregex_iterator(); ++it)
        words.insert((*it)[0].str());
}

void writeDictionaries(const fs::path& out)
{
    for (const auto& [corpus, words] : dictionaries) {
        std::ofstream dict(out / (corpus + ".dict"), std::ios::trunc);
        for (const std::string& word : words)
            dict << word << "\n";
    }
}

void writeSeed(const fs::path& folder, const std::string& name, const std::string& bytes)
{
    if (name.ends_with(".json"))
        collectWords(folder, bytes);
    fs::create_directories(folder);
    std::ofstream out(folder / name, std::ios::binary | std::ios::trunc);
    out << bytes;
    if (!out.flush()) {
        std::fprintf(stderr, "fuzz_seeds: cannot write %s\n", (folder / name).c_str());
        std::exit(1);
    }
    ++written;
}

void writeModels(const fs::path& folder)
{
    writeSeed(folder, "linear_chain.onnx", fixtures::linearChain().builder.serialize());
    writeSeed(folder, "conv_net.onnx", fixtures::convNet().builder.serialize());
    writeSeed(folder, "bloated.onnx", fixtures::bloated().builder.serialize());
    writeSeed(folder, "initializer_as_input.onnx", fixtures::initializerAsInput().builder.serialize());
    writeSeed(folder, "if_subgraphs.onnx", fixtures::ifSubgraphs().builder.serialize());
    writeSeed(folder, "scoped_chain.onnx", fixtures::scopedChain(3).serialize());
    writeSeed(folder, "every_dtype.onnx", fixtures::everyDtype().builder.serialize());
    writeSeed(folder, "opset9_matmul.onnx", fixtures::opset9MatMul().serialize());
    // Its external files are not in the corpus: the loader's errors for missing external data are covered too.
    const fs::path externalFolder = folder / ".external";
    writeSeed(folder, "external_data.onnx", fixtures::externalData(externalFolder).builder.serialize());
    fs::remove_all(externalFolder);
}

/// fuzz_external's seeds: the external-data fixture bundled with its files, whole, with one file cut short, and
/// with a file missing (an empty part).
void writeExternalBundles(const fs::path& folder)
{
    const fs::path scratch = folder / ".fixture";
    const fixtures::Fixture fixture = fixtures::externalData(scratch);
    std::vector<std::string> parts { fixture.builder.serialize() };
    for (const std::string& location :
        std::vector<std::string>(fuzz::bundleFiles().begin() + 1, fuzz::bundleFiles().end()))
        parts.push_back(fixture.builder.externalFiles().at(location));
    fs::remove_all(scratch);
    writeSeed(folder, "whole.bundle", fuzz::joinBundle(parts));
    std::vector<std::string> cut = parts;
    cut[1].resize(cut[1].size() / 2);
    writeSeed(folder, "cut_short.bundle", fuzz::joinBundle(cut));
    std::vector<std::string> missing = parts;
    missing.back().clear(); // an empty part is a file fuzz_external does not write
    writeSeed(folder, "missing_file.bundle", fuzz::joinBundle(missing));
}

core::slim::Step stepOf(core::slim::StepParams params)
{
    core::slim::Step step;
    step.params = std::move(params);
    step.scope.minElements = 16; // the fixtures' tensors are small
    return step;
}

void writeRecipes(const fs::path& folder)
{
    core::slim::Recipe everyStep;
    for (const core::slim::StepType* type : core::slim::stepTypes()) {
        std::string name(type->name());
        std::replace(name.begin(), name.end(), ':', '_');
        core::slim::Recipe single { { stepOf(type->defaults()) } };
        writeSeed(folder, name + ".json", core::slim::recipeToJson(single));
        for (const core::slim::StepPreset& preset : type->presets()) {
            core::slim::Recipe presetRecipe { { stepOf(preset.params) } };
            writeSeed(folder, name + "_" + preset.value + ".json", core::slim::recipeToJson(presetRecipe));
        }
        everyStep.steps.push_back(stepOf(type->defaults()));
    }
    writeSeed(folder, "every_step.json", core::slim::recipeToJson(everyStep));
    core::slim::Step scoped = stepOf(core::slim::findStepType("prune")->defaults());
    scoped.scope.include = { "conv", "^fc$" };
    scoped.scope.exclude = { "dw" };
    scoped.scope.opTypes = { "Conv", "Gemm" };
    scoped.scope.tensors = { "conv1.weight" };
    writeSeed(folder, "scoped.json", core::slim::recipeToJson(core::slim::Recipe { { scoped } }));
}

void writeBudgets(const fs::path& folder)
{
    writeSeed(folder, "every_key.json",
        R"({"schema": "slimscope.budget/1", "max_file_size": "25MB", "max_weight_bytes": 1048576,
            "max_params": "1.5M", "max_macs": "2G", "max_findings_bytes": "64KiB", "fail_on": "medium",
            "baseline": "linear.onnx", "max_growth": "5%"})");
    writeSeed(folder, "numbers.json",
        R"({"schema": "slimscope.budget/1", "max_file_size": 4096, "max_params": 100, "max_growth": 0.1,
            "baseline": "linear.onnx"})");
    writeSeed(folder, "fail_on.json", R"({"schema": "slimscope.budget/1", "fail_on": "info"})");
    writeSeed(folder, "empty.json", R"({"schema": "slimscope.budget/1"})");
}

void writeInputs(const fs::path& folder)
{
    writeSeed(folder, "f32.npy", fixtures::npyOf<float>("<f4", { 1, 4 }, { 0.5f, -1.0f, 2.0f, 3.5f }));
    writeSeed(folder, "i64.npy", fixtures::npyOf<std::int64_t>("<i8", { 3 }, { 1, 2, 3 }));
    writeSeed(folder, "u8_scalar.npy", fixtures::npyOf<std::uint8_t>("|u1", {}, { 7 }));
    writeSeed(folder, "f64_v2.npy", fixtures::npyBytes("<f8", { 2 }, std::vector<double> { 1.0, 2.0 }.data(), 16, 2));
    writeSeed(folder, "f16.npy", fixtures::npyOf<std::uint16_t>("<f2", { 2, 1 }, { 0x3c00, 0xc000 }));
    onnx::TensorProto tensor;
    tensor.set_name("x");
    tensor.set_data_type(onnx::TensorProto::FLOAT);
    tensor.add_dims(2);
    tensor.add_float_data(1.0f);
    tensor.add_float_data(-2.0f);
    writeSeed(folder, "tensor.pb", tensor.SerializeAsString());
    tensor.clear_float_data();
    tensor.set_raw_data(std::string(8, '\0'));
    writeSeed(folder, "tensor_raw.pb", tensor.SerializeAsString());
    writeSeed(folder, "random.txt", "random:8");
    writeSeed(folder, "dim.txt", "batch=4");
}

} // namespace

int main(int argc, char** argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: fuzz_seeds OUTDIR\n");
        return 2;
    }
    const fs::path out = argv[1];
    writeModels(out / "model");
    writeExternalBundles(out / "external");
    writeRecipes(out / "recipe");
    writeBudgets(out / "budget");
    writeInputs(out / "inputs");
    writeDictionaries(out);
    std::printf("fuzz_seeds: %d seeds in %s\n", written, out.c_str());
    return 0;
}
