#include "stepflags.h"

#include <algorithm>
#include <sstream>

namespace slimscope::cli {

using namespace core::slim;

namespace {

std::string flagOf(std::string_view kind)
{
    std::string flag = "--" + std::string(kind);
    std::ranges::replace(flag, '_', '-');
    return flag;
}

// The value name and the values a kind's flag takes, from its types' presets ("int8, ..., or fp16").
struct KindFlag {
    std::string kind;
    std::string flag;
    std::string valueName;
    std::vector<std::string> values;
    std::string help;
};

std::vector<KindFlag> kindFlags()
{
    std::vector<KindFlag> flags;
    for (const auto kind : stepKinds()) {
        KindFlag flag { std::string(kind), flagOf(kind), {}, {}, {} };
        const auto types = stepTypesOfKind(kind);
        for (const StepType* type : types) {
            if (flag.valueName.empty())
                flag.valueName = type->valueName();
            for (const auto& preset : type->presets())
                flag.values.push_back(preset.value);
        }
        flag.help = types.size() == 1 ? std::string(types.front()->help()) : std::string();
        flags.push_back(std::move(flag));
    }
    return flags;
}

std::string orList(const std::vector<std::string>& items)
{
    std::string text;
    for (std::size_t i = 0; i < items.size(); ++i)
        text += (i == 0 ? "" : i + 1 == items.size() ? " or " : ", ") + items[i];
    return text;
}

} // namespace

bool StepFlags::take(Args& args, std::string& error)
{
    for (const KindFlag& flag : kindFlags()) {
        if (flag.valueName.empty()) {
            if (!args.flag(flag.flag))
                continue;
            auto params = parseStepSpec(flag.kind);
            if (!params)
                error = params.error().message;
            else
                m_steps[flag.kind] = std::move(*params);
            return true;
        }
        std::optional<std::string> value;
        if (!args.option(flag.flag, value, error))
            continue;
        if (!value)
            return true; // `error` says the value is missing
        if (!flag.values.empty() && std::ranges::find(flag.values, *value) == flag.values.end()) {
            error = flag.flag + " takes " + orList(flag.values) + ", not '" + *value + "'";
            return true;
        }
        auto params = parseStepSpec(flag.kind + ":" + *value);
        if (!params)
            error = flag.flag + ": " + params.error().message;
        else
            m_steps[flag.kind] = std::move(*params);
        return true;
    }
    for (const StepType* type : stepTypes()) {
        for (const StepOption& option : type->options()) {
            const std::string name = flagOf(type->kind()) + "-" + option.name;
            std::optional<std::string> value;
            if (!args.option(name, value, error))
                continue;
            if (value)
                m_options.push_back({ std::string(type->kind()), name, option, *value });
            return true;
        }
    }
    return false;
}

std::optional<std::string> StepFlags::finish()
{
    for (const PendingOption& pending : m_options) {
        const auto step = m_steps.find(pending.kind);
        if (step == m_steps.end())
            return pending.flag + " needs " + flagOf(pending.kind);
        if (auto applied = pending.option.apply(step->second, pending.value); !applied)
            return applied.error().message;
    }
    m_options.clear();
    return std::nullopt;
}

std::vector<Step> StepFlags::steps(const Scope& scope) const
{
    std::vector<Step> steps;
    for (const auto kind : stepKinds())
        if (const auto it = m_steps.find(kind); it != m_steps.end())
            steps.push_back({ it->second, scope, true });
    return steps;
}

std::string StepFlags::flagList()
{
    std::vector<std::string> flags;
    for (const KindFlag& flag : kindFlags())
        flags.push_back(flag.flag);
    return orList(flags);
}

std::string StepFlags::help()
{
    std::ostringstream out;
    // As the rest of the usage text: the description in column 28, wrapped before column 112.
    constexpr std::size_t kColumn = 25;
    constexpr std::size_t kWidth = 112 - 2 - kColumn;
    const auto line = [&](const std::string& left, const std::string& text) {
        out << "  " << left;
        if (left.size() < kColumn)
            out << std::string(kColumn - left.size(), ' ');
        else
            out << "\n" << std::string(2 + kColumn, ' ');
        std::size_t used = 0;
        std::istringstream words(text);
        for (std::string word; words >> word;) {
            if (used > 0 && used + 1 + word.size() > kWidth) {
                out << "\n" << std::string(2 + kColumn, ' ');
                used = 0;
            } else if (used > 0) {
                out << ' ';
                ++used;
            }
            out << word;
            used += word.size();
        }
        out << "\n";
    };
    for (const KindFlag& flag : kindFlags()) {
        const std::string left = flag.flag + (flag.valueName.empty() ? "" : " " + flag.valueName);
        if (!flag.help.empty() && flag.values.empty()) {
            line(left, flag.help);
        } else {
            line(left, flag.help.empty() ? "one of:" : flag.help + "; one of:");
            for (const StepType* type : stepTypesOfKind(flag.kind))
                for (const auto& preset : type->presets())
                    line("    " + preset.value, preset.help);
        }
        for (const StepType* type : stepTypesOfKind(flag.kind))
            for (const StepOption& option : type->options())
                line(flagOf(flag.kind) + "-" + option.name + " " + option.valueName, option.help);
    }
    return out.str();
}

} // namespace slimscope::cli
