#pragma once

// Helpers for tst_slim: recipes by name, slimming a file to disk, and reading what was written with protobuf alone
// (never through the loader under test), plus the test's own rules for which tensors a default scope selects.

#include "fixtures.h"
#include "npy.h"
#include "runtime/inputs.h"
#include "runtime/session.h"
#include "runtime/verify.h"
#include "slim/exporter.h"
#include "slim/recipe.h"
#include "slim/slimmer.h"
#include "slim/steps/cleanup.h"
#include "slim/steps/prune.h"
#include "slim/steps/quantize.h"
#include "slim/steps/sparsestorage.h"
#include "testenv.h"

#include <QString>
#include <QStringList>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <expected>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace slimtest {

namespace fs = std::filesystem;
namespace slim = slimscope::core::slim;
namespace fx = slimscope::fixtures;
namespace rt = slimscope::core::runtime;
namespace model = slimscope::core::model;

/// The error message of a failed result, empty on success (QVERIFY2 evaluates its message even when it passes).
template <class T> QString errorOf(const std::expected<T, slimscope::core::Error>& result)
{
    return result ? QString() : QString::fromStdString(result.error().message);
}

template <class T> QString errorOf(const std::expected<T, QString>& result)
{
    return result ? QString() : result.error();
}

// --- recipes ---------------------------------------------------------------------------------------------------

inline slim::Scope scopeWithMin(std::uint64_t minElements)
{
    slim::Scope scope;
    scope.minElements = minElements;
    return scope;
}

/// "cleanup", "prune-layer", "prune-global", "int8", "int8-per-tensor", "int8-asymmetric", "fp16", "sparse-auto",
/// "sparse-always"; a "-all" suffix sets min_elements 0 (biases are still skipped).
inline slim::Recipe recipeFor(QString kind)
{
    slim::Scope scope;
    if (kind.endsWith(QStringLiteral("-all"))) {
        scope.minElements = 0;
        kind.chop(4);
    }
    using S = slim::SparseStorageStep;
    slim::StepParams params = slim::CleanupStep {};
    if (kind == u"prune-layer")
        params = slim::PruneStep { 0.5, slim::PruneStep::Mode::Layer };
    else if (kind == u"prune-global")
        params = slim::PruneStep { 0.6, slim::PruneStep::Mode::Global };
    else if (kind == u"int8")
        params = slim::QuantizeInt8Step { true, true };
    else if (kind == u"int8-per-tensor")
        params = slim::QuantizeInt8Step { false, true };
    else if (kind == u"int8-asymmetric")
        params = slim::QuantizeInt8Step { true, false };
    else if (kind == u"fp16")
        params = slim::QuantizeFp16Step {};
    else if (kind == u"sparse-auto")
        params = S { S::Policy::Auto };
    else if (kind == u"sparse-always")
        params = S { S::Policy::Always };
    else if (kind != u"cleanup")
        qFatal("unknown step kind %s", qPrintable(kind));
    return slim::Recipe { { slim::Step { params, scope, true } } };
}

inline slim::Recipe single(slim::StepParams params, slim::Scope scope = {})
{
    return slim::Recipe { { slim::Step { std::move(params), std::move(scope), true } } };
}

// --- slimming to disk ------------------------------------------------------------------------------------------

struct Slimmed {
    std::shared_ptr<const slimscope::core::model::ModelFile> input;
    slim::SlimResult result;
    slim::ExportResult exported;
};

/// Loads `input`, applies `recipe` and writes `output`; the error says which stage failed.
inline std::expected<Slimmed, QString> slimFile(
    const fs::path& input, const slim::Recipe& recipe, const fs::path& output, const slim::ExportOptions& options = {})
{
    auto file = slimscope::core::model::ModelFile::load(input);
    if (!file)
        return std::unexpected(QStringLiteral("load: ") + QString::fromStdString(file.error().message));
    auto result = slim::applyRecipe(*file, recipe);
    if (!result)
        return std::unexpected(QStringLiteral("applyRecipe: ") + QString::fromStdString(result.error().message));
    auto exported = slim::exportModel(*result->model, output, options);
    if (!exported)
        return std::unexpected(QStringLiteral("exportModel: ") + QString::fromStdString(exported.error().message));
    return Slimmed { *file, std::move(*result), std::move(*exported) };
}

inline std::string readAll(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

/// Every entry under `dir`, relative, sorted.
inline std::vector<std::string> listing(const fs::path& dir)
{
    std::vector<std::string> names;
    std::error_code error;
    for (auto it = fs::recursive_directory_iterator(dir, error); it != fs::recursive_directory_iterator(); ++it)
        names.push_back(fs::relative(it->path(), dir).string());
    std::ranges::sort(names);
    return names;
}

// --- reading models with protobuf alone -------------------------------------------------------------------------

inline std::optional<onnx::ModelProto> readProto(const fs::path& path)
{
    onnx::ModelProto proto;
    if (!proto.ParseFromString(readAll(path)))
        return std::nullopt;
    return proto;
}

inline const onnx::TensorProto* findInitializer(const onnx::GraphProto& graph, const std::string& name)
{
    for (const auto& tensor : graph.initializer())
        if (tensor.name() == name)
            return &tensor;
    return nullptr;
}

/// The initializers of `graph` and the tensor values of its Constant nodes (named after their output).
inline std::vector<const onnx::TensorProto*> storedWeights(const onnx::GraphProto& graph)
{
    std::vector<const onnx::TensorProto*> out;
    for (const auto& tensor : graph.initializer())
        out.push_back(&tensor);
    for (const auto& node : graph.node())
        if (node.op_type() == "Constant" && node.attribute_size() == 1 && node.attribute(0).has_t()
            && node.attribute(0).t().name() == node.output(0))
            out.push_back(&node.attribute(0).t());
    return out;
}

/// An initializer, or the tensor value of the Constant node that outputs `name`.
inline const onnx::TensorProto* findStored(const onnx::GraphProto& graph, const std::string& name)
{
    for (const auto* tensor : storedWeights(graph))
        if (tensor->name() == name)
            return tensor;
    return nullptr;
}

inline const onnx::SparseTensorProto* findSparse(const onnx::GraphProto& graph, const std::string& name)
{
    for (const auto& sparse : graph.sparse_initializer())
        if (sparse.values().name() == name)
            return &sparse;
    return nullptr;
}

inline const onnx::NodeProto* findProducer(const onnx::GraphProto& graph, const std::string& output)
{
    for (const auto& node : graph.node())
        if (std::ranges::find(node.output(), output) != node.output().end())
            return &node;
    return nullptr;
}

inline std::optional<std::int64_t> intAttribute(const onnx::NodeProto& node, const std::string& name)
{
    for (const auto& attribute : node.attribute())
        if (attribute.name() == name)
            return attribute.i();
    return std::nullopt;
}

inline std::int64_t elementsOf(const onnx::TensorProto& tensor)
{
    std::int64_t count = 1;
    for (const auto dim : tensor.dims())
        count *= dim;
    return count;
}

/// Element bytes of a tensor stored inline: raw_data, or float_data/int32_data re-packed little-endian.
template <class T> std::vector<T> valuesOf(const onnx::TensorProto& tensor)
{
    std::vector<T> values(static_cast<std::size_t>(elementsOf(tensor)));
    if (tensor.has_raw_data() || tensor.float_data_size() == 0) {
        if (tensor.raw_data().size() == values.size() * sizeof(T))
            std::memcpy(values.data(), tensor.raw_data().data(), tensor.raw_data().size());
        else
            values.clear(); // wrong size: let the caller's size check fail
        return values;
    }
    if constexpr (std::is_same_v<T, float>)
        values.assign(tensor.float_data().begin(), tensor.float_data().end());
    return values;
}

/// The dense float values of a FLOAT sparse initializer with linear int64 indices.
inline std::vector<float> densify(const onnx::SparseTensorProto& sparse)
{
    std::int64_t count = 1;
    for (const auto dim : sparse.dims())
        count *= dim;
    std::vector<float> dense(static_cast<std::size_t>(count), 0.0f);
    const auto values = valuesOf<float>(sparse.values());
    const auto indices = valuesOf<std::int64_t>(sparse.indices());
    for (std::size_t i = 0; i < values.size() && i < indices.size(); ++i)
        dense.at(static_cast<std::size_t>(indices[i])) = values[i];
    return dense;
}

inline bool bitwiseEqual(const std::vector<float>& a, const std::vector<float>& b)
{
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

inline std::size_t zerosIn(const std::vector<float>& values)
{
    return static_cast<std::size_t>(std::ranges::count(values, 0.0f));
}

// --- the test's own scope rules ---------------------------------------------------------------------------------

/// The GRAPH attribute `attribute` ("then_branch", "body") of the first node in `main` that has one, or null.
inline const onnx::GraphProto* branchGraph(const onnx::GraphProto& main, const std::string& attribute)
{
    for (const auto& node : main.node())
        for (const auto& a : node.attribute())
            if (a.name() == attribute && a.has_g())
                return &a.g();
    return nullptr;
}

/// Initializer name -> nodes of the main graph that read it (node, input slot).
inline std::multimap<std::string, std::pair<const onnx::NodeProto*, int>> consumers(const onnx::GraphProto& graph)
{
    std::multimap<std::string, std::pair<const onnx::NodeProto*, int>> result;
    for (const auto& node : graph.node())
        for (int i = 0; i < node.input_size(); ++i)
            result.insert({ node.input(i), { &node, i } });
    return result;
}

/// The default scope as documented in recipe.h: FLOAT, at least `minElements` elements, rank >= 2, not read as the
/// bias of Conv/Gemm and not by a normalisation op.
inline bool inDefaultScope(
    const onnx::GraphProto& graph, const onnx::TensorProto& tensor, std::int64_t minElements = 1024)
{
    if (tensor.data_type() != onnx::TensorProto::FLOAT || elementsOf(tensor) < minElements || tensor.dims_size() < 2)
        return false;
    const auto uses = consumers(graph);
    const auto [first, last] = uses.equal_range(tensor.name());
    for (auto it = first; it != last; ++it) {
        const std::string& op = it->second.first->op_type();
        if ((op == "Conv" || op == "Gemm") && it->second.second == 2)
            return false;
        if (op.find("Normalization") != std::string::npos)
            return false;
    }
    return true;
}

/// Output-channel axis for per-channel INT8, from the consumer: Conv weight 0, Gemm B 0 with transB=1 else 1,
/// MatMul B its last axis.
inline int expectedAxis(const onnx::GraphProto& graph, const onnx::TensorProto& tensor)
{
    const auto uses = consumers(graph);
    const auto it = uses.find(tensor.name());
    if (it == uses.end())
        return -1;
    const onnx::NodeProto& node = *it->second.first;
    if (node.op_type() == "Conv")
        return 0;
    if (node.op_type() == "Gemm")
        return intAttribute(node, "transB").value_or(0) != 0 ? 0 : 1;
    if (node.op_type() == "MatMul")
        return tensor.dims_size() - 1;
    return -1;
}

/// A small MLP with realistic weights: each is a sum of four uniform draws (close to a normal distribution) scaled
/// by 1/sqrt(fan-in), biases small. x[1,128] -> fc1 (Gemm 256, transB) -> Relu -> fc2 (Gemm 64, transB) -> Relu ->
/// fc3 (MatMul [64,10]) -> Add -> logits[1,10].
inline fx::ModelBuilder realisticMlp(int opset = 13, std::int64_t irVersion = 8)
{
    fx::ModelBuilder b(opset, irVersion);
    fx::Lcg rng(42);
    const auto normalish = [&](std::size_t count, double fanIn) {
        std::vector<float> values(count);
        for (float& v : values)
            v = static_cast<float>((rng.nextSigned() + rng.nextSigned() + rng.nextSigned() + rng.nextSigned()) / 2.0
                / std::sqrt(fanIn) * 1.7);
        return values;
    };
    b.addFloatInitializer("fc1.weight", { 256, 128 }, normalish(256 * 128, 128));
    b.addFloatInitializer("fc1.bias", { 256 }, fx::randomFloats(rng, 256, 0.05f));
    b.addFloatInitializer("fc2.weight", { 64, 256 }, normalish(64 * 256, 256));
    b.addFloatInitializer("fc2.bias", { 64 }, fx::randomFloats(rng, 64, 0.05f));
    b.addFloatInitializer("fc3.weight", { 64, 10 }, normalish(64 * 10, 64));
    b.addFloatInitializer("fc3.bias", { 10 }, fx::randomFloats(rng, 10, 0.05f));
    b.addInput("x", onnx::TensorProto::FLOAT, { 1, 128 });
    fx::ModelBuilder::addAttrInt(b.addNode("Gemm", { "x", "fc1.weight", "fc1.bias" }, { "h1" }, "fc1"), "transB", 1);
    b.addNode("Relu", { "h1" }, { "r1" }, "relu1");
    fx::ModelBuilder::addAttrInt(b.addNode("Gemm", { "r1", "fc2.weight", "fc2.bias" }, { "h2" }, "fc2"), "transB", 1);
    b.addNode("Relu", { "h2" }, { "r2" }, "relu2");
    b.addNode("MatMul", { "r2", "fc3.weight" }, { "h3" }, "fc3");
    b.addNode("Add", { "h3", "fc3.bias" }, { "logits" }, "fc3_bias");
    b.addOutput("logits", onnx::TensorProto::FLOAT, { 1, 10 });
    return b;
}

/// x[1,64] -> MatMul w90 ([64,64], exactly 90 % zeros) -> MatMul w50 ([64,64], exactly 50 % zeros) -> y[1,64].
inline fx::ModelBuilder sparseCandidates()
{
    fx::ModelBuilder b(13, 8);
    fx::Lcg rng(7);
    auto w90 = fx::randomFloats(rng, 4096, 0.2f);
    fx::zeroRandomPositions(w90, 3686, rng); // 4096 - 410 non-zeros
    auto w50 = fx::randomFloats(rng, 4096, 0.2f);
    fx::zeroRandomPositions(w50, 2048, rng);
    b.addFloatInitializer("w90", { 64, 64 }, w90);
    b.addFloatInitializer("w50", { 64, 64 }, w50);
    b.addInput("x", onnx::TensorProto::FLOAT, { 1, 64 });
    b.addNode("MatMul", { "x", "w90" }, { "h" }, "mm90");
    b.addNode("MatMul", { "h", "w50" }, { "y" }, "mm50");
    b.addOutput("y", onnx::TensorProto::FLOAT, { 1, 64 });
    return b;
}

// --- shared by the slim suites ----------------------------------------------------------------------------------

inline constexpr int32_t kFloat = onnx::TensorProto::FLOAT;

/// A model saved for the tests, with its in-memory original.
struct Model {
    fx::ModelBuilder builder; // the original, in memory: the reference for every value check
    std::int64_t params = 0;
    fs::path path;
};

inline const QStringList kKinds { "cleanup", "prune-layer", "prune-global", "int8", "int8-per-tensor",
    "int8-asymmetric", "fp16", "sparse-auto", "sparse-always", "int8-all", "fp16-all", "prune-layer-all" };

struct OwnComparison {
    double cosine = 1;
    double maxRelative = 0; ///< max |ref - out| / max |ref|
};

/// The oracle's own inputs: its own generator and seed (never the product's randomInputs), uniform in [-1, 1)
/// for float32 inputs, symbolic dimensions 1. Other input types are not needed by the fixtures.
inline std::expected<std::vector<rt::HostTensor>, QString> oracleInputs(const std::vector<rt::TensorInfo>& inputs)
{
    slimscope::fixtures::Lcg rng(20261202);
    std::vector<rt::HostTensor> feeds;
    for (const auto& input : inputs) {
        if (input.dtype != model::DataType::Float)
            return std::unexpected(
                QStringLiteral("oracle inputs: %1 is not float32").arg(QString::fromStdString(input.name)));
        rt::HostTensor tensor { input.name, input.dtype, input.shape, {} };
        for (auto& dim : tensor.shape)
            dim = dim < 0 ? 1 : dim;
        const auto values = slimscope::fixtures::randomFloats(rng, tensor.elementCount(), 1.0f);
        tensor.data.resize(values.size() * sizeof(float));
        std::memcpy(tensor.data.data(), values.data(), tensor.data.size());
        feeds.push_back(std::move(tensor));
    }
    return feeds;
}

/// Runs both models on the oracle's own seeded inputs and compares every output here, independently of verify()
/// and of the product's input generator.
inline std::expected<std::vector<OwnComparison>, QString> compareInRuntime(
    const fs::path& original, const fs::path& slimmed)
{
    auto a = rt::ModelSession::open(original, 1);
    auto b = rt::ModelSession::open(slimmed, 1);
    if (!a || !b)
        return std::unexpected(QString::fromStdString((!a ? a.error() : b.error()).message));
    auto feeds = oracleInputs(a->inputs());
    if (!feeds)
        return std::unexpected(feeds.error());
    auto refs = a->run(*feeds);
    auto outs = b->run(*feeds);
    if (!refs || !outs)
        return std::unexpected(QString::fromStdString((!refs ? refs.error() : outs.error()).message));
    std::vector<OwnComparison> result;
    for (std::size_t o = 0; o < refs->size(); ++o) {
        const auto& ref = (*refs)[o];
        const auto& out = (*outs)[o];
        if (ref.dtype != model::DataType::Float || out.dtype != model::DataType::Float
            || ref.data.size() != out.data.size())
            return std::unexpected(QStringLiteral("output %1 is not float32 in both").arg(o));
        std::vector<float> x(ref.data.size() / 4), y(x.size());
        std::memcpy(x.data(), ref.data.data(), ref.data.size());
        std::memcpy(y.data(), out.data.data(), out.data.size());
        double dot = 0, xx = 0, yy = 0, maxRef = 0, maxDiff = 0;
        for (std::size_t i = 0; i < x.size(); ++i) {
            dot += double(x[i]) * y[i];
            xx += double(x[i]) * x[i];
            yy += double(y[i]) * y[i];
            maxRef = std::max(maxRef, std::fabs(double(x[i])));
            maxDiff = std::max(maxDiff, std::fabs(double(x[i]) - y[i]));
        }
        result.push_back({ xx > 0 && yy > 0 ? dot / std::sqrt(xx * yy) : (xx == yy ? 1.0 : 0.0),
            maxRef > 0 ? maxDiff / maxRef : maxDiff });
    }
    return result;
}

inline rt::VerifyOptions quickVerify()
{
    rt::VerifyOptions options;
    options.runs = 1;
    options.threads = 1;
    return options;
}

/// Writes oracleInputs() of `model` as `<input name>.npy` (float32, numpy's format 1.0) into `dir`, so that
/// verify() can be fed the oracle's inputs rather than its own.
inline std::expected<void, QString> writeOracleInputs(const fs::path& model, const fs::path& dir)
{
    auto session = rt::ModelSession::open(model, 1);
    if (!session)
        return std::unexpected(QString::fromStdString(session.error().message));
    auto feeds = oracleInputs(session->inputs());
    if (!feeds)
        return std::unexpected(feeds.error());
    fs::create_directories(dir);
    for (const auto& tensor : *feeds) {
        const std::string bytes
            = slimscope::fixtures::npyBytes("<f4", tensor.shape, tensor.data.data(), tensor.data.size());
        std::ofstream out(dir / (tensor.name + ".npy"), std::ios::binary);
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        if (!out)
            return std::unexpected(QStringLiteral("cannot write the oracle's inputs"));
    }
    return {};
}

/// Every fixture and test-built model saved in a temporary folder, plus fresh output folders per test row.
class ModelSet {
public:
    /// Saves the models; false (with a message) when the temporary folder or a file cannot be written.
    bool setUp(QString& error)
    {
        if (!m_dir.isValid()) {
            error = m_dir.errorString();
            return false;
        }
        try {
            for (auto [name, fixture] : { std::pair { "linearChain", fx::linearChain() }, { "convNet", fx::convNet() },
                     { "bloated", fx::bloated() }, { "ifSubgraphs", fx::ifSubgraphs() },
                     { "initializerAsInput", fx::initializerAsInput() }, { "everyDtype", fx::everyDtype() } })
                add(QString::fromLatin1(name), std::move(fixture.builder), fixture.truth.totalParams);
            fx::Fixture external = fx::externalData(dir() / "in" / "externalData");
            m_models.emplace(QStringLiteral("externalData"),
                Model { std::move(external.builder), external.truth.totalParams, external.path });
            add(QStringLiteral("mlp"), realisticMlp());
            add(QStringLiteral("mlpOpset11"), realisticMlp(11, 6));
            add(QStringLiteral("mlpOpset9"), realisticMlp(9, 4)); // DequantizeLinear needs an upgrade
            add(QStringLiteral("sparse"), sparseCandidates());
        } catch (const std::exception& e) {
            error = QString::fromStdString(e.what());
            return false;
        }
        return true;
    }

    const Model& at(const QString& name) const { return m_models.at(name); }
    const std::map<QString, Model>& all() const { return m_models; }
    fs::path dir() const { return fs::path(m_dir.path().toStdString()); }

    /// A fresh, empty folder for one test row's output.
    fs::path outputDir(const QString& name) const
    {
        const fs::path path
            = dir() / "out" / QString::fromLatin1(QTest::currentTestFunction()).toStdString() / name.toStdString();
        fs::remove_all(path);
        fs::create_directories(path);
        return path;
    }

private:
    void add(const QString& name, fx::ModelBuilder builder, std::int64_t params = -1)
    {
        const fs::path path = dir() / "in" / name.toStdString() / "model.onnx";
        if (auto saved = builder.save(path); !saved)
            throw std::runtime_error(saved.error());
        if (params < 0) {
            params = 0;
            for (const auto& tensor : builder.model().graph().initializer())
                params += elementsOf(tensor);
        }
        m_models.emplace(name, Model { std::move(builder), params, path });
    }

    QTemporaryDir m_dir;
    std::map<QString, Model> m_models;
};

} // namespace slimtest

#define REQUIRE_RUNTIME()                                                                                              \
    do {                                                                                                               \
        if constexpr (SLIMSCOPE_HAVE_ONNXRUNTIME == 0)                                                                 \
            SLIMSCOPE_SKIP("built without ONNX Runtime");                                                              \
    } while (false)

#define TRY_SLIM(var, ...)                                                                                             \
    auto var = slimFile(__VA_ARGS__);                                                                                  \
    QVERIFY2(var.has_value(), qPrintable(errorOf(var)))
