// libFuzzer target: a model file's bytes -> load -> analyze -> what the views and reports read from an analysis
// (JSON, Markdown, the graph's groups and its DOT text). Errors are fine; crashes, leaks, undefined behaviour,
// hangs and runaway memory are not.

#include "analysis/analysis.h"
#include "fuzzsupport.h"
#include "graph/dotgraph.h"
#include "graph/layergroups.h"
#include "model/modelfile.h"
#include "report/analysiswriters.h"

#include <sstream>

using namespace slimscope::core;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const auto path = slimscope::fuzz::writeScratch("model.onnx", data, size);
    auto file = model::ModelFile::load(path);
    if (!file) {
        slimscope::fuzz::require(!file.error().message.empty(), "a load error says why");
        return 0;
    }
    analysis::AnalyzeOptions options;
    options.computeSha256 = false; // hashing bytes cannot fail and only slows each run down
    auto analyzed = analysis::analyze(*file, {}, nullptr, options);
    if (!analyzed) {
        slimscope::fuzz::require(!analyzed.error().message.empty(), "an analysis error says why");
        return 0;
    }
    const analysis::Analysis& result = **analyzed;
    std::ostringstream sink;
    report::writeAnalysisJson(sink, result);
    report::writeAnalysisMarkdown(sink, result);
    const graph::GroupTree tree = graph::groupLayers(result);
    const graph::Expansion outline = graph::expandUpTo(tree, 160);
    slimscope::fuzz::require(graph::visibleNodeCount(tree, outline) <= result.layers.size() + tree.groups.size(),
        "the outline shows no more nodes than the graph has layers and groups");
    sink << graph::toDot(result, graph::DotOptions { .maxNodes = 40 });
    return 0;
}
