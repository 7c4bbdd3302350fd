// low_rank: MatMul/Gemm weights replaced by two factors from a truncated SVD (Eigen's BDCSVD). The singular
// values are computed once per tensor and cached (StepCache), so that a preview that follows an energy slider
// only picks a new rank and copies the factors. The error needs no reconstruction: the discarded share of Σσ²
// is exactly ‖W − A·B‖² / ‖W‖² (Eckart–Young); the largest absolute error is measured on sampled rows.
#include "lowrank.h"
#include "model/nodeattributes.h"

#include "slim/stepcache.h"
#include "slim/stepsupport.h"
#include "support/copybytes.h"
#include "support/format.h"
#include "support/jsonreader.h"
#include "support/jsonwriter.h"
#include "support/parallel.h"

#include <Eigen/SVD>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>
#include <unordered_map>

namespace slimscope::core::slim {

using model::floatAttribute;
using model::intAttribute;

namespace {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// The thin SVD of a weight, W = U·diag(s)·Vᵀ, with Σσ².
struct Spectrum {
    RowMatrix u; ///< R × m
    Eigen::VectorXf s; ///< m, largest first
    RowMatrix v; ///< C × m
    double total = 0.0;
    bool finite = true; ///< false: the weight holds NaN or infinities, and there is no spectrum
};

Spectrum spectrumOf(const FloatValues& values, Eigen::Index rows, Eigen::Index cols)
{
    RowMatrix w(rows, cols);
    bool finite = true;
    float largest = 0.0f;
    values.visit([&](auto view) {
        for (std::size_t i = 0; i < view.size(); ++i) {
            w.data()[i] = view[i];
            finite = finite && std::isfinite(view[i]);
            largest = std::max(largest, std::fabs(view[i]));
        }
    });
    // Eigen's divide-and-conquer SVD reads out of bounds on NaN (found by fuzz_slim), and no factor could hold them.
    if (!finite)
        return Spectrum { {}, {}, {}, 0.0, false };
    // In float it also fails (an index out of range) on values that span float's exponents, 5e-6 to 7e31 in the
    // weight fuzzing found. Scaled to a largest value of 1, with what is below 1e-12 of it as 0 (a change far below
    // float's rounding), the values stay where float's products neither overflow nor turn denormal.
    const float scale = largest > 0.0f ? largest : 1.0f;
    w = w.unaryExpr([scale](float v) {
        const float scaled = v / scale;
        return std::fabs(scaled) < 1e-12f ? 0.0f : scaled;
    });
    Eigen::BDCSVD<RowMatrix> svd(w, Eigen::ComputeThinU | Eigen::ComputeThinV);
    Spectrum spectrum { svd.matrixU(), svd.singularValues() * scale, svd.matrixV(), 0.0 };
    for (Eigen::Index i = 0; i < spectrum.s.size(); ++i)
        spectrum.total += static_cast<double>(spectrum.s[i]) * spectrum.s[i];
    return spectrum;
}

/// The smallest rank that keeps `energy` of Σσ² (at least 1), and the energy it discards.
std::pair<Eigen::Index, double> rankFor(const Spectrum& spectrum, double energy)
{
    double kept = 0.0;
    Eigen::Index rank = 0;
    while (rank < spectrum.s.size() && (rank == 0 || kept < energy * spectrum.total)) {
        kept += static_cast<double>(spectrum.s[rank]) * spectrum.s[rank];
        ++rank;
    }
    return { rank, std::max(0.0, spectrum.total - kept) };
}

std::vector<std::byte> bytesOf(const RowMatrix& m)
{
    std::vector<std::byte> bytes(static_cast<std::size_t>(m.size()) * 4);
    copyBytes(bytes.data(), m.data(), bytes.size());
    return bytes;
}

onnx::TensorProto& addFactor(
    WorkingModel& model, GraphIndex& index, onnx::GraphProto& graph, const std::string& base, const RowMatrix& m)
{
    return addInitializer(
        model, graph, index.uniqueName(base), onnx::TensorProto::FLOAT, { m.rows(), m.cols() }, bytesOf(m));
}

/// How the consumers read the weight: directly as the B input of MatMul or Gemm (transA 0, one transB for all),
/// so that each computes x·A·B; otherwise the weight itself is rebuilt from its factors.
struct Plan {
    bool direct = true;
    std::int64_t transB = 0;
    std::vector<ValueUse> uses;
};

std::optional<Plan> planFor(const InitializerRef& weight, const GraphIndex& index)
{
    const std::vector<std::int64_t> dims(weight.tensor->dims().begin(), weight.tensor->dims().end());
    const auto traced = index.tracer().trace(weight.name, dims);
    if (traced.empty())
        return std::nullopt;
    Plan plan;
    std::optional<std::int64_t> transB;
    for (const auto& use : traced) {
        const std::string& op = use.node->op_type();
        if (!((op == "MatMul" || op == "Gemm") && use.input == 1 && use.node->domain().empty()))
            return std::nullopt; // a weight of another op: not a matrix product's
        const std::int64_t t = op == "Gemm" ? intAttribute(*use.node, "transB", 0) : 0;
        plan.direct = plan.direct && use.path.empty() && use.whole
            && (op == "MatMul" || intAttribute(*use.node, "transA", 0) == 0) && (!transB || *transB == t);
        transB = t;
        plan.uses.push_back({ use.graph, const_cast<onnx::NodeProto*>(use.node), use.input });
    }
    plan.transB = transB.value_or(0);
    return plan;
}

/// Puts each new node right before the node it feeds; node objects keep their addresses.
void insertBefore(onnx::GraphProto& graph, std::vector<std::pair<const onnx::NodeProto*, onnx::NodeProto>>& pending)
{
    if (pending.empty())
        return;
    auto* field = graph.mutable_node();
    std::vector<onnx::NodeProto*> existing(static_cast<std::size_t>(field->size()));
    field->ExtractSubrange(0, field->size(), existing.data());
    for (auto* node : existing) {
        for (auto& [before, added] : pending)
            if (before == node)
                *field->Add() = std::move(added);
        field->AddAllocated(node);
    }
    pending.clear();
}

Result<StepOutcome> runLowRank(const LowRankStep& step, const Scope& scope, StepContext& context)
{
    WorkingModel& model = context.model;
    GraphIndex index(model);
    ScopeMatcher matcher(scope);
    struct Job {
        InitializerRef weight;
        Plan plan;
        TensorSource input;
        Eigen::Index rows = 0, cols = 0;
        std::shared_ptr<const Spectrum> spectrum;
        std::optional<Error> failure;
    };
    std::vector<Job> jobs;
    for (const auto& weight : index.weights()) {
        const onnx::TensorProto& tensor = *weight.tensor;
        if (tensor.dims_size() != 2 || tensor.data_type() != onnx::TensorProto::FLOAT || !matcher.matches(weight, index)
            || index.isGraphOutput(weight.name) || index.isGraphInput(weight.name))
            continue;
        auto plan = planFor(weight, index);
        const Eigen::Index rows = tensor.dims(0), cols = tensor.dims(1);
        // Rank 1 is the least it can keep: below that size nothing can be saved.
        if (!plan || rows < 2 || cols < 2 || rows + cols >= rows * cols)
            continue;
        Job job { weight, std::move(*plan), {}, rows, cols, nullptr, std::nullopt };
        if (const TensorSource* source = model.source(tensor))
            job.input = *source;
        jobs.push_back(std::move(job));
    }
    parallelFor(
        jobs.size(),
        [&](std::size_t j) {
            Job& job = jobs[j];
            const auto compute = [&] {
                auto values = readFloatValues(job.input, onnx::TensorProto::FLOAT);
                if (!values) {
                    job.failure = values.error();
                    return Spectrum {};
                }
                return spectrumOf(*values, job.rows, job.cols);
            };
            job.spectrum = context.cache && job.input.identity()
                ? context.cache->get<Spectrum>(job.input, "svd", std::function<Spectrum()>(compute))
                : std::make_shared<const Spectrum>(compute());
        },
        context.cancel);
    if (context.cancel && context.cancel->isCancelled())
        return fail(ErrorCode::Cancelled, "cancelled");

    StepOutcome outcome;
    std::uint64_t before = 0, after = 0, keptAsIs = 0;
    std::vector<std::vector<std::pair<const onnx::NodeProto*, onnx::NodeProto>>> pending(index.graphs().size());
    std::vector<std::vector<onnx::NodeProto>> rebuilt(index.graphs().size()); // W = A·B for other routes
    std::vector<std::pair<int, InitializerRef>> replaced;
    for (Job& job : jobs) {
        if (job.failure)
            return std::unexpected(*job.failure);
        const Spectrum& spectrum = *job.spectrum;
        if (!spectrum.finite) {
            context.diagnostics.push_back({ Diagnostic::Severity::Warning, job.weight.name,
                "holds NaN or infinite values: not factored (the non_finite_weights finding names them)" });
            ++keptAsIs;
            continue;
        }
        const auto [rank, discarded] = rankFor(spectrum, step.energy);
        if (rank * (job.rows + job.cols) >= job.rows * job.cols) {
            ++keptAsIs; // the rank that keeps the energy saves nothing
            continue;
        }
        const Eigen::VectorXf roots = spectrum.s.head(rank).cwiseSqrt();
        const RowMatrix left = spectrum.u.leftCols(rank) * roots.asDiagonal(); // R × r
        const RowMatrix rightT = spectrum.v.leftCols(rank) * roots.asDiagonal(); // C × r
        const std::string& name = job.weight.name;
        onnx::GraphProto& graph = *index.graphs()[static_cast<std::size_t>(job.weight.graph)].graph;
        // Gemm with transB reads Wᵀ = Bᵀ·Aᵀ: x·Bᵀ first, then the Gemm on A with transB kept.
        const bool transposed = job.plan.direct && job.plan.transB != 0;
        const RowMatrix first = transposed ? rightT : left;
        const RowMatrix second = transposed ? RowMatrix(left) : RowMatrix(rightT.transpose());
        const std::string firstName = addFactor(model, index, graph, name + "_low_rank_a", first).name();
        const std::string secondName = addFactor(model, index, graph, name + "_low_rank_b", second).name();
        if (job.plan.direct) {
            for (const ValueUse& use : job.plan.uses) {
                onnx::NodeProto project;
                project.set_op_type("MatMul");
                project.set_name(index.uniqueName(use.node->name() + "_low_rank"));
                project.add_input(use.node->input(0));
                project.add_input(firstName);
                const std::string projected = index.uniqueName(name + "_projected");
                project.add_output(projected);
                use.node->set_input(0, projected);
                use.node->set_input(1, secondName);
                pending[static_cast<std::size_t>(use.graph)].emplace_back(use.node, std::move(project));
            }
        } else {
            onnx::NodeProto product;
            product.set_op_type("MatMul");
            product.set_name(index.uniqueName(name + "_low_rank"));
            product.add_input(firstName);
            product.add_input(secondName);
            product.add_output(name);
            rebuilt[static_cast<std::size_t>(job.weight.graph)].push_back(std::move(product));
        }
        replaced.emplace_back(job.weight.graph, job.weight);
        before += static_cast<std::uint64_t>(job.rows * job.cols) * 4;
        after += static_cast<std::uint64_t>(rank * (job.rows + job.cols)) * 4;
        outcome.tensors.push_back(name);
        outcome.storedAs[name] = { { firstName, secondName }, StorageAfter::LowRank, model::DataType::Float };
        // The largest error on up to 256 rows spread over the matrix; exact when it has no more.
        const Eigen::Index rowStride = std::max<Eigen::Index>(1, job.rows / 256);
        double maxAbs = 0.0;
        auto values = readFloatValues(job.input, onnx::TensorProto::FLOAT);
        if (!values)
            return std::unexpected(values.error());
        values->visit([&](auto view) {
            for (Eigen::Index r = 0; r < job.rows; r += rowStride) {
                const Eigen::RowVectorXf row = left.row(r) * rightT.transpose();
                for (Eigen::Index c = 0; c < job.cols; ++c)
                    maxAbs = std::max(maxAbs,
                        static_cast<double>(std::fabs(row[c] - view[static_cast<std::size_t>(r * job.cols + c)])));
            }
        });
        MeasuredError error = errorFromSums(spectrum.total, discarded, maxAbs);
        error.sampled = rowStride > 1;
        error.sparsityAfter = 0.0; // a product of two factors has no zeros to speak of
        error.againstOriginal = job.input.originalWeight() != nullptr;
        outcome.errors[name] = error;
    }
    for (const auto& [graphIndex, weight] : replaced) {
        onnx::GraphProto& graph = *index.graphs()[static_cast<std::size_t>(graphIndex)].graph;
        if (weight.constantNode) {
            model.forgetAllIn(*weight.constantNode);
            auto* nodes = graph.mutable_node();
            for (int n = 0; n < nodes->size(); ++n)
                if (nodes->Mutable(n) == weight.constantNode) {
                    nodes->DeleteSubrange(n, 1);
                    break;
                }
        } else {
            eraseInitializers(model, graph, [&](const onnx::TensorProto& t) { return &t == weight.tensor; });
        }
    }
    for (std::size_t g = 0; g < index.graphs().size(); ++g) {
        onnx::GraphProto& graph = *index.graphs()[g].graph;
        insertBefore(graph, pending[g]);
        // A MatMul of two initializers can go first: it reads nothing else.
        auto* field = graph.mutable_node();
        for (auto& product : rebuilt[g]) {
            *field->Add() = std::move(product);
            for (int n = field->size() - 1; n > 0; --n)
                field->SwapElements(n, n - 1);
        }
    }
    outcome.summary = outcome.tensors.empty()
        ? "no MatMul or Gemm weight in scope is smaller at the rank that keeps this energy"
        : "factored " + std::to_string(outcome.tensors.size()) + " weight(s), " + humanBytes(before) + " -> "
            + humanBytes(after);
    if (keptAsIs > 0)
        outcome.summary += "; " + std::to_string(keptAsIs) + " kept: the rank they need saves nothing";
    return outcome;
}

class LowRankType final : public TypedStepType<LowRankStep> {
public:
    std::string_view title() const override { return "Low rank"; }
    std::string_view help() const override
    {
        return "MatMul/Gemm weights as two factors of a truncated SVD keeping ENERGY (0.95 or 95%) of Σσ²";
    }
    std::string_view valueName() const override { return "ENERGY"; }
    bool changesShapes() const override { return true; }
    Result<StepParams> fromValue(std::string_view value) const override
    {
        const auto energy = parseShare(value);
        if (!energy || !(*energy > 0.0 && *energy <= 1.0))
            return fail(ErrorCode::InvalidArgument,
                "low_rank takes the energy to keep, above 0 and at most 1 (or 100%), not '" + std::string(value) + "'");
        return LowRankStep { *energy };
    }

protected:
    std::string describeParams(const LowRankStep& step) const override
    {
        char text[96];
        std::snprintf(text, sizeof text, "low rank keeping %.1f %% of the energy", step.energy * 100.0);
        return text;
    }
    Result<LowRankStep> readParams(JsonObjectReader& reader) const override
    {
        LowRankStep step;
        if (auto read = reader.number("energy", step.energy, 1e-6, 1.0); !read)
            return std::unexpected(read.error());
        return step;
    }
    void writeParams(JsonWriter& json, const LowRankStep& step) const override { json.field("energy", step.energy); }
    Result<void> validateParams(const LowRankStep& step) const override
    {
        if (!(step.energy > 0.0 && step.energy <= 1.0))
            return fail(ErrorCode::InvalidArgument, "key 'energy' is out of range (0, 1]");
        return {};
    }
    Result<StepOutcome> run(const LowRankStep& step, const Scope& scope, StepContext& context) const override
    {
        return runLowRank(step, scope, context);
    }
};

} // namespace

const StepType& lowRankStepType()
{
    static const LowRankType type;
    return type;
}

} // namespace slimscope::core::slim
