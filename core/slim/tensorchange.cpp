// How the preview names and joins its rows: storage and dtype names for the outputs, rows by tensor index.
#include "slimmer.h"

namespace slimscope::core::slim {

std::string_view storageAfterName(StorageAfter storage)
{
    switch (storage) {
    case StorageAfter::Initializer:
        return "initializer";
    case StorageAfter::SparseInitializer:
        return "sparse_initializer";
    case StorageAfter::Constant:
        return "constant";
    case StorageAfter::SparseConstant:
        return "sparse_constant";
    case StorageAfter::Quantized:
        return "quantized";
    case StorageAfter::Float16:
        return "float16";
    case StorageAfter::LowRank:
        return "low_rank";
    case StorageAfter::Blockwise4Bit:
        return "int4_blocks";
    case StorageAfter::Removed:
        return "removed";
    }
    return "initializer";
}

std::string_view dtypeAfterName(model::DataType dtype)
{
    return dtype == model::DataType::Undefined ? std::string_view("-") : model::dataTypeName(dtype);
}

std::vector<const TensorChange*> changesByTensor(const Preview& preview, std::size_t tensorCount)
{
    std::vector<const TensorChange*> byTensor(tensorCount, nullptr);
    for (const TensorChange& change : preview.tensors)
        if (change.weightIndex.valid() && change.weightIndex.get() < tensorCount)
            byTensor[change.weightIndex.get()] = &change;
    return byTensor;
}

} // namespace slimscope::core::slim
