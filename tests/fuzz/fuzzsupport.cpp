#include "fuzzsupport.h"

#include "slim/slimmer.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <system_error>
#include <unistd.h>

namespace slimscope::fuzz {

namespace {

std::filesystem::path makeScratchFolder()
{
    std::string pattern = (std::filesystem::temp_directory_path() / "slimscope-fuzz-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
        std::perror("slimscope fuzz: cannot create a scratch folder");
        std::abort();
    }
    return pattern;
}

void removeScratchFolder()
{
    std::error_code ignored;
    std::filesystem::remove_all(scratchFolder(), ignored);
}

} // namespace

const std::filesystem::path& scratchFolder()
{
    static const std::filesystem::path folder = makeScratchFolder();
    // Registered after the path is made, so it runs before the path is destroyed. libFuzzer ends with exit() after
    // its time limit, which runs it.
    [[maybe_unused]] static const bool removedAtExit = std::atexit(removeScratchFolder) == 0;
    return folder;
}

std::filesystem::path writeScratch(std::string_view name, const std::uint8_t* data, std::size_t size)
{
    const std::filesystem::path path = scratchFolder() / name;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    out.close();
    if (!out) {
        std::fprintf(stderr, "slimscope fuzz: cannot write %s\n", path.c_str());
        std::abort();
    }
    return path;
}

void require(bool condition, std::string_view what)
{
    if (condition)
        return;
    std::fprintf(stderr, "slimscope fuzz: property broken: %.*s\n", static_cast<int>(what.size()), what.data());
    std::abort();
}

void slimExportAndReload(const core::analysis::Analysis& analyzed, const core::slim::Recipe& recipe,
    const std::filesystem::path& output, const core::slim::ExportOptions& options)
{
    auto slimmed = core::slim::applyRecipe(analyzed.modelFile, recipe, {}, nullptr, &analyzed);
    if (!slimmed) {
        require(!slimmed.error().message.empty(), "a slimming error says why");
        return;
    }
    auto exported = core::slim::exportModel(*slimmed->model, output, options);
    if (!exported) {
        require(!exported.error().message.empty(), "an export error says why");
        return;
    }
    auto again = core::analysis::analyzeFile(
        output.string(), {}, nullptr, core::analysis::AnalyzeOptions { .computeSha256 = false });
    if (!again)
        std::fprintf(stderr, "the slimmed model does not load: %s\n", again.error().message.c_str());
    require(again.has_value(), "what slimming exported loads and analyses again");
}

} // namespace slimscope::fuzz
