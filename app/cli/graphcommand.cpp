// slimscope-cli graph: the model's graph as DOT, or SVG through Graphviz's dot program, coloured by a measure.
#include "args.h"

#include "analysis/analysis.h"
#include "graph/dotgraph.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace slimscope::cli {

using namespace slimscope::core;

namespace {

struct GraphArgs {
    std::string model;
    std::string format = "dot";
    std::string color = "bytes";
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
    addOutputOption(*app, args.output, "write to FILE instead of standard output");
    return app;
}

/// Runs `dot -Tsvg` on the DOT text (through temporary files, no shell) and returns the SVG.
Result<std::string> renderSvg(const std::string& dot)
{
    std::string folder = (std::filesystem::temp_directory_path() / "slimscope-graph-XXXXXX").string();
    if (!mkdtemp(folder.data()))
        return fail(ErrorCode::IoError, "cannot create a temporary folder for dot");
    const std::filesystem::path in = std::filesystem::path(folder) / "graph.dot";
    const std::filesystem::path out = std::filesystem::path(folder) / "graph.svg";
    const auto cleanup = [&] {
        std::error_code ignored;
        std::filesystem::remove_all(folder, ignored);
    };
    std::ofstream(in, std::ios::binary) << dot;
    std::string program = "dot", format = "-Tsvg", outFlag = "-o" + out.string(), input = in.string();
    char* argv[] = { program.data(), format.data(), outFlag.data(), input.data(), nullptr };
    pid_t pid = 0;
    if (posix_spawnp(&pid, "dot", nullptr, nullptr, argv, environ) != 0) {
        cleanup();
        return fail(ErrorCode::Unsupported,
            "--format svg needs Graphviz's dot program, which is not installed (apt install graphviz); --format dot "
            "writes the graph without it");
    }
    int status = 0;
    waitpid(pid, &status, 0);
    std::ifstream svg(out, std::ios::binary);
    std::ostringstream text;
    text << svg.rdbuf();
    cleanup();
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || text.str().empty())
        return fail(ErrorCode::Internal, "Graphviz's dot could not lay the graph out");
    return text.str();
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
    const std::vector<InputFile> inputs { { args.model, "the input model" } };
    if (auto refused = checkOutput(args.output, inputs))
        return *refused;
    const auto analysis = analysis::analyzeFile(args.model);
    if (!analysis)
        return modelError(analysis.error().message);
    graph::DotOptions options;
    options.measure = *graph::parseNodeMeasure(args.color);
    std::string text = graph::toDot(**analysis, options);
    if (args.format == "svg") {
        auto svg = renderSvg(text);
        if (!svg)
            return modelError(svg.error().message);
        text = std::move(*svg);
    }
    return emitOutput(args.output, text, (*analysis)->modelFile->inputFiles());
}

} // namespace slimscope::cli
