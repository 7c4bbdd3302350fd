#include "stepflags.h"

#include <algorithm>

namespace slimscope::cli {

using namespace core::slim;

namespace {

std::string flagOf(std::string_view kind)
{
    std::string flag = "--" + std::string(kind);
    std::ranges::replace(flag, '_', '-');
    return flag;
}

std::string orList(const std::vector<std::string>& items)
{
    std::string text;
    for (std::size_t i = 0; i < items.size(); ++i)
        text += (i == 0 ? "" : i + 1 == items.size() ? " or " : ", ") + items[i];
    return text;
}

} // namespace

void StepFlags::define(CLI::App& app)
{
    for (const auto kind : stepKinds()) {
        Given given { std::string(kind), flagOf(kind), {}, false, false, std::nullopt };
        const auto types = stepTypesOfKind(kind);
        std::string valueName;
        std::string help = types.size() == 1 ? std::string(types.front()->help()) : std::string();
        std::vector<std::string> described;
        for (const StepType* type : types) {
            if (valueName.empty())
                valueName = type->valueName();
            for (const auto& preset : type->presets()) {
                given.values.push_back(preset.value);
                described.push_back(preset.value + " (" + preset.help + ")");
            }
        }
        given.takesValue = !valueName.empty();
        if (!described.empty())
            help += (help.empty() ? "" : "; ") + std::string("one of ") + orList(described);
        Given& stored = m_given.emplace(std::string(kind), std::move(given)).first->second;
        if (stored.takesValue)
            app.add_option(stored.flag, stored.value, help)->type_name(valueName);
        else
            app.add_flag(stored.flag, stored.set, help);
        std::vector<std::string> defined; // an option several types of the kind share is defined once
        for (const StepType* type : types)
            for (const StepOption& option : type->options()) {
                if (std::ranges::find(defined, option.name) != defined.end())
                    continue;
                defined.push_back(option.name);
                auto given = std::make_unique<GivenOption>(
                    GivenOption { std::string(kind), flagOf(kind) + "-" + option.name, option, std::nullopt, false });
                const std::string names = given->flag + (option.alias.empty() ? "" : "," + option.alias);
                if (option.isSwitch)
                    app.add_flag(names, given->set, option.help);
                else
                    app.add_option(names, given->value, option.help)->type_name(option.valueName);
                m_options.push_back(std::move(given));
            }
    }
}

std::optional<std::string> StepFlags::finish()
{
    for (const auto& [kind, given] : m_given) {
        if (!given.set && !given.value)
            continue;
        if (given.value && !given.values.empty() && std::ranges::find(given.values, *given.value) == given.values.end())
            return given.flag + " takes " + orList(given.values) + ", not '" + *given.value + "'";
        auto params = parseStepSpec(given.value ? kind + ":" + *given.value : kind);
        if (!params)
            return given.flag + ": " + params.error().message;
        m_steps[kind] = std::move(*params);
    }
    for (const auto& given : m_options) {
        const GivenOption& option = *given;
        if (!option.value && !option.set)
            continue;
        const std::string value = option.value ? *option.value : "true";
        const auto step = m_steps.find(option.kind);
        if (step == m_steps.end())
            return (option.option.alias.empty() ? option.flag : option.option.alias + " (" + option.flag + ")")
                + " needs " + flagOf(option.kind);
        if (auto applied = option.option.apply(step->second, value); !applied)
            return applied.error().message;
    }
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
    for (const auto kind : stepKinds())
        flags.push_back(flagOf(kind));
    return orList(flags);
}

} // namespace slimscope::cli
