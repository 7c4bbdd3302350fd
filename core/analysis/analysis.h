#pragma once

#include "ids.h"
#include "model/modelfile.h"
#include "support/error.h"
#include "support/progress.h"
#include "tensorstats.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace slimscope::core::analysis {

/// Statistics of one stored weight tensor.
struct TensorStats {
    std::string name;
    model::Storage storage = model::Storage::Initializer;
    std::string graph; ///< "main" or a subgraph path
    model::DataType dtype = model::DataType::Undefined; ///< model::dataTypeName() gives "float32", "int8", ...
    std::vector<std::int64_t> shape;
    std::uint64_t elements = 0; ///< dense element count
    std::uint64_t storedElements = 0; ///< values stored (non-zeros only for sparse tensors); counts as params
    std::uint64_t bytes = 0; ///< bytes as stored (values, plus indices for sparse tensors)
    ScopeIndex scope; ///< the node of Analysis::scopes that holds its bytes
    bool biasOrNorm = false; ///< a bias or normalisation parameter (model/weightroles.h): out of the default scope
    bool external = false;
    std::uint64_t zeros = 0; ///< zeros of the dense tensor (for sparse tensors: omitted entries + stored zeros)
    double sparsity = 0.0; ///< zeros / elements
    bool zerosAgainstZeroPoint = false; ///< read by DequantizeLinear: "zero" means equal to its zero point
    ValueStats values; ///< min, max, mean, std, histogram of the stored values
    std::vector<std::string> consumers; ///< names (or op types) of the nodes that read it directly, for people
    std::vector<LayerIndex> consumerLayers; ///< the same nodes as layers: join by these
    /// The layers that really compute with it, followed through the ops that only move or cut it (a Constant
    /// sliced into LSTM gates: the LSTM, not the Slices; model/weighttrace.h), in model order; its direct
    /// readers when no such layer is found.
    std::vector<LayerIndex> users;
    /// The one layer its bytes, params and zeros are attributed to, so that layers add up to the weight bytes:
    /// the first user; for a Constant nothing reads, the node that holds it; invalid for a weight nothing reads.
    LayerIndex owner;
    bool shared() const { return users.size() > 1; }
    int weightIndex = -1; ///< index into ModelFile::weights()
    /// The model weights it holds: its elements; K · N for MatMulNBits' packed codes; 0 for the scales and zero
    /// points of quantized ops (they are overhead of the weights they describe).
    std::uint64_t weights = 0;
    int packedBits = 0; ///< 4 for MatMulNBits' codes (two per stored byte); 0 when each element is one value
};

/// One node ("layer") of any graph.
struct LayerStats {
    std::string name; ///< node name, or "<op_type>_<index>" when the node has none
    std::string opType;
    std::string domain;
    std::string graph;
    /// The weights attributed to it (TensorStats::owner): what params, bytes and zeros sum, each weight in
    /// exactly one layer.
    std::vector<TensorIndex> tensors;
    /// Weights it uses (or holds, for a Constant node) whose bytes are attributed to another layer.
    std::vector<TensorIndex> sharedTensors;
    std::uint64_t params = 0;
    std::uint64_t bytes = 0;
    std::uint64_t zeros = 0;
    double sparsity = 0.0;
    std::vector<std::string> outputShapes; ///< "[1,64,56,56]", "?" where inference gave nothing
    std::optional<std::uint64_t> macs; ///< nullopt: not known for this op (or shapes unknown)
    bool macsPerTimeStep = false; ///< a recurrent layer whose sequence length is symbolic: `macs` is per step
    std::uint64_t weights = 0; ///< model weights its tensors hold (TensorStats::weights)
    /// 8 · bytes / weights: what each weight costs, scales and zero points included (32 float32, ~8.1 int8 per
    /// channel, ~4.5 for 4-bit blocks of 32); 0 without weights.
    double bitsPerWeight = 0.0;
    std::string shapeError; ///< what ONNX shape inference said about this node, if anything
};

struct ValueInfo {
    std::string name;
    std::string dtype;
    std::vector<std::string> shape; ///< numbers or symbolic names ("N"), "?" when unknown
};

struct OpsetImport {
    std::string domain;
    std::int64_t version = 0;
};

struct ModelSummary {
    std::string path;
    std::uint64_t fileBytes = 0;
    std::string sha256;
    std::int64_t irVersion = 0;
    std::vector<OpsetImport> opsets;
    std::string producerName;
    std::string producerVersion;
    std::vector<ValueInfo> inputs;
    std::vector<ValueInfo> outputs;
    std::uint64_t params = 0; ///< stored elements over every weight tensor in all graphs
    std::uint64_t weightBytes = 0; ///< bytes of all weight tensors, in the file or external
    std::uint64_t externalBytes = 0; ///< part of weightBytes kept in external data files
    std::uint64_t externalFileBytes = 0; ///< sizes of the external data files (what they take on disk)
    std::uint64_t graphBytes = 0; ///< file bytes minus the weight bytes inside the file
    std::uint64_t zeros = 0;
    std::uint64_t macs = 0; ///< over the nodes whose MACs are known
    bool macsPerTimeStep = false; ///< some recurrent layer's MACs are per time step (symbolic sequence length)
    std::uint64_t weights = 0; ///< Σ TensorStats::weights
    double bitsPerWeight = 0.0; ///< 8 · weightBytes / weights, 0 without weights
    std::uint64_t tensorCount = 0;
    std::uint64_t nodeCount = 0;
    std::uint64_t graphCount = 0;
    std::uint64_t externalFileCount = 0;
};

struct DtypeTotal {
    model::DataType dtype = model::DataType::Undefined;
    std::uint64_t tensors = 0;
    std::uint64_t elements = 0;
    std::uint64_t bytes = 0;
};

struct OpTypeTotal {
    std::string opType;
    std::uint64_t nodes = 0;
    std::uint64_t params = 0;
    std::uint64_t bytes = 0;
    std::uint64_t macs = 0;
};

/// A node of the name-scope tree (names split on '/' and '.'); leaves are layers or loose tensors.
struct ScopeNode {
    std::string name; ///< this level's part of the name
    std::string path; ///< full prefix up to and including this level
    std::uint64_t bytes = 0; ///< weight bytes at and below this node
    std::uint64_t params = 0;
    int parent = -1;
    std::vector<int> children;
    int layer = -1; ///< index into Analysis::layers for leaves that are layers
};

enum class Severity { Info, Low, Medium, High };
std::string_view severityName(Severity severity);

/// What a finding is about; findingKindName() gives its name in every output ("duplicate_tensor", ...).
enum class FindingKind {
    DuplicateTensor,
    UnusedTensor,
    DeadNode,
    Float64Weights,
    DenseZeros,
    ZeroChannels,
    DeadInputFeatures,
    InitializerAsInput,
    LargeConstant,
    LowRank,
    Fp16Overflow,
    NonFiniteWeights,
};
std::string_view findingKindName(FindingKind kind);
/// Every kind, in the order findingKindName() lists them (docs/cli.md's table).
inline constexpr FindingKind kFindingKinds[] = { FindingKind::DuplicateTensor, FindingKind::UnusedTensor,
    FindingKind::DeadNode, FindingKind::Float64Weights, FindingKind::DenseZeros, FindingKind::ZeroChannels,
    FindingKind::DeadInputFeatures, FindingKind::InitializerAsInput, FindingKind::LargeConstant, FindingKind::LowRank,
    FindingKind::Fp16Overflow, FindingKind::NonFiniteWeights };

/// A piece of measured bloat with the bytes a fix would recover.
struct Finding {
    FindingKind kind = FindingKind::DuplicateTensor;
    Severity severity = Severity::Info;
    std::uint64_t bytesRecoverable = 0;
    std::vector<std::string> tensors;
    std::vector<std::string> nodes;
    std::string message;
    std::string fix;
};

/// Everything known about a model; immutable once built and shared between threads.
struct Analysis {
    std::shared_ptr<const model::ModelFile> modelFile;
    ModelSummary model;
    std::vector<TensorStats> tensors;
    std::vector<LayerStats> layers;
    std::vector<Finding> findings;
    std::vector<DtypeTotal> byDtype;
    std::vector<OpTypeTotal> byOpType;
    std::vector<ScopeNode> scopes; ///< scopes[0] is the root
    Diagnostics diagnostics;

    const TensorStats& tensor(TensorIndex index) const { return tensors[index.get()]; }
    const LayerStats& layer(LayerIndex index) const { return layers[index.get()]; }
    /// The layer's largest weight tensor (the first of equals), among those attributed to it or, when none is,
    /// among those it shares: what views and reports show for the layer.
    TensorIndex largestTensor(const LayerStats& of) const
    {
        TensorIndex largest;
        for (const TensorIndex t : of.tensors.empty() ? of.sharedTensors : of.tensors)
            if (!largest.valid() || tensor(t).bytes > tensor(largest).bytes)
                largest = t;
        return largest;
    }
};

struct AnalyzeOptions {
    bool computeSha256 = true;
    bool inferShapes = true;
};

/// Analyzes a loaded model: statistics of every weight tensor (in parallel), layers with shapes and MACs,
/// totals, the scope tree and bloat findings.
Result<std::shared_ptr<const Analysis>> analyze(std::shared_ptr<const model::ModelFile> file,
    const Progress& progress = {}, const CancelToken* cancel = nullptr, const AnalyzeOptions& options = {});

/// Builds the name-scope tree from the tensors' current bytes into Analysis::scopes and sets each tensor's
/// `scope` (analyze() does this; the GUI calls it again on a copy whose bytes are a slimming preview's "after"
/// sizes). The one place that decides where a tensor's bytes sit in the tree.
void assignScopes(Analysis& analysis);

/// Loads and analyzes in one call.
Result<std::shared_ptr<const Analysis>> analyzeFile(const std::string& path, const Progress& progress = {},
    const CancelToken* cancel = nullptr, const AnalyzeOptions& options = {});

} // namespace slimscope::core::analysis
