// Bloat findings: each is measured, names the tensors and nodes involved, and says what a fix would recover.
#include "analysisinternal.h"
#include "model/elementdecode.h"
#include "model/liveness.h"
#include "support/format.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <map>
#include <optional>
#include <unordered_set>

namespace slimscope::core::analysis::detail {

namespace {

using model::DataType;

// Scalars and small shape tensors (Pad pads, Reshape shapes: up to 8 int64) repeat everywhere and are not bloat.
constexpr std::uint64_t kMaxIgnoredDuplicateBytes = 64;
constexpr std::uint64_t kMinDenseZerosElements = 1024;
constexpr std::uint64_t kLargeConstantBytes = 1u << 20;

std::string humanBytes(std::uint64_t bytes)
{
    char text[64];
    if (bytes >= (1u << 20))
        std::snprintf(text, sizeof text, "%.1f MiB", static_cast<double>(bytes) / (1u << 20));
    else if (bytes >= 1024)
        std::snprintf(text, sizeof text, "%.1f KiB", static_cast<double>(bytes) / 1024.0);
    else
        std::snprintf(text, sizeof text, "%llu bytes", static_cast<unsigned long long>(bytes));
    return text;
}

std::string percent(double fraction)
{
    char text[32];
    std::snprintf(text, sizeof text, "%.1f%%", fraction * 100.0);
    return text;
}

class FindingCollector {
public:
    FindingCollector(const Analysis& analysis, const WeightScopes& scopes)
        : m_analysis(analysis)
        , m_file(*analysis.modelFile)
        , m_scopes(scopes)
    { }

    std::vector<Finding> run()
    {
        duplicates();
        unusedTensors();
        deadNodes();
        float64Weights();
        fp16Range();
        denseZeros();
        zeroChannels();
        deadInputFeatures();
        initializersAsInputs();
        largeConstants();
        for (Finding& finding : m_findings)
            finding.severity = severityFor(finding.bytesRecoverable);

        std::ranges::stable_sort(m_findings, std::greater {}, &Finding::bytesRecoverable);
        if (auto broken = nonFiniteWeights()) // not bloat but a fault: first, and high whatever its bytes
            m_findings.insert(m_findings.begin(), std::move(*broken));
        return std::move(m_findings);
    }

private:
    Severity severityFor(std::uint64_t bytes) const
    {
        const double fraction = static_cast<double>(bytes)
            / static_cast<double>(
                std::max<std::uint64_t>(1, m_analysis.model.fileBytes + m_analysis.model.externalBytes));
        if (fraction >= 0.10)
            return Severity::High;
        if (fraction >= 0.01)
            return Severity::Medium;
        return bytes > 0 ? Severity::Low : Severity::Info;
    }

    std::span<const std::byte> bytesOf(std::size_t tensor)
    {
        auto bytes = m_file.read(m_file.weights()[tensor]);
        if (!bytes)
            return {};
        m_keepAlive.push_back(bytes->owner);
        return bytes->bytes;
    }

    void duplicates()
    {
        // Only tensors of equal type, shape and size can be byte-identical copies; compare those byte by byte.
        std::map<std::tuple<std::string, std::vector<std::int64_t>, std::uint64_t>, std::vector<std::size_t>> groups;
        for (std::size_t i = 0; i < m_analysis.tensors.size(); ++i) {
            const TensorStats& t = m_analysis.tensors[i];
            if (t.bytes <= kMaxIgnoredDuplicateBytes || t.storage == model::Storage::SparseInitializer
                || t.dtype == model::DataType::String)
                continue;
            // Keyed by the type's name: findings keep the order they have always been reported in.
            groups[{ std::string(model::dataTypeName(t.dtype)), t.shape, t.bytes }].push_back(i);
        }
        for (const auto& [key, members] : groups) {
            if (members.size() < 2)
                continue;
            std::vector<std::vector<std::size_t>> identical; // each starts with its representative
            for (const std::size_t member : members) {
                const auto bytes = bytesOf(member);
                if (bytes.empty())
                    continue;
                bool placed = false;
                for (auto& set : identical) {
                    const auto other = bytesOf(set.front());
                    if (std::memcmp(bytes.data(), other.data(), bytes.size()) == 0) {
                        set.push_back(member);
                        placed = true;
                        break;
                    }
                }
                if (!placed)
                    identical.push_back({ member });
            }
            for (const auto& set : identical) {
                if (set.size() < 2)
                    continue;
                Finding finding;
                finding.kind = FindingKind::DuplicateTensor;
                const TensorStats& first = m_analysis.tensors[set.front()];
                finding.bytesRecoverable = (set.size() - 1) * first.bytes;
                for (const std::size_t member : set) {
                    finding.tensors.push_back(m_analysis.tensors[member].name);
                    for (const auto& consumer : m_analysis.tensors[member].consumers)
                        finding.nodes.push_back(consumer);
                }
                finding.message = std::to_string(set.size()) + " byte-identical copies of a "
                    + std::string(model::dataTypeName(first.dtype)) + " tensor of " + humanBytes(first.bytes) + " ('"
                    + first.name + "', ...)";
                finding.fix = "cleanup: keep one copy and rewire the consumers to it";
                m_findings.push_back(std::move(finding));
            }
        }
    }

    std::unordered_set<std::string> graphOutputNames() const
    {
        std::unordered_set<std::string> names;
        for (const auto& graph : m_file.graphs())
            for (const auto& output : graph.graph->output())
                names.insert(output.name());
        return names;
    }

    void unusedTensors()
    {
        const auto outputs = graphOutputNames();
        Finding finding;
        finding.kind = FindingKind::UnusedTensor;
        for (const TensorStats& t : m_analysis.tensors) {
            if (!t.consumers.empty() || outputs.contains(t.name) || t.storage == model::Storage::Constant)
                continue;
            finding.tensors.push_back(t.name);
            finding.bytesRecoverable += t.bytes;
        }
        if (finding.tensors.empty())
            return;
        finding.message = std::to_string(finding.tensors.size()) + " stored tensor(s) that no node reads ("
            + humanBytes(finding.bytesRecoverable) + ")";
        finding.fix = "cleanup: remove unused initializers";
        m_findings.push_back(std::move(finding));
    }

    // Nodes whose outputs reach no graph output (model::liveNodes), and the weights only they read.
    void deadNodes()
    {
        Finding finding;
        finding.kind = FindingKind::DeadNode;
        std::unordered_set<std::string> deadLabels;
        std::size_t layerIndex = 0;
        for (const auto& info : m_file.graphs()) {
            const auto& nodes = info.graph->node();
            const std::vector<bool> live = model::liveNodes(*info.graph);
            for (int n = 0; n < nodes.size(); ++n, ++layerIndex) {
                if (live[static_cast<std::size_t>(n)])
                    continue;
                const LayerStats& layer = m_analysis.layers[layerIndex];
                finding.nodes.push_back(layer.name);
                deadLabels.insert(layer.name);
            }
        }
        if (finding.nodes.empty())
            return;
        // Weights read only by dead nodes (or held by dead Constant nodes) go away with them.
        for (const TensorStats& t : m_analysis.tensors) {
            const bool deadConstant = t.storage == model::Storage::Constant && t.consumers.empty()
                && m_file.weights()[static_cast<std::size_t>(t.weightIndex)].constantNode
                && deadLabels.contains(nodeLabelOf(t));
            const bool onlyDeadReaders = !t.consumers.empty()
                && std::ranges::all_of(t.consumers, [&](const std::string& c) { return deadLabels.contains(c); });
            if (deadConstant || onlyDeadReaders) {
                finding.tensors.push_back(t.name);
                finding.bytesRecoverable += t.bytes;
            }
        }
        finding.message = std::to_string(finding.nodes.size()) + " node(s) whose outputs reach no graph output";
        finding.fix = "cleanup: remove dead nodes and the weights only they read";
        m_findings.push_back(std::move(finding));
    }

    std::string nodeLabelOf(const TensorStats& t) const
    {
        const auto& weight = m_file.weights()[static_cast<std::size_t>(t.weightIndex)];
        const auto& nodes = m_file.graphs()[static_cast<std::size_t>(weight.graphIndex)].graph->node();
        for (int n = 0; n < nodes.size(); ++n)
            if (&nodes[n] == weight.constantNode)
                return nodeLabel(nodes[n], n);
        return {};
    }

    void float64Weights()
    {
        Finding finding;
        finding.kind = FindingKind::Float64Weights;
        std::uint64_t bytes = 0;
        for (const TensorStats& t : m_analysis.tensors)
            if (t.dtype == model::DataType::Double) {
                finding.tensors.push_back(t.name);
                bytes += t.bytes;
                finding.nodes.insert(finding.nodes.end(), t.consumers.begin(), t.consumers.end());
            }
        if (finding.tensors.empty())
            return;
        finding.bytesRecoverable = bytes / 2;
        finding.message = std::to_string(finding.tensors.size()) + " float64 weight tensor(s) (" + humanBytes(bytes)
            + "); float32 holds the same values in half the bytes";
        finding.fix = "quantize fp32: store as float32 (or float16) with a Cast where float64 is required";
        m_findings.push_back(std::move(finding));
    }

    // Weights holding NaN or infinities: the model computes NaN or infinities wherever they are read. Nothing to
    // recover, but the worst news a model can bring, so the finding is high.
    std::optional<Finding> nonFiniteWeights() const
    {
        Finding finding;
        finding.kind = FindingKind::NonFiniteWeights;
        finding.severity = Severity::High;
        std::uint64_t values = 0;
        for (const TensorStats& t : m_analysis.tensors)
            if (t.values.computed && t.values.nonFinite > 0) {
                finding.tensors.push_back(t.name);
                values += t.values.nonFinite;
                finding.nodes.insert(finding.nodes.end(), t.consumers.begin(), t.consumers.end());
            }
        if (finding.tensors.empty())
            return std::nullopt;
        finding.message = groupedCount(values) + (values == 1 ? " value" : " values") + " in "
            + std::to_string(finding.tensors.size()) + " weight tensor(s) " + (values == 1 ? "is" : "are")
            + " NaN or infinite: every output that depends on them will be NaN or infinite too";
        finding.fix = "export the model again from a checkpoint without them; quantization stores NaN as 0 and an "
                      "infinity as the extreme level, which hides the fault rather than fixing it";
        return finding;
    }

    // Float weights float16 cannot hold: values beyond ±65504 saturate, and a tensor whose every value (or most of
    // its non-zero values) is below float16's smallest normal (6.1e-5) keeps at most a few bits of each. bfloat16
    // has float32's range. "Most" needs no second pass over the values: by Markov's inequality on v², at most
    // Σv² / t² values have |v| >= t, so when that bound is under half of the non-zero values, more than half of them
    // are below t (a conservative test: a tensor it flags certainly qualifies).
    void fp16Range()
    {
        constexpr double kHalfMax = 65504.0, kHalfMinNormal = 6.103515625e-05;
        Finding over, under, mostly;
        over.kind = under.kind = mostly.kind = FindingKind::Fp16Overflow;
        double largest = 0.0;
        for (const TensorStats& t : m_analysis.tensors) {
            if ((t.dtype != model::DataType::Float && t.dtype != model::DataType::Double) || !t.values.computed
                || t.values.count == 0)
                continue;
            const double magnitude = std::max(std::fabs(t.values.min), std::fabs(t.values.max));
            if (magnitude > kHalfMax) {
                over.tensors.push_back(t.name);
                over.nodes.insert(over.nodes.end(), t.consumers.begin(), t.consumers.end());
                largest = std::max(largest, magnitude);
            } else if (magnitude > 0.0 && magnitude < kHalfMinNormal) {
                under.tensors.push_back(t.name);
                under.nodes.insert(under.nodes.end(), t.consumers.begin(), t.consumers.end());
            } else if (magnitude > 0.0 && t.values.count > t.values.zeros) {
                const double n = static_cast<double>(t.values.count);
                const double sumSquares = n * (t.values.std * t.values.std + t.values.mean * t.values.mean);
                const double atLeastNormal = sumSquares / (kHalfMinNormal * kHalfMinNormal);
                if (atLeastNormal < 0.5 * static_cast<double>(t.values.count - t.values.zeros)) {
                    mostly.tensors.push_back(t.name);
                    mostly.nodes.insert(mostly.nodes.end(), t.consumers.begin(), t.consumers.end());
                }
            }
        }
        std::string names;
        if (!over.tensors.empty()) {
            char text[64];
            std::snprintf(text, sizeof text, "%.6g", largest);
            over.message = std::to_string(over.tensors.size())
                + " float weight tensor(s) hold values beyond float16's "
                  "±65504 (up to "
                + text + "): quantize fp16 would saturate them";
            over.fix = "quantize fp16 with keep: [these tensors], or quantize bf16 (float32's range)";
            m_findings.push_back(std::move(over));
        }
        if (!under.tensors.empty()) {
            under.message = std::to_string(under.tensors.size())
                + " float weight tensor(s) have every value below "
                  "float16's smallest normal 6.1e-5: quantize fp16 would keep only a few bits of each";
            under.fix = "quantize fp16 with keep: [these tensors], or quantize bf16";
            m_findings.push_back(std::move(under));
        }
        if (!mostly.tensors.empty()) {
            mostly.message = std::to_string(mostly.tensors.size())
                + " float weight tensor(s) have most of their non-zero values below float16's smallest normal 6.1e-5 "
                  "(bounded from their mean square): quantize fp16 would keep only a few bits of those";
            mostly.fix = "quantize fp16 with keep: [these tensors], or quantize bf16";
            m_findings.push_back(std::move(mostly));
        }
    }

    void denseZeros()
    {
        for (const TensorStats& t : m_analysis.tensors) {
            if (t.storage == model::Storage::SparseInitializer || t.elements < kMinDenseZerosElements
                || t.sparsity < 0.5 || !t.values.computed)
                continue;
            // COO storage with int64 linear indices costs (value + 8) bytes per non-zero.
            const std::uint64_t nonZeros = t.elements - t.zeros;
            const std::uint64_t elementBytes = t.elements ? t.bytes / t.elements : 0;
            const std::uint64_t sparseBytes = nonZeros * (elementBytes + 8);
            Finding finding;
            finding.kind = FindingKind::DenseZeros;
            finding.tensors = { t.name };
            finding.nodes = t.consumers;
            finding.bytesRecoverable = sparseBytes < t.bytes ? t.bytes - sparseBytes : 0;
            finding.message
                = "'" + t.name + "' is " + percent(t.sparsity) + " zeros stored densely (" + humanBytes(t.bytes) + ")";
            finding.fix = finding.bytesRecoverable > 0
                ? "sparse_storage: store as a sparse_initializer"
                : "prune structurally (channels) or quantize: too few zeros for sparse storage to pay";
            m_findings.push_back(std::move(finding));
        }
    }

    void zeroChannels()
    {
        std::size_t layerIndex = 0;
        for (int g = 0; g < static_cast<int>(m_file.graphs().size()); ++g) {
            for (const auto& node : m_file.graphs()[static_cast<std::size_t>(g)].graph->node()) {
                const LayerStats& layer = m_analysis.layers[layerIndex++];
                if (node.input_size() < 2
                    || !(node.op_type() == "Conv" || node.op_type() == "Gemm" || node.op_type() == "MatMul"))
                    continue;
                const int weight = m_scopes.resolve(g, node.input(1));
                if (weight < 0)
                    continue;
                bool transB = false;
                for (const auto& attribute : node.attribute())
                    if (attribute.name() == "transB")
                        transB = attribute.i() != 0;
                // Output channels: Conv weight rows [Cout, ...]; Gemm B rows when transB, else columns; MatMul columns.
                const bool rows = node.op_type() == "Conv" || (node.op_type() == "Gemm" && transB);
                checkChannels(static_cast<std::size_t>(weight), rows, layer);
            }
        }
    }

    // Features of a main-graph input that the first layer multiplies by zero: the model ignores them. Every
    // reader must be a Gemm (transA 0) or MatMul with a constant 2-D weight; a feature is dead when its slice of
    // every such weight is zero or below 1e-6 of that weight's largest slice norm.
    void deadInputFeatures()
    {
        const auto& main = *m_file.graphs().front().graph;
        std::unordered_set<std::string> initializers;
        for (const auto& tensor : main.initializer())
            initializers.insert(tensor.name());
        for (const auto& input : main.input()) {
            if (initializers.contains(input.name()))
                continue;
            struct Reader {
                std::size_t weight;
                bool rows; ///< feature k is row k of the weight (else column k)
                std::string node;
            };
            std::vector<Reader> readers;
            bool onlyProducts = true;
            std::size_t layerIndex = 0;
            for (const auto& node : main.node()) {
                const LayerStats& layer = m_analysis.layers[layerIndex++];
                for (int i = 0; i < node.input_size(); ++i) {
                    if (node.input(i) != input.name())
                        continue;
                    const int weight = node.input_size() > 1 ? m_scopes.resolve(0, node.input(1)) : -1;
                    std::int64_t transA = 0, transB = 0;
                    for (const auto& attribute : node.attribute()) {
                        transA = attribute.name() == "transA" ? attribute.i() : transA;
                        transB = attribute.name() == "transB" ? attribute.i() : transB;
                    }
                    const bool product = i == 0 && weight >= 0 && transA == 0
                        && (node.op_type() == "Gemm" || node.op_type() == "MatMul")
                        && m_analysis.tensors[static_cast<std::size_t>(weight)].shape.size() == 2;
                    if (!product)
                        onlyProducts = false;
                    else
                        readers.push_back({ static_cast<std::size_t>(weight),
                            !(node.op_type() == "Gemm" && transB != 0), layer.name });
                }
            }
            if (!onlyProducts || readers.empty())
                continue;
            const auto featuresOf = [&](const Reader& r) {
                const auto& shape = m_analysis.tensors[r.weight].shape;
                return static_cast<std::uint64_t>(r.rows ? shape[0] : shape[1]);
            };
            const std::uint64_t features = featuresOf(readers.front());
            std::vector<bool> dead(features, true);
            std::uint64_t recoverable = 0;
            for (const Reader& r : readers) {
                const auto type = model::dataTypeInfo(m_file.weights()[r.weight].dataType);
                const auto bytes = bytesOf(r.weight);
                const auto& shape = m_analysis.tensors[r.weight].shape;
                const auto rows = static_cast<std::uint64_t>(shape[0]), cols = static_cast<std::uint64_t>(shape[1]);
                // Only a dense weight whose bytes hold every element is read here (a sparse one stores fewer).
                if (featuresOf(r) != features || !type || !isNumeric(type->type) || type->bits < 8
                    || bytes.size() < rows * cols * (type->bits / 8)) {
                    dead.assign(features, false); // a weight we cannot read: nothing is known to be dead
                    break;
                }
                const std::uint64_t width = r.rows ? cols : rows;
                // Squared norm per feature, the weight read once in memory order: a feature is a row, or a
                // column (Gemm with transB) whose norm collects one element of every row.
                std::vector<double> norms(features, 0.0), row(cols);
                for (std::uint64_t i = 0; i < rows; ++i) {
                    elementsAsDoubles(type->type, bytes.data(), i * cols, row);
                    for (std::uint64_t j = 0; j < cols; ++j)
                        norms[r.rows ? i : j] += row[j] * row[j];
                }
                const double largest = std::sqrt(*std::ranges::max_element(norms));
                for (std::uint64_t k = 0; k < features; ++k)
                    dead[k] = dead[k] && std::sqrt(norms[k]) <= 1e-6 * largest;
                recoverable += width * (m_analysis.tensors[r.weight].bytes / (rows * cols));
            }
            std::vector<std::uint64_t> indices;
            for (std::uint64_t k = 0; k < features; ++k)
                if (dead[k])
                    indices.push_back(k);
            if (indices.empty() || indices.size() == features)
                continue;
            Finding finding;
            finding.kind = FindingKind::DeadInputFeatures;
            for (const Reader& r : readers) {
                finding.tensors.push_back(m_analysis.tensors[r.weight].name);
                finding.nodes.push_back(r.node);
            }
            finding.bytesRecoverable = indices.size() * recoverable;
            std::string list;
            for (std::size_t i = 0; i < indices.size() && i < 16; ++i)
                list += (i ? "," : "") + std::to_string(indices[i]);
            if (indices.size() > 16)
                list += ",...";
            finding.message = std::to_string(indices.size()) + " of " + std::to_string(features)
                + " features of input '" + input.name() + "' are multiplied by zero in the first layer (" + list
                + "): the model ignores them";
            finding.fix = "callers can stop computing them; prune_channels with inputs (--prune-inputs) removes them "
                          "from the model, which narrows its input: callers then leave them out";
            m_findings.push_back(std::move(finding));
        }
    }

    void checkChannels(std::size_t index, bool rows, const LayerStats& layer)
    {
        const TensorStats& t = m_analysis.tensors[index];
        const auto type = model::dataTypeInfo(m_file.weights()[index].dataType);
        if (t.zeros == 0 || t.storage == model::Storage::SparseInitializer || t.shape.size() < 2 || !type
            || !isNumeric(type->type) || t.zerosAgainstZeroPoint)
            return;
        const auto bytes = bytesOf(index);
        if (bytes.empty())
            return;
        const std::uint64_t channels = static_cast<std::uint64_t>(rows ? t.shape[0] : t.shape.back());
        const std::uint64_t perChannel = channels ? t.elements / channels : 0;
        if (channels < 2 || t.zeros < perChannel)
            return;
        std::vector<std::int64_t> zeroChannels;
        for (std::uint64_t c = 0; c < channels; ++c) {
            bool allZero = true;
            for (std::uint64_t k = 0; k < perChannel && allZero; ++k) {
                const std::uint64_t i = rows ? c * perChannel + k : k * channels + c;
                allZero = elementAsDouble(type->type, bytes.data(), i) == 0.0;
            }
            if (allZero)
                zeroChannels.push_back(static_cast<std::int64_t>(c));
        }
        if (zeroChannels.empty())
            return;
        Finding finding;
        finding.kind = FindingKind::ZeroChannels;
        finding.tensors = { t.name };
        finding.nodes = { layer.name };
        finding.bytesRecoverable = zeroChannels.size() * (t.bytes / channels);
        std::string list;
        for (std::size_t i = 0; i < zeroChannels.size() && i < 16; ++i)
            list += (i ? "," : "") + std::to_string(zeroChannels[i]);
        if (zeroChannels.size() > 16)
            list += ",...";
        finding.message = std::to_string(zeroChannels.size()) + " of " + std::to_string(channels)
            + " output channels of '" + layer.name + "' have all-zero weights (" + list + ")";
        finding.fix = "prune_channels zero: remove the channels (and the inputs they feed) where their output is zero";
        m_findings.push_back(std::move(finding));
    }

    void initializersAsInputs()
    {
        const auto& graph = m_file.proto().graph();
        std::unordered_set<std::string> inputs;
        for (const auto& input : graph.input())
            inputs.insert(input.name());
        Finding finding;
        finding.kind = FindingKind::InitializerAsInput;
        for (const auto& tensor : graph.initializer())
            if (inputs.contains(tensor.name()))
                finding.tensors.push_back(tensor.name());
        if (finding.tensors.empty())
            return;
        finding.message = std::to_string(finding.tensors.size())
            + " initializer(s) also listed as graph inputs (old IR style): runtimes must treat them as overridable,"
              " which blocks constant folding";
        finding.fix = m_file.proto().ir_version() >= 4
            ? "cleanup: drop them from the graph inputs"
            : "cleanup: raise the IR version to 4 and drop them from the graph inputs";
        m_findings.push_back(std::move(finding));
    }

    void largeConstants()
    {
        for (const TensorStats& t : m_analysis.tensors) {
            if (t.storage != model::Storage::Constant || t.bytes <= kLargeConstantBytes)
                continue;
            Finding finding;
            finding.kind = FindingKind::LargeConstant;
            finding.tensors = { t.name };
            finding.nodes = { nodeLabelOf(t) };
            finding.message = "Constant node '" + finding.nodes.front() + "' holds " + humanBytes(t.bytes);
            finding.fix = "Slimscope's steps slim it where it is; other tools (external data, ONNX Runtime's "
                          "quantizer) reach only initializers: store it as one for them";
            m_findings.push_back(std::move(finding));
        }
    }

    const Analysis& m_analysis;
    const model::ModelFile& m_file;
    const WeightScopes& m_scopes;
    std::vector<Finding> m_findings;
    std::vector<std::shared_ptr<const void>> m_keepAlive;
};

} // namespace

std::vector<Finding> findBloat(const Analysis& analysis, const WeightScopes& scopes)
{
    return FindingCollector(analysis, scopes).run();
}

} // namespace slimscope::core::analysis::detail
