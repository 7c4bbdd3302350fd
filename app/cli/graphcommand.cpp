// slimscope-cli graph: the model's graph as DOT, or SVG through Graphviz's dot program, coloured by a measure, with
// name scopes closed down to a number of nodes and a recipe's effect when one is given.
#include "args.h"

#include "analysis/analysis.h"
#include "graph/dotgraph.h"
#include "slim/slimmer.h"

namespace slimscope::cli {

using namespace slimscope::core;

namespace {

struct GraphArgs {
    std::string model;
    std::string format = "dot";
    std::string color = "bytes";
    std::size_t maxNodes = 0;
    std::optional<std::string> recipeFile;
    std::optional<std::string> output;
};

std::unique_ptr<CLI::App> graphCommand(GraphArgs& args)
{
    auto app = makeCommand("graph", "Write the model's graph as DOT, or SVG through Graphviz's dot program.");
    app->add_option("MODEL", args.model, "the ONNX model")->required()->type_name("");
    app->add_option("--format", args.format, "dot (default) or svg (needs Graphviz's dot: apt install graphviz)")
        ->check(CLI::IsMember({ "dot", "svg" }).description(""))
        ->type_name("FORMAT");
    app->add_option("--color", args.color, "what a node's colour shows: bytes (default), params, macs, sparsity, dtype")
        ->check(CLI::IsMember({ "bytes", "params", "macs", "sparsity", "dtype" }).description(""))
        ->type_name("MEASURE");
    app->add_option("--max-nodes", args.maxNodes,
           "close name scopes, If/Loop/Scan bodies and runs of nodes into group nodes until at most N nodes show "
           "(0, the default: every node)")
        ->check(CLI::Range(std::size_t { 0 }, std::size_t { 10'000'000 }).description(""))
        ->type_name("N");
    app->add_option("--recipe", args.recipeFile,
           "show the model after this recipe (applied in memory): sizes after, removed nodes dashed, channels cut")
        ->type_name("FILE");
    addOutputOption(*app, args.output, "write to FILE instead of standard output");
    return app;
}

} // namespace

std::string graphHelp()
{
    GraphArgs args;
    return graphCommand(args)->help();
}

int runGraph(const std::vector<std::string>& raw)
{
    GraphArgs args;
    if (auto exit = parseCommand(*graphCommand(args), raw))
        return *exit;
    std::vector<InputFile> inputs { { args.model, "the input model" } };
    if (args.recipeFile)
        inputs.push_back({ *args.recipeFile, "the recipe" });
    if (auto refused = checkOutput(args.output, inputs))
        return *refused;
    std::optional<slim::Recipe> recipe;
    if (auto unreadable = readRecipeOption(args.recipeFile, recipe))
        return *unreadable;
    const auto analysis = analysis::analyzeFile(args.model);
    if (!analysis)
        return modelError(analysis.error().message);
    const auto& a = **analysis;
    graph::Figures figures = graph::figuresOf(a);
    if (recipe) {
        auto applied = slim::applyRecipe(a.modelFile, *recipe, {}, nullptr, &a);
        if (!applied)
            return modelError(applied.error().message);
        graph::applyPreview(figures, a, applied->preview, graph::removedLayers(a, *applied->model));
    }
    const graph::GroupTree tree = graph::groupLayers(a);
    const graph::Expansion expansion = args.maxNodes ? graph::expandUpTo(tree, args.maxNodes) : graph::expandAll(tree);
    std::string text
        = graph::toDot(graph::visibleGraph(a, tree, expansion, figures, *graph::parseNodeMeasure(args.color)));
    if (args.format == "svg") {
        auto svg = graph::runDot(text, "svg");
        if (!svg)
            return modelError(svg.error().message);
        text = std::move(*svg);
    }
    return emitOutput(args.output, text, a.modelFile->inputFiles());
}

} // namespace slimscope::cli
