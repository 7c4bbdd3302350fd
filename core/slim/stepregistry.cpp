#include "stepregistry.h"
#include "stepsupport.h"

#include "steps/cleanup.h"
#include "steps/lowrank.h"
#include "steps/prune.h"
#include "steps/prunechannels.h"
#include "steps/quantize.h"
#include "steps/sparsestorage.h"

#include <algorithm>
#include <cmath>

namespace slimscope::core::slim {

namespace {

// The one list of step types. Order matters: it is the order in which the CLI's step flags build a recipe,
// the order of the GUI's "Add step" menu, and the documented default of a kind's "type" (its first type).
std::vector<const StepType*> registerSteps()
{
    return {
        &cleanupStepType(),
        &pruneStepType(),
        &pruneChannelsStepType(),
        &lowRankStepType(),
        &quantizeInt8StepType(),
        &quantizeInt4StepType(),
        &quantizeInt8DynamicStepType(),
        &quantizeInt8StaticStepType(),
        &quantizeFp16StepType(),
        &quantizeBf16StepType(),
        &sparseStorageStepType(),
    };
}

} // namespace

std::string_view StepType::kind() const
{
    const std::string_view full = name();
    return full.substr(0, full.find(':'));
}

std::string_view StepType::variant() const
{
    const std::string_view full = name();
    const auto colon = full.find(':');
    return colon == std::string_view::npos ? std::string_view {} : full.substr(colon + 1);
}

Result<StepParams> StepType::fromValue(std::string_view value) const
{
    if (value.empty())
        return defaults();
    std::string known;
    for (const auto& preset : presets()) {
        if (preset.value == value)
            return preset.params;
        known += (known.empty() ? "" : ", ") + preset.value;
    }
    return fail(ErrorCode::InvalidArgument,
        std::string(name()) + " takes " + (known.empty() ? "no value" : known) + ", not '" + std::string(value) + "'");
}

const std::vector<const StepType*>& stepTypes()
{
    static const std::vector<const StepType*> types = registerSteps();
    return types;
}

const StepType* findStepType(std::string_view name)
{
    for (const StepType* type : stepTypes())
        if (type->name() == name)
            return type;
    return nullptr;
}

std::vector<const StepType*> stepTypesOfKind(std::string_view kind)
{
    std::vector<const StepType*> out;
    for (const StepType* type : stepTypes())
        if (type->kind() == kind)
            out.push_back(type);
    return out;
}

std::vector<std::string_view> stepKinds()
{
    std::vector<std::string_view> kinds;
    for (const StepType* type : stepTypes())
        if (std::ranges::find(kinds, type->kind()) == kinds.end())
            kinds.push_back(type->kind());
    return kinds;
}

Result<const StepType*> stepTypeOf(const StepParams& params)
{
    if (params.empty())
        return fail(ErrorCode::InvalidArgument, "the step has no parameters");
    if (const StepType* type = findStepType(params.name()))
        return type;
    return fail(ErrorCode::InvalidArgument, "'" + std::string(params.name()) + "' is not a registered step type");
}

std::vector<std::string> stepSpecForms()
{
    std::vector<std::string> forms;
    for (const StepType* type : stepTypes()) {
        const auto presets = type->presets();
        if (!type->valueName().empty() && presets.empty())
            forms.push_back(std::string(type->name()) + ":" + std::string(type->valueName()));
        else if (presets.empty())
            forms.emplace_back(type->name());
        for (const auto& preset : presets)
            forms.push_back(type->variant().empty() ? std::string(type->kind()) + ":" + preset.value : preset.value);
    }
    return forms;
}

Result<StepParams> parseStepSpec(std::string_view spec)
{
    if (const StepType* type = findStepType(spec))
        return type->defaults();
    const auto colon = spec.find(':');
    const std::string_view head = spec.substr(0, colon);
    const std::string_view value = colon == std::string_view::npos ? std::string_view {} : spec.substr(colon + 1);
    const auto types = stepTypesOfKind(head);
    if (types.size() == 1 && colon != std::string_view::npos)
        return types.front()->fromValue(value);
    if (!types.empty() && colon == std::string_view::npos)
        return types.front()->defaults(); // a kind alone: its first type ("quantize" is quantize:int8)
    // A preset value, alone ("int8") or after its kind ("quantize:int8-per-tensor").
    const std::string_view wanted = colon == std::string_view::npos ? spec : value;
    for (const StepType* type : stepTypes()) {
        if (!types.empty() && type->kind() != head)
            continue;
        if (types.empty() && colon != std::string_view::npos)
            break;
        for (const auto& preset : type->presets())
            if (preset.value == wanted && (!types.empty() || !type->variant().empty()))
                return preset.params;
    }
    std::string forms;
    for (const auto& form : stepSpecForms())
        forms += (forms.empty() ? "" : ", ") + form;
    return fail(ErrorCode::InvalidArgument, "unknown step '" + std::string(spec) + "'; expected one of " + forms);
}

} // namespace slimscope::core::slim

namespace slimscope::core::slim {

std::optional<double> parseShare(std::string_view text)
{
    const std::string value(text);
    try {
        std::size_t used = 0;
        double share = std::stod(value, &used);
        if (used < value.size() && value.substr(used) == "%")
            share /= 100.0;
        else if (used != value.size())
            return std::nullopt;
        return std::isfinite(share) ? std::optional(share) : std::nullopt;
    } catch (...) {
        return std::nullopt;
    }
}

MeasuredError errorFromSums(double signal, double noise, double maxAbs)
{
    MeasuredError error;
    error.maxAbs = maxAbs;
    error.relativeL2 = signal > 0.0 ? std::sqrt(noise / signal) : (noise > 0.0 ? INFINITY : 0.0);
    error.sqnrDb = noise > 0.0 ? 10.0 * std::log10(signal / noise) : INFINITY;
    return error;
}

} // namespace slimscope::core::slim
