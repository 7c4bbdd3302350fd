// The drawn graph as DOT, and the dot program run on it (dotgraph.h).
#include "graph/dotgraph.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace slimscope::core::graph {

namespace {

/// A DOT double-quoted string: quotes and backslashes escaped, newlines as DOT's \n.
std::string dotString(std::string_view text)
{
    std::string out = "\"";
    for (const char c : text) {
        if (c == '"' || c == '\\')
            out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out + "\"";
}

void writeNode(std::ostringstream& out, const GraphNode& node, const std::string& indent)
{
    out << indent << node.id << " [label=" << dotString(node.label) << ", fillcolor=\"" << node.fill << "\"";
    if (node.kind == GraphNode::Kind::Input || node.kind == GraphNode::Kind::Output)
        out << ", shape=ellipse, style=filled";
    else if (node.kind == GraphNode::Kind::Group)
        out << ", shape=box3d, style=" << (node.removed ? "\"filled,dashed\"" : "filled");
    else if (node.removed)
        out << ", style=\"rounded,filled,dashed\"";
    if (node.share > 0) {
        char width[16];
        std::snprintf(width, sizeof width, "%.2f", 1.0 + 1.6 * std::sqrt(node.share));
        out << ", width=" << width;
    }
    out << ", tooltip=" << dotString(node.tooltip) << "];\n";
}

} // namespace

std::string toDot(const VisibleGraph& graph)
{
    std::ostringstream out;
    out << "digraph model {\n  rankdir=TB;\n  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", "
           "fontsize=10];\n  edge [color=\"#666666\", arrowsize=0.6];\n";
    const std::function<void(int, const std::string&)> emit = [&](int cluster, const std::string& indent) {
        for (const auto& node : graph.nodes)
            if (node.cluster == cluster)
                writeNode(out, node, indent);
        for (const auto& c : graph.clusters) {
            if (c.parent != cluster)
                continue;
            out << indent << "subgraph cluster_g" << c.group << " {\n"
                << indent << "  label=" << dotString(c.label) << ";\n"
                << indent << "  style=dashed;\n"
                << indent << "  color=\"#999999\";\n"
                << indent << "  fontname=\"Helvetica\";\n"
                << indent << "  fontsize=10;\n";
            emit(c.group, indent + "  ");
            out << indent << "}\n";
        }
    };
    emit(-1, "  ");
    for (const auto& edge : graph.edges) {
        out << "  " << edge.tail << " -> " << edge.head;
        if (edge.ownership)
            out << " [style=dashed, arrowhead=none, tooltip=" << dotString(edge.tooltip) << "]";
        else if (!edge.tooltip.empty())
            out << " [tooltip=" << dotString(edge.tooltip) << "]";
        out << ";\n";
    }
    out << "  legend [shape=note, style=filled, fillcolor=\"#fffbe6\", label=" << dotString(graph.legend) << "];\n";
    out << "}\n";
    return out.str();
}

std::string toDot(const analysis::Analysis& analysis, const DotOptions& options)
{
    const GroupTree tree = groupLayers(analysis);
    const Expansion expansion = options.maxNodes ? expandUpTo(tree, options.maxNodes) : expandAll(tree);
    return toDot(visibleGraph(analysis, tree, expansion, figuresOf(analysis), options.measure));
}

Result<std::string> runDot(const std::string& dot, const std::string& format)
{
    std::string folder = (std::filesystem::temp_directory_path() / "slimscope-graph-XXXXXX").string();
    if (!mkdtemp(folder.data()))
        return fail(ErrorCode::IoError, "cannot create a temporary folder for dot");
    const std::filesystem::path in = std::filesystem::path(folder) / "graph.dot";
    const std::filesystem::path out = std::filesystem::path(folder) / ("graph." + format);
    const auto cleanup = [&] {
        std::error_code ignored;
        std::filesystem::remove_all(folder, ignored);
    };
    std::ofstream(in, std::ios::binary) << dot;
    std::string program = "dot", formatFlag = "-T" + format, outFlag = "-o" + out.string(), input = in.string();
    char* argv[] = { program.data(), formatFlag.data(), outFlag.data(), input.data(), nullptr };
    pid_t pid = 0;
    if (posix_spawnp(&pid, "dot", nullptr, nullptr, argv, environ) != 0) {
        cleanup();
        return fail(ErrorCode::Unsupported,
            "laying the graph out needs Graphviz's dot program, which is not installed (apt install graphviz)");
    }
    int status = 0;
    waitpid(pid, &status, 0);
    std::ifstream written(out, std::ios::binary);
    std::ostringstream text;
    text << written.rdbuf();
    cleanup();
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || text.str().empty())
        return fail(ErrorCode::Internal, "Graphviz's dot could not lay the graph out");
    return text.str();
}

} // namespace slimscope::core::graph
