// --inputs DIR|random:N, --seed, --dim.
#include "inputsetflags.h"

namespace slimscope::cli {

void addInputSetOptions(CLI::App& app, InputSetArgs& args, const std::string& defaultText, const std::string& alias)
{
    app.add_option("--inputs" + (alias.empty() ? "" : "," + alias), args.inputs,
           "samples to run: DIR with <input name>.npy|.pb, or test_data_set_<k>/ sub-folders (input_<i>.pb or "
           "<input name>.npy|.pb); or random:N seeded samples of the declared shapes (default "
               + defaultText + ")")
        ->type_name("DIR|random:N");
    app.add_option("--seed", args.seed, "seed of random samples (default 12345; sample k uses seed + k)")
        ->type_name("N");
    app.add_option("--dim", args.dims, "size of a symbolic dimension for random samples (default 1; repeatable)")
        ->type_name("NAME=VALUE")
        ->allow_extra_args(false);
}

core::Result<core::runtime::InputSetSpec> inputSetFrom(
    const InputSetArgs& args, const core::runtime::InputSetSpec& fallback)
{
    core::runtime::InputSetSpec spec = fallback;
    if (!args.inputs.empty()) {
        auto parsed = core::runtime::parseInputSetSpec(args.inputs);
        if (!parsed)
            return std::unexpected(parsed.error());
        spec = std::move(*parsed);
    }
    spec.seed = args.seed;
    for (const std::string& dim : args.dims) {
        auto assignment = core::runtime::parseDimAssignment(dim);
        if (!assignment)
            return std::unexpected(assignment.error().withContext("--dim"));
        spec.dims[assignment->first] = assignment->second;
    }
    return spec;
}

void addFloorOptions(CLI::App& app, core::runtime::FidelityThresholds& floors)
{
    app.add_option("--min-cosine", floors.minCosine,
           "floor on every output's cosine: below it the verdict is fail, within 0.005 above it warn (default 0.99)")
        ->type_name("C")
        ->check(CLI::Range(-1.0, 1.0));
    app.add_option("--min-top1", floors.minTop1Agreement,
           "floor on the top-1 agreement of outputs that look like class scores (default 0.99)")
        ->type_name("SHARE")
        ->check(CLI::Range(0.0, 1.0));
}

} // namespace slimscope::cli
