#pragma once

#include "floatview.h"
#include "model/modelfile.h"
#include "support/error.h"

#include <onnx/onnx_pb.h>

#include <functional>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

namespace slimscope::core::slim {

struct TensorSource;

/// Bytes a step will produce when they are needed: a preview needs only their size (and the error the step
/// measured on the way), an export or a later step asks for the bytes. Immutable and shareable across threads.
class DeferredBytes {
public:
    virtual ~DeferredBytes() = default;
    /// Exact size of the bytes materialize() returns.
    virtual std::uint64_t byteSize() const = 0;
    /// Computes the bytes (raw_data layout). Called again on every use: nothing is kept in memory.
    virtual Result<std::vector<std::byte>> materialize() const = 0;
    /// The bytes these are computed from element by element (same element count and order), if any: a later
    /// step follows it to the original weight to measure its error against the original values.
    virtual const TensorSource* origin() const { return nullptr; }
    /// The values as float32 read in place without computing the bytes, where that is possible (a prune reads
    /// its input cut); nullopt otherwise.
    virtual Result<std::optional<FloatValues>> floatValues() const { return std::optional<FloatValues> {}; }
};

/// Where a working tensor's bytes come from: a range of the original model (mapping, external file or typed
/// fields decoded on demand), bytes a step produced, or bytes a step will produce.
struct TensorSource {
    std::shared_ptr<const model::ModelFile> file; ///< set for original data
    const model::WeightTensor* weight = nullptr; ///< original values
    bool indices = false; ///< the original's sparse indices rather than values
    std::shared_ptr<const std::vector<std::byte>> owned; ///< set for new data
    std::shared_ptr<const DeferredBytes> deferred; ///< set for data not computed yet

    /// The bytes, whatever their origin.
    Result<model::TensorBytes> read() const;
    /// The original weight these bytes derive from element by element (itself for an original weight's
    /// values), following DeferredBytes::origin(); null when there is none.
    const TensorSource* originalWeight() const;
    /// What identifies these bytes while `keepAlive` is held: caches key per-tensor work on it.
    const void* identity() const;
    std::shared_ptr<const void> keepAlive() const;
};

/// A graph of the working model with its place in the hierarchy.
struct WorkingGraph {
    onnx::GraphProto* graph = nullptr;
    int parent = -1;
    std::string path;
};

/// A mutable copy of a model: the protobuf skeleton (no weight payloads) plus, per TensorProto, where its
/// bytes are. Steps rewrite the skeleton and attach new bytes; nothing is copied until the model is written.
/// Invariant: a tensor with a source has no raw_data in the skeleton.
class WorkingModel {
public:
    explicit WorkingModel(std::shared_ptr<const model::ModelFile> file);
    /// A copy that shares every source's bytes (steps replace sources, they never change bytes in place).
    std::unique_ptr<WorkingModel> clone() const;

    onnx::ModelProto& proto() { return *m_proto; }
    const onnx::ModelProto& proto() const { return *m_proto; }
    const std::shared_ptr<const model::ModelFile>& original() const { return m_file; }

    /// The tensor's values in the dense little-endian layout of its type (raw_data layout).
    Result<model::TensorBytes> data(const onnx::TensorProto& tensor) const;
    bool hasSource(const onnx::TensorProto& tensor) const { return m_sources.contains(&tensor); }
    /// The tensor's source, or nullptr.
    const TensorSource* source(const onnx::TensorProto& tensor) const
    {
        const auto found = m_sources.find(&tensor);
        return found == m_sources.end() ? nullptr : &found->second;
    }
    /// Gives the tensor new bytes (raw_data layout): clears typed fields and external data, keeps name and dims.
    void setData(onnx::TensorProto& tensor, std::vector<std::byte> bytes);
    /// Gives the tensor bytes computed on demand (see setData).
    void setDeferred(onnx::TensorProto& tensor, std::shared_ptr<const DeferredBytes> bytes);
    /// Shares another tensor's source (a renamed or moved copy).
    void shareSource(const onnx::TensorProto& from, onnx::TensorProto& to);
    /// Must be called before a tensor is deleted from the skeleton, so its address cannot be mistaken later.
    void forget(const onnx::TensorProto& tensor);
    /// forget() for every tensor inside a message (graph, node, attribute, sparse tensor).
    void forgetAllIn(const onnx::GraphProto& graph);
    void forgetAllIn(const onnx::NodeProto& node);

    /// Replaces the whole model by `model` (with its payloads, as ONNX's version converter returns it): every
    /// raw_data payload becomes bytes of the working model. The original file stays the reference of the
    /// preview's rows, by name.
    void replaceModel(onnx::ModelProto model);

    /// True while no step changed anything: the skeleton serializes as it did when loaded and no tensor got new
    /// bytes, lost or shared its source. Such a model is written as the input's own bytes.
    bool unchanged() const;

    /// Main graph first, then every subgraph, parents before children.
    std::vector<WorkingGraph> graphs();

    /// Bytes of the serialized model, exactly, with the tensors in `externalTensors` stored externally (their
    /// TensorProto must already carry the external_data entries).
    std::uint64_t serializedSize() const;
    /// Bytes of weight payloads (raw_data or typed fields) across the model.
    std::uint64_t payloadBytes(const onnx::TensorProto& tensor) const;

    /// A copy of the skeleton in which the integer tensors of up to `maxElements` elements carry their values
    /// (Reshape shapes, Slice starts, Split sizes): what shape inference needs to follow the graph, without the
    /// weights.
    onnx::ModelProto withShapeConstants(std::uint64_t maxElements = 4096) const;

    /// Calls fn for every TensorProto in the skeleton (initializers, sparse values/indices, attribute tensors).
    void forEachTensor(const std::function<void(onnx::TensorProto&)>& fn);
    void forEachTensor(const std::function<void(const onnx::TensorProto&)>& fn) const;

private:
    struct CloneTag { };
    WorkingModel(const WorkingModel& other, CloneTag);

    std::shared_ptr<const model::ModelFile> m_file;
    std::unique_ptr<onnx::ModelProto> m_proto;
    std::unordered_map<const onnx::TensorProto*, TensorSource> m_sources;
    std::shared_ptr<const std::string> m_loadedSkeleton; ///< the skeleton as loaded, serialized (unchanged())
    bool m_sourcesChanged = false;
};

/// Calls fn for every TensorProto of a model (initializers, sparse values/indices, attribute tensors, in every
/// graph), in the order WorkingModel::forEachTensor uses.
void visitTensors(onnx::ModelProto& model, const std::function<void(onnx::TensorProto&)>& fn);

} // namespace slimscope::core::slim
