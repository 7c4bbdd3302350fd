#pragma once

#include "datatype.h"
#include "mappedfile.h"
#include "skeletonparser.h"
#include "support/error.h"
#include "support/output.h"
#include "support/progress.h"

#include <onnx/onnx_pb.h>

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace slimscope::core::model {

/// How a weight tensor is stored in the model.
enum class Storage { Initializer, SparseInitializer, Constant };
std::string_view storageName(Storage storage);

/// Where a tensor's bytes are.
struct DataLocation {
    enum class Kind {
        None, ///< no data (zero elements)
        ModelFile, ///< raw_data inside the model file
        ExternalFile, ///< external data file `externalFile`
        TypedFields, ///< float_data, int32_data, ... of the TensorProto
        Attribute, ///< a Constant node's value_float(s) / value_int(s)
    };
    Kind kind = Kind::None;
    std::uint64_t offset = 0;
    std::uint64_t size = 0;
    int externalFile = -1;
};

/// One graph of the model: the main graph or a subgraph of an If/Loop/Scan (or any graph attribute).
struct GraphInfo {
    std::string path; ///< "main", "main/cond.then_branch", "main/loop.body/inner.else_branch"
    const onnx::GraphProto* graph = nullptr;
    int depth = 0; ///< 0 for the main graph
    const onnx::NodeProto* ownerNode = nullptr; ///< the node whose attribute holds this graph
    int parent = -1; ///< index of the enclosing graph in ModelFile::graphs(), -1 for the main graph
};

/// One stored weight tensor: an initializer, a sparse initializer or a Constant node's value, in any graph.
struct WeightTensor {
    std::string name;
    Storage storage = Storage::Initializer;
    int graphIndex = 0; ///< index into ModelFile::graphs()
    std::int32_t dataType = 0;
    std::vector<std::int64_t> shape;
    std::uint64_t elements = 0; ///< dense element count (product of the shape)
    std::uint64_t storedElements = 0; ///< values actually stored: `elements`, or the non-zeros of a sparse tensor
    std::uint64_t storedBytes = 0; ///< bytes of the stored values (+ indices for sparse tensors)
    bool external = false;
    const onnx::TensorProto* tensor = nullptr; ///< values (null for value_float(s)/value_int(s) constants)
    const onnx::TensorProto* sparseIndices = nullptr;
    const onnx::NodeProto* constantNode = nullptr;
    const onnx::AttributeProto* attribute = nullptr;
    DataLocation data;
    DataLocation indices;
};

/// An external data file referenced by the model.
struct ExternalFile {
    std::string location; ///< as written in the model
    std::filesystem::path path; ///< resolved, canonical
    std::uint64_t size = 0;
};

/// A view of a tensor's bytes in the dense little-endian layout of its type; `owner` keeps them alive.
struct TensorBytes {
    std::span<const std::byte> bytes;
    std::shared_ptr<const void> owner;
};

/// A loaded ONNX model: the memory-mapped file, a protobuf skeleton without the large weight payloads,
/// every weight tensor of every graph validated, and lazy access to their bytes. Immutable after load and
/// safe to read from several threads.
class ModelFile {
public:
    /// Largest file protobuf can parse; bigger models must keep weights in external data.
    static constexpr std::uint64_t kMaxProtobufBytes = 2147483647ull;

    /// Loads and validates a model. Errors start with the model's path and say what is wrong.
    static Result<std::shared_ptr<const ModelFile>> load(
        const std::filesystem::path& path, const CancelToken* cancel = nullptr);

    const std::filesystem::path& path() const { return m_file->path(); }
    std::uint64_t fileSize() const { return m_file->size(); }
    std::span<const std::byte> fileBytes() const { return m_file->bytes(); }
    /// An error naming the file when the model or one of its external data files lost bytes (truncated) while it
    /// was mapped (MappedFile::checkIntact).
    Result<void> checkIntact() const;
    const onnx::ModelProto& proto() const { return *m_skeleton.model; }
    const std::vector<GraphInfo>& graphs() const { return m_graphs; }
    const std::vector<WeightTensor>& weights() const { return m_weights; }
    const std::vector<ExternalFile>& externalFiles() const { return m_externalFiles; }
    /// The model file and its external data files, which no output may overwrite.
    std::vector<InputFile> inputFiles() const;
    const Diagnostics& diagnostics() const { return m_diagnostics; }
    /// Where every raw_data payload of the skeleton lies in the file (weights and any other tensor attribute).
    const std::unordered_map<const onnx::TensorProto*, ByteRange>& rawDataRanges() const { return m_skeleton.rawData; }

    /// The tensor's stored values (for sparse tensors: the non-zero values only). Strings have no bytes.
    Result<TensorBytes> read(const WeightTensor& tensor) const;
    /// A sparse tensor's indices (int64 or int32, linear [nnz] or coordinates [nnz, rank]).
    Result<TensorBytes> readIndices(const WeightTensor& tensor) const;

    ~ModelFile();

private:
    ModelFile() = default;
    friend class ModelLoader;

    Result<TensorBytes> readLocation(const DataLocation& location, const onnx::TensorProto* tensor,
        const onnx::AttributeProto* attribute, std::int32_t dataType) const;
    Result<std::shared_ptr<const MappedFile>> externalMapping(int index) const;

    std::shared_ptr<const MappedFile> m_file;
    Skeleton m_skeleton;
    std::vector<GraphInfo> m_graphs;
    std::vector<WeightTensor> m_weights;
    std::vector<ExternalFile> m_externalFiles;
    Diagnostics m_diagnostics;
    mutable std::mutex m_externalMutex;
    mutable std::vector<std::shared_ptr<const MappedFile>> m_externalMappings;
};

} // namespace slimscope::core::model
