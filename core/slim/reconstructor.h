#pragma once

// What the consumers of an original weight read after slimming: the value under its name traced back through the
// forms steps store it in (initializer, sparse initializer, Constant, DequantizeLinear of int8/uint8, the Cast and
// Mul form of int8 below opset 13, a Cast of float16/bfloat16, a step's StoredAs parts). The preview measures
// errors with it; sensitivity feeds the values. Internal to core/slim.

#include "graphindex.h"
#include "model/elementdecode.h"
#include "stepregistry.h"
#include "stepsupport.h"

#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace slimscope::core::slim {

using model::DataType;

inline bool isFloatType(std::int32_t type)
{
    const auto t = static_cast<DataType>(type);
    return t == DataType::Float || t == DataType::Float16 || t == DataType::Double || t == DataType::Bfloat16;
}

// Reads a tensor of any numeric type as float32 (tight loops for the common types; previews must be quick).
inline std::vector<float> asFloats(const model::TensorBytes& bytes, std::int32_t type, std::uint64_t count)
{
    const auto t = static_cast<DataType>(type);
    if (t == DataType::Float || t == DataType::Float16 || t == DataType::Bfloat16 || t == DataType::Double) {
        auto values = decodeFloats(bytes, type);
        values.resize(count);
        return values;
    }
    std::vector<float> values(count);
    const std::byte* data = bytes.bytes.data();
    if (t == DataType::Int8) {
        for (std::uint64_t i = 0; i < count; ++i)
            values[i] = static_cast<float>(static_cast<std::int8_t>(data[i]));
    } else if (t == DataType::Uint8) {
        for (std::uint64_t i = 0; i < count; ++i)
            values[i] = static_cast<float>(static_cast<std::uint8_t>(data[i]));
    } else {
        for (std::uint64_t i = 0; i < count; ++i)
            values[i] = static_cast<float>(model::elementAsDouble(t, data, i));
    }
    return values;
}

// DequantizeLinear over an int8/uint8 initializer, compared without materializing the float values.
struct QuantizedView {
    model::TensorBytes x;
    bool isSigned = true;
    std::vector<float> scales;
    std::vector<float> zeros;
    std::uint64_t inner = 1;
};

struct Effective {
    bool found = false;
    DataType dtype = DataType::Undefined;
    StorageAfter storage = StorageAfter::Initializer;
    std::uint64_t bytes = 0;
    FloatValues floats; // dense values as the consumers see them (unless `quantized` describes them)
    std::optional<QuantizedView> quantized;
    const TensorSource* source = nullptr; // for an initializer: where its bytes come from
};

class Reconstructor {
public:
    Reconstructor(WorkingModel& model, const std::map<std::string, StoredAs>& storedAs)
        : m_model(model)
        , m_index(model)
        , m_storedAs(storedAs)
    {
        for (std::size_t g = 0; g < m_index.graphs().size(); ++g) {
            onnx::GraphProto& graph = *m_index.graphs()[g].graph;
            for (auto& tensor : *graph.mutable_initializer())
                m_initializers[tensor.name()] = &tensor;
            for (auto& sparse : *graph.mutable_sparse_initializer())
                m_sparse[sparse.values().name()] = &sparse;
            for (auto& node : *graph.mutable_node())
                for (const auto& output : node.output())
                    m_producers[output] = &node;
        }
    }

    Effective find(const std::string& name, bool wantValues) const
    {
        Effective e;
        if (const auto it = m_initializers.find(name); it != m_initializers.end())
            return held(*it->second, StorageAfter::Initializer, wantValues);
        if (const auto it = m_sparse.find(name); it != m_sparse.end())
            return heldSparse(*it->second, StorageAfter::SparseInitializer, wantValues);
        const auto producer = m_producers.find(name);
        if (const auto parts = m_storedAs.find(name); parts != m_storedAs.end())
            return storedAsParts(parts->second);
        if (producer == m_producers.end())
            return e;
        const onnx::NodeProto& node = *producer->second;
        if (node.op_type() == "Constant" && node.attribute_size() == 1 && node.attribute(0).name() == "value"
            && node.attribute(0).has_t())
            return held(node.attribute(0).t(), StorageAfter::Constant, wantValues);
        if (node.op_type() == "Constant" && node.attribute_size() == 1 && node.attribute(0).name() == "sparse_value"
            && node.attribute(0).has_sparse_tensor())
            return heldSparse(node.attribute(0).sparse_tensor(), StorageAfter::SparseConstant, wantValues);
        if (node.op_type() == "DequantizeLinear" && node.input_size() >= 2) {
            const Effective x = find(node.input(0), false);
            const Effective scale = find(node.input(1), true);
            const Effective zero = node.input_size() > 2 ? find(node.input(2), true) : Effective {};
            if (!x.found || !scale.found)
                return e;
            e.found = true;
            e.dtype = x.dtype;
            e.storage = StorageAfter::Quantized;
            e.bytes = x.bytes + scale.bytes + zero.bytes;
            if (wantValues) {
                std::int64_t axis = 1;
                for (const auto& attribute : node.attribute())
                    if (attribute.name() == "axis")
                        axis = attribute.i();
                e.quantized = quantizedView(node.input(0), scale, zero, axis);
                if (!e.quantized)
                    e.floats = dequantizeDense(node, find(node.input(0), true), scale, zero);
            }
            return e;
        }
        if (node.op_type() == "Mul" && node.input_size() == 2)
            return castAndScaled(node, wantValues);
        if (node.op_type() == "Cast" && node.input_size() == 1) {
            Effective source = find(node.input(0), wantValues);
            if (source.quantized)
                return e; // a Cast after a DequantizeLinear: not a storage form we produce
            if (!source.found)
                return e;
            source.storage = source.dtype == DataType::Float16 ? StorageAfter::Float16 : source.storage;
            return source;
        }
        return e;
    }

private:
    // A tensor stored sparse, as a sparse initializer or a Constant's sparse_value: densified when values are
    // wanted.
    Effective heldSparse(const onnx::SparseTensorProto& s, StorageAfter storage, bool wantValues) const
    {
        Effective e;
        e.found = true;
        e.dtype = static_cast<DataType>(s.values().data_type());
        e.storage = storage;
        e.bytes = m_model.payloadBytes(s.values()) + m_model.payloadBytes(s.indices());
        if (wantValues) {
            std::uint64_t dense = 1;
            for (const auto d : s.dims())
                dense *= static_cast<std::uint64_t>(d);
            e.floats.owned.assign(dense, 0.0f);
            const auto values = readFloats(s.values());
            const auto indices = readIndices(s.indices());
            for (std::size_t i = 0; i < values.values.size() && i < indices.size(); ++i)
                if (indices[i] < dense)
                    e.floats.owned[static_cast<std::size_t>(indices[i])] = values.values[i];
            e.floats.values = std::span<const float>(e.floats.owned);
        }
        return e;
    }

    // A tensor stored as it is read: an initializer or a Constant node's value.
    Effective held(const onnx::TensorProto& t, StorageAfter storage, bool wantValues) const
    {
        Effective e;
        e.found = true;
        e.dtype = static_cast<DataType>(t.data_type());
        e.storage = storage;
        e.bytes = m_model.payloadBytes(t);
        e.source = m_model.source(t);
        if (wantValues)
            e.floats = readFloats(t);
        return e;
    }

    // Linear indices (int64 or int32), as ONNX sparse tensors and Slimscope write them.
    std::vector<std::uint64_t> readIndices(const onnx::TensorProto& tensor) const
    {
        std::vector<std::uint64_t> out;
        auto bytes = m_model.data(tensor);
        if (!bytes)
            return out;
        const auto type = static_cast<DataType>(tensor.data_type());
        const std::uint64_t count = elementCount(tensor);
        out.resize(count);
        for (std::uint64_t i = 0; i < count; ++i)
            out[i] = static_cast<std::uint64_t>(model::elementAsDouble(type, bytes->bytes.data(), i));
        return out;
    }

    FloatValues readFloats(const onnx::TensorProto& tensor) const
    {
        FloatValues out;
        const TensorSource* source = m_model.source(tensor);
        if (source && isFloatType(tensor.data_type())) {
            auto values = readFloatValues(*source, tensor.data_type());
            return values ? std::move(*values).plain() : out;
        }
        auto bytes = m_model.data(tensor);
        if (!bytes)
            return out;
        if (isFloatType(tensor.data_type())) {
            return viewFloats(*bytes, tensor.data_type());
        }
        out.owned = asFloats(*bytes, tensor.data_type(), elementCount(tensor));
        out.values = std::span<const float>(out.owned);
        return out;
    }

    // DequantizeLinear over values that are not a plain initializer (stored sparse): dense float values.
    FloatValues dequantizeDense(
        const onnx::NodeProto& node, const Effective& x, const Effective& scale, const Effective& zero) const
    {
        FloatValues out;
        const auto& values = x.floats.values;
        const auto& scales = scale.floats.values;
        if (values.empty() || scales.empty())
            return out;
        std::uint64_t inner = 1;
        if (scales.size() > 1) {
            std::int64_t axis = 1;
            for (const auto& attribute : node.attribute())
                if (attribute.name() == "axis")
                    axis = attribute.i();
            const auto sparse = m_sparse.find(node.input(0));
            if (sparse != m_sparse.end()) {
                const auto& dims = sparse->second->dims();
                if (axis < 0)
                    axis += dims.size();
                for (int d = static_cast<int>(axis) + 1; d < dims.size(); ++d)
                    inner *= static_cast<std::uint64_t>(dims[d]);
            }
        }
        out.owned.resize(values.size());
        for (std::size_t i = 0; i < values.size(); ++i) {
            const std::size_t c = scales.size() > 1 ? (i / inner) % scales.size() : 0;
            const float z
                = zero.floats.values.empty() ? 0.0f : zero.floats.values[std::min(c, zero.floats.values.size() - 1)];
            out.owned[i] = (values[i] - z) * scales[c];
        }
        out.values = std::span<const float>(out.owned);
        return out;
    }

    // A tensor a step re-expressed under other names (low_rank's factors, in whatever form later steps stored
    // them): their bytes. Its values are not rebuilt; the step measured its error.
    Effective storedAsParts(const StoredAs& stored) const
    {
        Effective e;
        for (const auto& part : stored.parts) {
            const Effective piece = find(part, false);
            if (!piece.found)
                return {};
            e.bytes += piece.bytes;
        }
        e.found = true;
        e.dtype = stored.dtype;
        e.storage = stored.storage;
        return e;
    }

    // The int8 form of models older than DequantizeLinear: q (int8/uint8) -> Cast -> [Sub zero points] -> Mul
    // scales, the scales shaped to broadcast along the channel axis.
    Effective castAndScaled(const onnx::NodeProto& mul, bool wantValues) const
    {
        Effective e;
        const auto producerOf = [&](const std::string& name) -> const onnx::NodeProto* {
            const auto found = m_producers.find(name);
            return found == m_producers.end() ? nullptr : found->second;
        };
        const onnx::NodeProto* cast = producerOf(mul.input(0));
        std::string zeroName;
        if (cast && cast->op_type() == "Sub" && cast->input_size() == 2) {
            zeroName = cast->input(1);
            cast = producerOf(cast->input(0));
        }
        if (!cast || cast->op_type() != "Cast" || cast->input_size() != 1)
            return e;
        const auto q = m_initializers.find(cast->input(0));
        const auto scaleTensor = m_initializers.find(mul.input(1));
        if (q == m_initializers.end() || scaleTensor == m_initializers.end())
            return e;
        const auto type = static_cast<DataType>(q->second->data_type());
        if (type != DataType::Int8 && type != DataType::Uint8)
            return e;
        const Effective scale = find(mul.input(1), true);
        const Effective zero = zeroName.empty() ? Effective {} : find(zeroName, true);
        e.found = true;
        e.dtype = type;
        e.storage = StorageAfter::Quantized;
        e.bytes = m_model.payloadBytes(*q->second) + scale.bytes + zero.bytes;
        if (wantValues) {
            std::int64_t axis = 0; // the dim of the scales that is not 1
            const auto& dims = scaleTensor->second->dims();
            for (int d = 0; d < dims.size(); ++d)
                if (dims[d] > 1)
                    axis = d;
            e.quantized = quantizedView(cast->input(0), scale, zero, axis);
        }
        return e;
    }

    std::optional<QuantizedView> quantizedView(
        const std::string& xName, const Effective& scale, const Effective& zero, std::int64_t axis) const
    {
        const auto x = m_initializers.find(xName);
        if (x == m_initializers.end())
            return std::nullopt; // quantized values stored sparse: compared through the dense fallback below
        const onnx::TensorProto& tensor = *x->second;
        auto bytes = m_model.data(tensor);
        const auto type = static_cast<DataType>(tensor.data_type());
        if (!bytes || (type != DataType::Int8 && type != DataType::Uint8) || scale.floats.values.empty())
            return std::nullopt;
        QuantizedView view;
        view.x = std::move(*bytes);
        view.isSigned = type == DataType::Int8;
        for (std::size_t i = 0; i < scale.floats.values.size(); ++i)
            view.scales.push_back(scale.floats.values[i]);
        for (std::size_t i = 0; i < zero.floats.values.size(); ++i)
            view.zeros.push_back(zero.floats.values[i]);
        if (view.scales.size() > 1) {
            if (axis < 0)
                axis += tensor.dims_size();
            for (int d = static_cast<int>(axis) + 1; d < tensor.dims_size(); ++d)
                view.inner *= static_cast<std::uint64_t>(tensor.dims(d));
        }
        return view;
    }

public:
    /// The dense float values the consumers of `name` read (int8 dequantized, float16 widened, sparse densified);
    /// nullopt when the name is not found or is stored in a form whose values are not rebuilt (StoredAs parts).
    std::optional<std::vector<float>> denseValues(const std::string& name) const
    {
        const Effective e = find(name, true);
        if (!e.found)
            return std::nullopt;
        if (e.quantized) {
            const QuantizedView& q = *e.quantized;
            const std::uint64_t count = q.x.bytes.size();
            std::vector<float> out(count);
            for (std::uint64_t i = 0; i < count; ++i) {
                const std::size_t c = q.scales.size() > 1 ? (i / q.inner) % q.scales.size() : 0;
                const float code = q.isSigned ? static_cast<float>(static_cast<std::int8_t>(q.x.bytes[i]))
                                              : static_cast<float>(static_cast<std::uint8_t>(q.x.bytes[i]));
                const float zero = q.zeros.empty() ? 0.0f : q.zeros[std::min(c, q.zeros.size() - 1)];
                out[i] = (code - zero) * q.scales[c];
            }
            return out;
        }
        if (e.floats.values.empty() && e.storage != StorageAfter::Initializer)
            return std::nullopt;
        std::vector<float> out(e.floats.values.size());
        for (std::size_t i = 0; i < out.size(); ++i)
            out[i] = e.floats.values[i];
        return out;
    }

private:
    const WorkingModel& m_model;
    GraphIndex m_index;
    std::unordered_map<std::string, onnx::TensorProto*> m_initializers;
    std::unordered_map<std::string, onnx::SparseTensorProto*> m_sparse;
    std::unordered_map<std::string, onnx::NodeProto*> m_producers;
    const std::map<std::string, StoredAs>& m_storedAs;
};

} // namespace slimscope::core::slim
