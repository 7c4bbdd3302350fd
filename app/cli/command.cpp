// CLI11 set-up shared by every command: one help layout, one way to report a bad option.
#include "args.h"

#include <algorithm>
#include <iostream>
#include <sstream>

namespace slimscope::cli {

std::unique_ptr<CLI::App> makeCommand(const std::string& name, const std::string& summary)
{
    auto app = std::make_unique<CLI::App>(summary, "slimscope-cli " + name);
    app->get_formatter()->column_width(27);
    app->get_formatter()->label("REQUIRED", "");
    // "-" is an argument (standard output or input), never an option.
    app->allow_windows_style_options(false);
    return app;
}

CLI::Option* addOutputOption(CLI::App& app, std::optional<std::string>& output, const std::string& what)
{
    return app.add_option("-o,--output", output, what)->type_name("FILE");
}

std::optional<int> parseCommand(CLI::App& app, const std::vector<std::string>& args)
{
    std::vector<std::string> reversed(args.rbegin(), args.rend()); // CLI11 takes its arguments last first
    try {
        app.parse(reversed);
    } catch (const CLI::CallForHelp&) {
        std::cout << app.help();
        return kExitOk;
    } catch (const CLI::ExtrasError& error) {
        // "The following argument was not expected: --colour" says it less plainly than the other errors.
        // Name an unknown option first ("-f json": the option is the mistake, not its value).
        const std::string what = error.what();
        const auto colon = what.find(": ");
        std::istringstream words(colon == std::string::npos ? what : what.substr(colon + 2));
        std::vector<std::string> extras;
        for (std::string word; words >> word;)
            extras.push_back(word);
        const auto option
            = std::ranges::find_if(extras, [](const std::string& w) { return w.size() > 1 && w.starts_with('-'); });
        if (option != extras.end())
            return usageError("unknown option '" + *option + "'");
        return usageError("unexpected argument '" + (extras.empty() ? what : extras.front()) + "'");
    } catch (const CLI::ParseError& error) {
        return usageError(error.what());
    }
    return std::nullopt;
}

} // namespace slimscope::cli
