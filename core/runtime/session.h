#pragma once

#include "model/datatype.h"
#include "support/error.h"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace slimscope::core::runtime {

/// A graph input or output as ONNX Runtime sees it.
struct TensorInfo {
    std::string name;
    model::DataType dtype = model::DataType::Undefined; ///< Undefined for non-tensor values (sequences, maps)
    std::vector<std::int64_t> shape; ///< -1 for a symbolic or unknown dimension
    std::vector<std::string> dimNames; ///< per dimension: the symbolic name ("batch"), empty when fixed or unnamed
};

/// A dense tensor in host memory: little-endian values of `dtype` in C order (bool: one byte per element).
struct HostTensor {
    std::string name;
    model::DataType dtype = model::DataType::Undefined;
    std::vector<std::int64_t> shape;
    std::vector<std::byte> data;

    /// Product of the shape (1 for a scalar).
    std::uint64_t elementCount() const;
};

/// True when Slimscope was built with ONNX Runtime (SLIMSCOPE_HAVE_ONNXRUNTIME) and it is not switched off by the
/// environment variable SLIMSCOPE_NO_ONNXRUNTIME (any value but empty or 0).
bool runtimeAvailable();
/// Version of the ONNX Runtime library loaded at run time ("1.30.0"), or empty when built without it.
std::string runtimeVersion();

/// How a session is set up.
struct SessionSettings {
    unsigned threads = 0; ///< ONNX Runtime's intra-op thread count (0: its default, one per core)
    /// Where ONNX Runtime writes the model as it runs it after its graph optimizations (fusions into QLinearConv,
    /// MatMulNBits, ...), empty for nowhere: tests read it to see what the runtime made of a model.
    std::filesystem::path saveOptimizedModel;
};

/// One model loaded into ONNX Runtime (CPU). Every ONNX Runtime exception is caught inside and comes back
/// as an Error naming the model file. Movable, not copyable; run() may be called from one thread at a time.
class ModelSession {
public:
    struct Impl;

    /// Loads `path`; `threads` is ONNX Runtime's intra-op thread count (0: its default, one per core).
    static Result<ModelSession> open(const std::filesystem::path& path, unsigned threads = 0);
    static Result<ModelSession> open(const std::filesystem::path& path, const SessionSettings& settings);
    /// Loads a serialized model held in memory (no external data); `label` names it in errors and path().
    static Result<ModelSession> openFromMemory(
        const std::string& bytes, const std::filesystem::path& label, const SessionSettings& settings = {});

    ModelSession(ModelSession&&) noexcept;
    ModelSession& operator=(ModelSession&&) noexcept;
    ~ModelSession();

    const std::filesystem::path& path() const;
    const std::vector<TensorInfo>& inputs() const;
    const std::vector<TensorInfo>& outputs() const;
    /// The model's metadata_props (custom metadata), by key.
    const std::map<std::string, std::string>& metadata() const;

    /// Runs the model on `feeds` (matched to inputs() by name; each input needs exactly one) and returns
    /// every output, in outputs() order, copied to host memory.
    Result<std::vector<HostTensor>> run(const std::vector<HostTensor>& feeds) const;

private:
    explicit ModelSession(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

} // namespace slimscope::core::runtime
