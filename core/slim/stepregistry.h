#pragma once

// The step registry: every slimming step type declares here, in one place, its name, its description, its
// recipe JSON (read and written), its command-line value, its scope handling and how it rewrites a model.
// The recipe reader and writer, the slimmer, the CLI's flags and --help, and the GUI's step menu all go through
// it. A new step is one file pair in core/slim/steps/ plus one line in stepregistry.cpp (CONTRIBUTING.md).

#include "channelreport.h"
#include "recipe.h"
#include "storedas.h"
#include "support/error.h"
#include "support/progress.h"
#include "workingmodel.h"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace slimscope::core {
class JsonObjectReader;
class JsonWriter;
} // namespace slimscope::core

namespace slimscope::core::slim {

class StepCache;

struct StepContext {
    WorkingModel& model;
    Diagnostics& diagnostics;
    const CancelToken* cancel = nullptr;
    StepCache* cache = nullptr; ///< work kept between previews of the same model; null for one-off runs
    bool sampleErrors = false; ///< errors may be measured on a sample of each tensor (MeasuredError::sampled)
};

/// Weight error a step measured itself against its input: for a tensor whose shape it changed (the slimmer
/// compares element by element only tensors that keep their shape), or whose bytes it deferred (comparing
/// would compute them). The slimmer uses it when the step's input was the original tensor or when it says it
/// measured against the original values.
struct MeasuredError {
    double relativeL2 = 0.0;
    double sqnrDb = 0.0;
    double maxAbs = 0.0;
    std::optional<double> sparsityAfter; ///< share of values that are exactly zero afterwards, where known
    bool sampled = false; ///< measured on a sample of the values, not all of them
    /// Measured against the original weight's values even though the step's input was an earlier step's
    /// result (TensorSource::originalWeight): it stays valid after earlier steps changed the tensor.
    bool againstOriginal = false;
};

/// Fills relative L2, SQNR and max abs from Σw², Σ(w' - w)² and max|w' - w|.
MeasuredError errorFromSums(double signal, double noise, double maxAbs);

/// What one step did, for the preview and the CLI.
struct StepOutcome {
    std::string summary; ///< "removed 3 duplicate tensors (780 KiB)"
    std::vector<std::string> tensors; ///< original tensor names it changed
    std::map<std::string, MeasuredError> errors; ///< by original tensor name, for tensors whose shape changed
    /// Tensors the step re-expressed under other names (low_rank: the two factors), by original name: the
    /// preview counts their bytes as the original's "after".
    std::map<std::string, StoredAs> storedAs;
    std::vector<ChannelGroupReport> channelGroups; ///< prune_channels: every group it looked at
    /// prune_channels with inputs: input features it removed, as positions of the step's input model.
    std::vector<model::RemovedInputFeatures> removedInputFeatures;
};

/// A named setting of a step type that the CLI and step specs accept as its value: "int8-per-tensor",
/// "always". The first preset of a type is its default.
struct StepPreset {
    std::string value;
    std::string help;
    StepParams params;
};

/// A further CLI option of a step type, spelled --KIND-NAME VALUE (--prune-mode global). It edits the step the
/// KIND flag made.
struct StepOption {
    std::string name; ///< "mode"
    std::string valueName; ///< "MODE"
    std::string help;
    std::function<Result<void>(StepParams& params, std::string_view value)> apply;
    std::string alias; ///< a second, shorter flag ("--channel-criterion"), empty for none
    bool isSwitch = false; ///< takes no value (apply() gets "true")
};

class StepType {
public:
    virtual ~StepType() = default;

    /// The registered name, used everywhere: recipe kind (and "type" after a colon), CLI flag, step specs.
    /// "prune", "quantize:int8".
    virtual std::string_view name() const = 0;
    /// The part before the colon: the recipe's "kind" and the CLI flag (--KIND, '_' written '-').
    std::string_view kind() const;
    /// The part after the colon (the recipe's "type"), empty for a kind with one type.
    std::string_view variant() const;

    /// For menus: "Prune", "Quantize int8".
    virtual std::string_view title() const = 0;
    /// One line for --help and tooltips.
    virtual std::string_view help() const = 0;
    /// Whether the step reads its Scope (cleanup works on the whole graph).
    virtual bool usesScope() const { return true; }
    /// Whether the step can change a tensor's shape; it then reports the tensor's error in StepOutcome::errors.
    virtual bool changesShapes() const { return false; }

    virtual StepParams defaults() const = 0;
    /// "prune 50.0 % (per layer)".
    virtual std::string describe(const StepParams& params) const = 0;
    /// Reads the step's own keys (the recipe reader handles kind, type, enabled and scope).
    virtual Result<StepParams> read(JsonObjectReader& reader) const = 0;
    /// Writes every key read() reads, so that a saved recipe documents its defaults and round-trips exactly.
    virtual void write(JsonWriter& json, const StepParams& params) const = 0;
    /// Checks values (ranges) of parameters built in code; read() already refuses bad ones in JSON.
    virtual Result<void> validate(const StepParams& params) const = 0;
    virtual Result<StepOutcome> apply(const StepParams& params, const Scope& scope, StepContext& context) const = 0;

    /// The CLI value's name (SPARSITY, TYPE, POLICY), empty when the flag takes none.
    virtual std::string_view valueName() const { return {}; }
    virtual std::vector<StepPreset> presets() const { return {}; }
    /// Parameters from a CLI value or the amount of a step spec ("0.5" for prune:0.5). The default looks the
    /// value up among the presets; an empty value gives the defaults.
    virtual Result<StepParams> fromValue(std::string_view value) const;
    virtual std::vector<StepOption> options() const { return {}; }
};

/// Implements the type-erased StepType on one parameter struct.
template <StepParameters T> class TypedStepType : public StepType {
public:
    std::string_view name() const final { return T::kName; }
    StepParams defaults() const override { return T {}; }
    std::string describe(const StepParams& params) const final { return describeParams(get(params)); }
    Result<StepParams> read(JsonObjectReader& reader) const final
    {
        auto params = readParams(reader);
        if (!params)
            return std::unexpected(params.error());
        return StepParams(std::move(*params));
    }
    void write(JsonWriter& json, const StepParams& params) const final { writeParams(json, get(params)); }
    Result<void> validate(const StepParams& params) const final
    {
        if (!params.is<T>())
            return fail(ErrorCode::InvalidArgument, "parameters are not those of " + std::string(name()));
        return validateParams(*params.as<T>());
    }
    Result<StepOutcome> apply(const StepParams& params, const Scope& scope, StepContext& context) const final
    {
        if (!params.is<T>())
            return fail(ErrorCode::InvalidArgument, "parameters are not those of " + std::string(name()));
        return run(*params.as<T>(), scope, context);
    }

protected:
    virtual std::string describeParams(const T& params) const = 0;
    virtual Result<T> readParams(JsonObjectReader& reader) const = 0;
    virtual void writeParams(JsonWriter& json, const T& params) const = 0;
    virtual Result<void> validateParams(const T&) const { return {}; }
    virtual Result<StepOutcome> run(const T& params, const Scope& scope, StepContext& context) const = 0;

private:
    static const T& get(const StepParams& params)
    {
        static const T fallback {};
        const T* typed = params.as<T>();
        return typed ? *typed : fallback; // the registry dispatches by name, so this is always the match
    }
};

/// Every registered step type, in the order the CLI's flags build a recipe.
const std::vector<const StepType*>& stepTypes();
/// The type registered under `name`, or nullptr.
const StepType* findStepType(std::string_view name);
/// The types of one recipe kind ("quantize": quantize:int8, quantize:fp16), in registration order.
std::vector<const StepType*> stepTypesOfKind(std::string_view kind);
/// The distinct kinds, in registration order.
std::vector<std::string_view> stepKinds();
/// The type of a step's parameters; an error naming the parameters when they are empty or not registered.
Result<const StepType*> stepTypeOf(const StepParams& params);

/// A step from its spec: a registered name ("cleanup", "quantize:fp16"), a kind with a value ("prune:0.5",
/// "quantize:int8-per-tensor", "sparse_storage:always"), or a preset value alone ("int8", "fp16").
Result<StepParams> parseStepSpec(std::string_view spec);
/// Every spec form parseStepSpec accepts, for messages and --help: "cleanup", "prune:SPARSITY", "int8", ...
std::vector<std::string> stepSpecForms();

} // namespace slimscope::core::slim
