// Writes the benchmark model: a chain of Gemm layers with large float32 weights, about 30 % exact zeros.
// Above 1.5 GB the weights go to OUT.onnx.data (external data): a single protobuf cannot exceed 2 GB.
// usage: make_large_model OUT.onnx [SIZE_MB=500]
#include "lcg.h"
#include "modelbuilder.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

int main(int argc, char** argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s OUT.onnx [SIZE_MB]\n", argv[0]);
        return 2;
    }
    const double sizeMb = argc > 2 ? std::atof(argv[2]) : 500.0;
    constexpr std::int64_t width = 4096; // 64 MiB per layer
    const int layers = std::max(1, static_cast<int>(sizeMb * 1024.0 * 1024.0 / (width * width * 4.0) + 0.5));
    slimscope::fixtures::ModelBuilder builder(13, 8);
    builder.addInput("x", 1, { 1, width });
    slimscope::fixtures::Lcg random(20261127);
    std::string previous = "x";
    for (int layer = 0; layer < layers; ++layer) {
        std::vector<float> weights(static_cast<std::size_t>(width * width));
        for (float& value : weights)
            value = random.below(10) < 3 ? 0.0f : random.nextSigned() * 0.05f;
        const std::string name = "layer" + std::to_string(layer);
        auto& weight = builder.addFloatInitializer(name + ".weight", { width, width }, weights);
        if (sizeMb > 1536.0)
            builder.makeExternal(weight, std::string(std::filesystem::path(argv[1]).filename()) + ".data");
        builder.addFloatInitializer(name + ".bias", { width }, std::vector<float>(width, 0.01f));
        auto& gemm = builder.addNode(
            "Gemm", { previous, name + ".weight", name + ".bias" }, { name + ".out" }, name + "/Gemm");
        slimscope::fixtures::ModelBuilder::addAttrInt(gemm, "transB", 1);
        previous = name + ".out";
    }
    builder.addOutput(previous, 1, { 1, width });
    if (auto saved = builder.save(argv[1]); !saved) {
        std::fprintf(stderr, "%s\n", saved.error().c_str());
        return 1;
    }
    return 0;
}
