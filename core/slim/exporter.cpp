#include "exporter.h"

#include "support/atomicfile.h"

#include <onnx/checker.h>
#include <onnx/common/version.h>

#include <google/protobuf/io/zero_copy_stream_impl.h>

#include <cerrno>
#include <cstring>
#include <unistd.h>

namespace slimscope::core::slim {

namespace fs = std::filesystem;

namespace {

bool sameFile(const fs::path& a, const fs::path& b)
{
    std::error_code error;
    return fs::exists(a, error) && fs::exists(b, error) && fs::equivalent(a, b, error);
}

// Puts payloads back into raw_data for the duration of a write and takes them out again afterwards, so the
// working model keeps its invariant whatever happens.
class Materializer {
public:
    explicit Materializer(WorkingModel& model)
        : m_model(model)
    {
    }
    ~Materializer() { restore(); }

    Result<void> fill(const CancelToken* cancel)
    {
        Result<void> status;
        m_model.forEachTensor([&](onnx::TensorProto& tensor) {
            if (!status || !m_model.hasSource(tensor) || tensor.data_location() == onnx::TensorProto::EXTERNAL)
                return;
            if (cancel && cancel->isCancelled()) {
                status = fail(ErrorCode::Cancelled, "export cancelled");
                return;
            }
            auto bytes = m_model.data(tensor);
            if (!bytes) {
                status = std::unexpected(bytes.error());
                return;
            }
            tensor.set_raw_data(bytes->bytes.data(), bytes->bytes.size());
            m_filled.push_back(&tensor);
        });
        return status;
    }

    void restore()
    {
        for (auto* tensor : m_filled)
            tensor->clear_raw_data();
        m_filled.clear();
    }

private:
    WorkingModel& m_model;
    std::vector<onnx::TensorProto*> m_filled;
};

Result<void> writeAll(int fd, const std::byte* data, std::size_t size, const fs::path& path)
{
    std::size_t written = 0;
    while (written < size) {
        const ssize_t n = ::write(fd, data + written, size - written);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return fail(errno == ENOSPC ? ErrorCode::IoError : ErrorCode::IoError,
                path.string() + ": cannot write: " + std::strerror(errno));
        }
        written += static_cast<std::size_t>(n);
    }
    return {};
}

Result<void> checkModel(const onnx::ModelProto& proto, const fs::path* modelPath, Diagnostics& diagnostics)
{
    if (proto.ir_version() > onnx::Version::IR_VERSION) {
        diagnostics.push_back({ Diagnostic::Severity::Info, {},
            "onnx::checker skipped: IR version " + std::to_string(proto.ir_version()) + " is newer than the checker knows" });
        return {};
    }
    try {
        if (modelPath)
            onnx::checker::check_model(modelPath->string());
        else
            onnx::checker::check_model(proto);
    } catch (const std::exception& error) {
        return fail(ErrorCode::Internal, std::string("the written model fails onnx::checker: ") + error.what());
    }
    return {};
}

struct ExternalEntry {
    onnx::TensorProto* tensor;
    std::uint64_t offset;
    std::uint64_t size;
};

} // namespace

Result<std::string> serializeToString(WorkingModel& model)
{
    Materializer materializer(model);
    if (auto filled = materializer.fill(nullptr); !filled)
        return std::unexpected(filled.error());
    std::string out;
    if (!model.proto().SerializeToString(&out))
        return fail(ErrorCode::Internal, "protobuf could not serialize the model");
    return out;
}

Result<ExportResult> exportModel(WorkingModel& model, const fs::path& target, const ExportOptions& options,
    const CancelToken* cancel)
{
    const auto& original = *model.original();
    const auto refuse = [&](const std::string& what) { return fail(ErrorCode::InvalidArgument, target.string() + ": " + what); };
    if (sameFile(target, original.path()))
        return refuse("refusing to overwrite the input model; choose another file name");
    for (const auto& external : original.externalFiles())
        if (sameFile(target, external.path))
            return refuse("refusing to overwrite the input model's external data '" + external.location + "'");

    ExportResult result;
    result.path = target;
    const bool external = options.externalData || model.serializedSize() > model::ModelFile::kMaxProtobufBytes;
    std::vector<ExternalEntry> entries;
    if (external) {
        result.externalPath = target.parent_path() / (target.filename().string() + ".data");
        if (sameFile(result.externalPath, original.path()))
            return refuse("refusing to overwrite the input model with external data");
        for (const auto& file : original.externalFiles())
            if (sameFile(result.externalPath, file.path))
                return refuse("its external data file would overwrite the input's '" + file.location + "'");
        std::uint64_t offset = 0;
        model.forEachTensor([&](onnx::TensorProto& tensor) {
            const std::uint64_t size = model.payloadBytes(tensor);
            if (!model.hasSource(tensor) || size < options.externalThreshold)
                return;
            // Page-align large tensors so that runtimes can map them; 64 bytes is enough for the rest.
            const std::uint64_t alignment = size >= (1u << 20) ? 4096 : 64;
            offset = (offset + alignment - 1) / alignment * alignment;
            entries.push_back({ &tensor, offset, size });
            offset += size;
        });
        auto written = writeFileAtomically(result.externalPath, [&](int fd) -> Result<void> {
            std::uint64_t position = 0;
            static const std::vector<std::byte> padding(4096);
            for (const auto& entry : entries) {
                if (cancel && cancel->isCancelled())
                    return fail(ErrorCode::Cancelled, "export cancelled");
                if (auto padded = writeAll(fd, padding.data(), entry.offset - position, result.externalPath); !padded)
                    return padded;
                auto bytes = model.data(*entry.tensor);
                if (!bytes)
                    return std::unexpected(bytes.error());
                if (auto data = writeAll(fd, bytes->bytes.data(), bytes->bytes.size(), result.externalPath); !data)
                    return data;
                position = entry.offset + entry.size;
            }
            result.externalBytes = position;
            return {};
        });
        if (!written)
            return std::unexpected(written.error());
        const std::string location = result.externalPath.filename().string();
        for (const auto& entry : entries) {
            entry.tensor->set_data_location(onnx::TensorProto::EXTERNAL);
            auto* key = entry.tensor->add_external_data();
            key->set_key("location");
            key->set_value(location);
            key = entry.tensor->add_external_data();
            key->set_key("offset");
            key->set_value(std::to_string(entry.offset));
            key = entry.tensor->add_external_data();
            key->set_key("length");
            key->set_value(std::to_string(entry.size));
        }
    }
    const auto undoExternal = [&] {
        for (const auto& entry : entries) {
            entry.tensor->clear_external_data();
            entry.tensor->clear_data_location();
        }
    };

    Materializer materializer(model);
    if (auto filled = materializer.fill(cancel); !filled) {
        undoExternal();
        if (external)
            fs::remove(result.externalPath);
        return std::unexpected(filled.error());
    }
    if (!external && options.check) {
        if (auto checked = checkModel(model.proto(), nullptr, result.diagnostics); !checked) {
            undoExternal();
            return std::unexpected(checked.error());
        }
    }
    auto written = writeFileAtomically(
        target,
        [&](int fd) -> Result<void> {
            google::protobuf::io::FileOutputStream stream(fd);
            if (!model.proto().SerializeToZeroCopyStream(&stream) || !stream.Flush())
                return fail(ErrorCode::IoError, target.string() + ": cannot write: " + std::strerror(stream.GetErrno()));
            return {};
        },
        [&](const fs::path& temporary) -> Result<void> {
            if (!external || !options.check)
                return {};
            return checkModel(model.proto(), &temporary, result.diagnostics);
        });
    materializer.restore();
    undoExternal();
    if (!written) {
        if (external)
            fs::remove(result.externalPath);
        return std::unexpected(written.error());
    }
    std::error_code error;
    result.fileBytes = fs::file_size(target, error);
    return result;
}

} // namespace slimscope::core::slim
