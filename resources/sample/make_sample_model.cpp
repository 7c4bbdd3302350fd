// Writes the bundled sample model "slimscope-sample.onnx": a small image classifier that carries the kinds of
// bloat Slimscope finds, so a first-time user sees every finding on real-looking data. Output is byte-identical
// on every run (fixed seeds, own generator), so the build can regenerate it and tests can pin its numbers.
//
// Usage: make_sample_model <output.onnx>

#include "fixtures.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <string>
#include <vector>

namespace {

using slimscope::fixtures::Lcg;
using slimscope::fixtures::ModelBuilder;

constexpr int32_t kFloat = onnx::TensorProto::FLOAT;
constexpr int32_t kDouble = onnx::TensorProto::DOUBLE;

/// Uniform weights with He-like scale sqrt(6 / fanIn), roughly the spread of a trained ReLU network.
std::vector<float> heWeights(Lcg& rng, size_t count, size_t fanIn)
{
    return slimscope::fixtures::randomFloats(
        rng, count, static_cast<float>(std::sqrt(6.0 / static_cast<double>(fanIn))));
}

class SampleWriter {
public:
    SampleWriter()
        : m_builder(13, 8)
        , m_rng(2024)
    {
        onnx::ModelProto& model = m_builder.model();
        model.set_producer_name("slimscope make_sample_model");
        model.set_model_version(1);
        model.set_doc_string("Slimscope sample: a small CNN classifier with deliberate bloat (duplicate weights, "
                             "an unused tensor, float64 weights, a 70% zero layer, dead channels, a dead node).");
        auto* meta = model.add_metadata_props();
        meta->set_key("license");
        meta->set_value("CC0-1.0 (synthetic weights)");
        m_builder.graph().set_name("slimscope_sample");
    }

    void build()
    {
        m_builder.addInput("image", kFloat, { slimscope::fixtures::kSymbolicDim, 3, 64, 64 });
        std::string x = "image";
        x = block(x, "block1", 3, 32, {});
        // Two filters pruned to zero by an earlier run but still stored: dead channels.
        x = block(x, "block2", 32, 64, { 7, 40 });
        x = block(x, "block3", 64, 128, {});
        x = block4(x);
        x = classifier(x);
        m_builder.addOutput(x, kFloat, { slimscope::fixtures::kSymbolicDim, 10 });

        // A debugging head left in the graph: computed, then never read. Dead node.
        m_builder.addNode("Softmax", { x }, { "debug_probs" }, "classifier/debug/softmax");
        // Weights of a layer that was replaced; the exporter kept them. Unused initializer.
        m_builder.addFloatInitializer("classifier.fc_old.weight", { 10, 128 }, heWeights(m_rng, 10 * 128, 128));
    }

    slimscope::fixtures::Status save(const char* path) const { return m_builder.save(path); }

private:
    /// Conv 3x3 pads 1 -> Relu -> MaxPool 2x2, under the scope features/<name>.
    std::string block(const std::string& input, const std::string& name, size_t cin, size_t cout,
        const std::vector<size_t>& deadChannels)
    {
        const std::string prefix = "features." + name + ".conv.";
        auto weights = heWeights(m_rng, cout * cin * 9, cin * 9);
        auto bias = slimscope::fixtures::randomFloats(m_rng, cout, 0.02f);
        for (const size_t c : deadChannels) {
            std::fill_n(weights.begin() + static_cast<std::ptrdiff_t>(c * cin * 9), cin * 9, 0.0f);
            bias[c] = 0.0f;
        }
        const auto dims = std::vector<int64_t> { static_cast<int64_t>(cout), static_cast<int64_t>(cin), 3, 3 };
        m_builder.addFloatInitializer(prefix + "weight", dims, weights);
        m_builder.addFloatInitializer(prefix + "bias", { static_cast<int64_t>(cout) }, bias);
        return convReluPool(input, name, prefix + "weight", prefix + "bias");
    }

    /// block4 was exported with float64 weights and a Cast in front of its Conv: over-wide type.
    std::string block4(const std::string& input)
    {
        const size_t cin = 128;
        const size_t cout = 128;
        const double scale = std::sqrt(6.0 / static_cast<double>(cin * 9));
        std::vector<double> weights(cout * cin * 9);
        for (double& w : weights)
            w = static_cast<double>(m_rng.nextSigned()) * scale;
        m_builder.addInitializer(
            "features.block4.conv.weight", kDouble, { 128, 128, 3, 3 }, slimscope::fixtures::toBytes(weights));
        m_builder.addFloatInitializer(
            "features.block4.conv.bias", { 128 }, slimscope::fixtures::randomFloats(m_rng, cout, 0.02f));
        auto& cast = m_builder.addNode(
            "Cast", { "features.block4.conv.weight" }, { "features.block4.conv.weight_f32" }, "features/block4/cast");
        ModelBuilder::addAttrInt(cast, "to", kFloat);
        // ... and a BatchNormalization the exporter did not fold into the Conv.
        const std::string bn = "features.block4.bn.";
        m_builder.addFloatInitializer(bn + "weight", { 128 }, std::vector<float>(cout, 1.0f));
        m_builder.addFloatInitializer(bn + "bias", { 128 }, slimscope::fixtures::randomFloats(m_rng, cout, 0.02f));
        m_builder.addFloatInitializer(
            bn + "running_mean", { 128 }, slimscope::fixtures::randomFloats(m_rng, cout, 0.1f));
        m_builder.addFloatInitializer(bn + "running_var", { 128 }, std::vector<float>(cout, 1.0f));
        return convReluPool(input, "block4", "features.block4.conv.weight_f32", "features.block4.conv.bias", bn);
    }

    std::string convReluPool(const std::string& input, const std::string& name, const std::string& weight,
        const std::string& bias, const std::string& batchNorm = {})
    {
        const std::string scope = "features/" + name + "/";
        auto& conv = m_builder.addNode("Conv", { input, weight, bias }, { scope + "conv_out" }, scope + "conv");
        ModelBuilder::addAttrInts(conv, "kernel_shape", { 3, 3 });
        ModelBuilder::addAttrInts(conv, "pads", { 1, 1, 1, 1 });
        std::string activation = scope + "conv_out";
        if (!batchNorm.empty()) {
            m_builder.addNode("BatchNormalization",
                { activation, batchNorm + "weight", batchNorm + "bias", batchNorm + "running_mean",
                    batchNorm + "running_var" },
                { scope + "bn_out" }, scope + "bn");
            activation = scope + "bn_out";
        }
        m_builder.addNode("Relu", { activation }, { scope + "relu_out" }, scope + "relu");
        auto& pool = m_builder.addNode("MaxPool", { scope + "relu_out" }, { scope + "pool_out" }, scope + "pool");
        ModelBuilder::addAttrInts(pool, "kernel_shape", { 2, 2 });
        ModelBuilder::addAttrInts(pool, "strides", { 2, 2 });
        return scope + "pool_out";
    }

    /// Gemm (transB, as PyTorch's Linear stores [out, in]) and an optional Relu, under classifier/<name>.
    std::string gemm(const std::string& input, const std::string& name, const std::string& weight, size_t out,
        bool relu, const std::string& outputName = {})
    {
        m_builder.addFloatInitializer("classifier." + name + ".bias", { static_cast<int64_t>(out) },
            slimscope::fixtures::randomFloats(m_rng, out, 0.02f));
        const std::string scope = "classifier/" + name;
        const std::string gemmOut = outputName.empty() ? scope + "_out" : outputName;
        auto& node = m_builder.addNode("Gemm", { input, weight, "classifier." + name + ".bias" }, { gemmOut }, scope);
        ModelBuilder::addAttrInt(node, "transB", 1);
        if (!relu)
            return gemmOut;
        m_builder.addNode("Relu", { scope + "_out" }, { scope + "_relu_out" }, scope + "_relu");
        return scope + "_relu_out";
    }

    std::string classifier(const std::string& input)
    {
        auto& flatten = m_builder.addNode("Flatten", { input }, { "classifier/flatten_out" }, "classifier/flatten");
        ModelBuilder::addAttrInt(flatten, "axis", 1);

        // fc1 holds most of the bytes and was magnitude-pruned to 70% zeros, but is still stored densely.
        auto fc1 = heWeights(m_rng, 128 * 2048, 2048);
        slimscope::fixtures::zeroRandomPositions(fc1, 183501, m_rng); // 70% of 262144, rounded up
        m_builder.addFloatInitializer("classifier.fc1.weight", { 128, 2048 }, fc1);
        std::string x = gemm("classifier/flatten_out", "fc1", "classifier.fc1.weight", 128, true);

        // fc3 was initialised from fc2 and never trained apart: the exporter stored the same bytes twice.
        const auto fc2 = heWeights(m_rng, 128 * 128, 128);
        m_builder.addFloatInitializer("classifier.fc2.weight", { 128, 128 }, fc2);
        m_builder.addFloatInitializer("classifier.fc3.weight", { 128, 128 }, fc2);
        x = gemm(x, "fc2", "classifier.fc2.weight", 128, true);
        x = gemm(x, "fc3", "classifier.fc3.weight", 128, true);

        m_builder.addFloatInitializer("classifier.fc_out.weight", { 10, 128 }, heWeights(m_rng, 10 * 128, 128));
        return gemm(x, "fc_out", "classifier.fc_out.weight", 10, false, "logits");
    }

    ModelBuilder m_builder;
    Lcg m_rng;
};

} // namespace

int main(int argc, char** argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s <output.onnx>\n", argc > 0 ? argv[0] : "make_sample_model");
        return 2;
    }
    SampleWriter writer;
    writer.build();
    if (auto saved = writer.save(argv[1]); !saved) {
        std::fprintf(stderr, "make_sample_model: %s\n", saved.error().c_str());
        return 1;
    }
    return 0;
}
