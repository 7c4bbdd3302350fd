#include "skeletonparser.h"

#include <google/protobuf/io/coded_stream.h>

#include <optional>
#include <string>

namespace slimscope::core::model {

namespace {

enum WireType : std::uint32_t {
    Varint = 0,
    Fixed64 = 1,
    LengthDelimited = 2,
    StartGroup = 3,
    EndGroup = 4,
    Fixed32 = 5
};

// Field numbers from onnx.proto that lead to weight bytes; everything else is left to protobuf.
namespace field {
constexpr std::uint32_t ModelGraph = 7;
constexpr std::uint32_t GraphNode = 1;
constexpr std::uint32_t GraphInitializer = 5;
constexpr std::uint32_t GraphSparseInitializer = 15;
constexpr std::uint32_t NodeAttribute = 5;
constexpr std::uint32_t AttributeTensor = 5;
constexpr std::uint32_t AttributeGraph = 6;
constexpr std::uint32_t AttributeTensors = 10;
constexpr std::uint32_t AttributeGraphs = 11;
constexpr std::uint32_t AttributeSparseTensor = 22;
constexpr std::uint32_t AttributeSparseTensors = 23;
constexpr std::uint32_t SparseValues = 1;
constexpr std::uint32_t SparseIndices = 2;
constexpr std::uint32_t TensorRawData = 9;
}

struct Range {
    std::uint64_t begin = 0;
    std::uint64_t end = 0;
};

class Walker {
public:
    Walker(std::span<const std::byte> file, const SkeletonOptions& options, Skeleton& out)
        : m_data(reinterpret_cast<const std::uint8_t*>(file.data()))
        , m_size(file.size())
        , m_options(options)
        , m_out(out)
    { }

    Result<void> model(Range range, onnx::ModelProto& model)
    {
        return scan(range, model, [&](std::uint32_t number, Range payload) -> std::optional<Result<void>> {
            if (number == field::ModelGraph)
                return graph(payload, *model.mutable_graph(), 1);
            return std::nullopt;
        });
    }

private:
    Result<void> graph(Range range, onnx::GraphProto& graph, int depth)
    {
        if (depth > m_options.maxGraphDepth)
            return fail(ErrorCode::InvalidModel,
                "subgraphs are nested more than " + std::to_string(m_options.maxGraphDepth) + " levels deep");
        return scan(range, graph, [&](std::uint32_t number, Range payload) -> std::optional<Result<void>> {
            switch (number) {
            case field::GraphNode:
                return node(payload, *graph.add_node(), depth);
            case field::GraphInitializer:
                return tensor(payload, *graph.add_initializer());
            case field::GraphSparseInitializer:
                return sparse(payload, *graph.add_sparse_initializer());
            default:
                return std::nullopt;
            }
        });
    }

    Result<void> node(Range range, onnx::NodeProto& node, int depth)
    {
        return scan(range, node, [&](std::uint32_t number, Range payload) -> std::optional<Result<void>> {
            if (number == field::NodeAttribute)
                return attribute(payload, *node.add_attribute(), depth);
            return std::nullopt;
        });
    }

    Result<void> attribute(Range range, onnx::AttributeProto& attribute, int depth)
    {
        return scan(range, attribute, [&](std::uint32_t number, Range payload) -> std::optional<Result<void>> {
            switch (number) {
            case field::AttributeTensor:
                return tensor(payload, *attribute.mutable_t());
            case field::AttributeTensors:
                return tensor(payload, *attribute.add_tensors());
            case field::AttributeGraph:
                return graph(payload, *attribute.mutable_g(), depth + 1);
            case field::AttributeGraphs:
                return graph(payload, *attribute.add_graphs(), depth + 1);
            case field::AttributeSparseTensor:
                return sparse(payload, *attribute.mutable_sparse_tensor());
            case field::AttributeSparseTensors:
                return sparse(payload, *attribute.add_sparse_tensors());
            default:
                return std::nullopt;
            }
        });
    }

    Result<void> sparse(Range range, onnx::SparseTensorProto& sparse)
    {
        return scan(range, sparse, [&](std::uint32_t number, Range payload) -> std::optional<Result<void>> {
            if (number == field::SparseValues)
                return tensor(payload, *sparse.mutable_values());
            if (number == field::SparseIndices)
                return tensor(payload, *sparse.mutable_indices());
            return std::nullopt;
        });
    }

    Result<void> tensor(Range range, onnx::TensorProto& tensor)
    {
        return scan(range, tensor, [&](std::uint32_t number, Range payload) -> std::optional<Result<void>> {
            if (number != field::TensorRawData)
                return std::nullopt;
            const std::uint64_t size = payload.end - payload.begin;
            // A repeated raw_data field replaces the earlier one, as protobuf would do.
            m_out.rawData[&tensor] = ByteRange { payload.begin, size };
            if (size <= m_options.keepRawDataUpTo)
                tensor.set_raw_data(m_data + payload.begin, size);
            else
                tensor.clear_raw_data();
            return Result<void> {};
        });
    }

    std::optional<std::uint64_t> readVarint(std::uint64_t& position, std::uint64_t end) const
    {
        std::uint64_t value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (position >= end)
                return std::nullopt;
            const std::uint8_t byte = m_data[position++];
            value |= static_cast<std::uint64_t>(byte & 0x7F) << shift;
            if ((byte & 0x80) == 0)
                return value;
        }
        return std::nullopt;
    }

    Error malformed(std::uint64_t position, const char* what) const
    {
        return Error { ErrorCode::InvalidModel,
            std::string("not a valid ONNX model: ") + what + " at byte " + std::to_string(position) };
    }

    Result<void> mergeRun(std::uint64_t begin, std::uint64_t end, google::protobuf::MessageLite& message) const
    {
        if (begin == end)
            return {};
        google::protobuf::io::CodedInputStream input(m_data + begin, static_cast<int>(end - begin));
        input.SetRecursionLimit(64);
        if (!message.MergePartialFromCodedStream(&input) || !input.ConsumedEntireMessage())
            return std::unexpected(malformed(begin, "protobuf fields do not parse"));
        return {};
    }

    // Walks the fields of one message in `range`. Fields the handler claims are parsed by it; runs of
    // other fields are merged into `message` by protobuf, in file order.
    template <class Handler> Result<void> scan(Range range, google::protobuf::MessageLite& message, Handler&& handler)
    {
        std::uint64_t position = range.begin;
        std::uint64_t runBegin = range.begin;
        while (position < range.end) {
            const std::uint64_t fieldBegin = position;
            const auto tag = readVarint(position, range.end);
            if (!tag || (*tag >> 3) == 0)
                return std::unexpected(malformed(fieldBegin, tag ? "field number 0" : "truncated field tag"));
            const auto number = static_cast<std::uint32_t>(*tag >> 3);
            switch (static_cast<std::uint32_t>(*tag & 7)) {
            case Varint:
                if (!readVarint(position, range.end))
                    return std::unexpected(malformed(fieldBegin, "truncated varint"));
                break;
            case Fixed64:
                position += 8;
                break;
            case Fixed32:
                position += 4;
                break;
            case LengthDelimited: {
                const auto length = readVarint(position, range.end);
                if (!length || *length > range.end - position)
                    return std::unexpected(malformed(fieldBegin, "length runs past the end of the data"));
                const Range payload { position, position + *length };
                position = payload.end;
                if (auto handled = handler(number, payload)) {
                    if (!*handled)
                        return *handled;
                    if (auto merged = mergeRun(runBegin, fieldBegin, message); !merged)
                        return merged;
                    runBegin = position;
                }
                break;
            }
            default:
                return std::unexpected(malformed(fieldBegin, "unsupported wire type"));
            }
            if (position > range.end)
                return std::unexpected(malformed(fieldBegin, "field runs past the end of the data"));
        }
        return mergeRun(runBegin, range.end, message);
    }

    const std::uint8_t* m_data;
    std::uint64_t m_size;
    const SkeletonOptions& m_options;
    Skeleton& m_out;
};

} // namespace

Result<Skeleton> parseSkeleton(std::span<const std::byte> file, const SkeletonOptions& options)
{
    Skeleton skeleton;
    skeleton.model = std::make_unique<onnx::ModelProto>();
    Walker walker(file, options, skeleton);
    if (auto parsed = walker.model(Range { 0, file.size() }, *skeleton.model); !parsed)
        return std::unexpected(parsed.error());
    return skeleton;
}

} // namespace slimscope::core::model
