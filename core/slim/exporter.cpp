#include "exporter.h"

#include "support/output.h"

#include <onnx/checker.h>
#include <onnx/common/version.h>

#include <google/protobuf/io/zero_copy_stream_impl.h>

#include <cerrno>
#include <cstring>
#include <unistd.h>

namespace slimscope::core::slim {

namespace fs = std::filesystem;

namespace {

// Puts payloads back into raw_data for the duration of a write and takes them out again afterwards, so the
// working model keeps its invariant whatever happens.
class Materializer {
public:
    explicit Materializer(WorkingModel& model)
        : m_model(model)
    { }
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

/// Protobuf's serializer writing into an output sink; keeps the first error for the caller.
class SinkStream : public google::protobuf::io::CopyingOutputStream {
public:
    explicit SinkStream(OutputSink& sink)
        : m_sink(sink)
    { }
    bool Write(const void* buffer, int size) override
    {
        if (m_status)
            m_status = m_sink.write(buffer, static_cast<std::size_t>(size));
        return m_status.has_value();
    }
    const Result<void>& status() const { return m_status; }

private:
    OutputSink& m_sink;
    Result<void> m_status;
};

Result<void> checkModel(const onnx::ModelProto& proto, const fs::path* modelPath, Diagnostics& diagnostics)
{
    if (proto.ir_version() > onnx::Version::IR_VERSION) {
        diagnostics.push_back({ Diagnostic::Severity::Info, {},
            "onnx::checker skipped: IR version " + std::to_string(proto.ir_version())
                + " is newer than the checker knows" });
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
    // One protobuf message holds at most 2 GiB: a larger model lives in a file with external data, not in memory.
    if (const std::uint64_t size = model.serializedSize(); size > 0x7fffffffULL)
        return fail(ErrorCode::Unsupported,
            "the model would be " + std::to_string(size)
                + " bytes in one piece, more than protobuf's 2 GiB: int8-static calibration, sensitivity and plans "
                  "load "
                  "models into ONNX Runtime from memory, which needs them below that");
    if (model.unchanged() && model.original()->externalFiles().empty()) { // as exportModel writes it
        const auto bytes = model.original()->fileBytes();
        return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    }
    Materializer materializer(model);
    if (auto filled = materializer.fill(nullptr); !filled)
        return std::unexpected(filled.error());
    std::string out;
    if (!model.proto().SerializeToString(&out))
        return fail(ErrorCode::Internal, "protobuf could not serialize the model");
    return out;
}

Result<ExportResult> exportModel(
    WorkingModel& model, const fs::path& target, const ExportOptions& options, const CancelToken* cancel)
{
    const auto& original = *model.original();
    const std::vector<InputFile> inputs = original.inputFiles();
    auto output = Output::open(target, inputs);
    if (!output)
        return std::unexpected(output.error());

    ExportResult result;
    result.path = target;
    // A recipe that changed nothing writes the input's own bytes, not a re-serialization of them (which can
    // differ: field order, packing, a few bytes more or less).
    if (model.unchanged() && original.externalFiles().empty() && !options.externalData) {
        const auto bytes = original.fileBytes();
        auto written = output->write([&](OutputSink& sink) -> Result<void> {
            if (auto copied = sink.write(bytes.data(), bytes.size()); !copied)
                return copied;
            return original.checkIntact(); // a truncated input must not become a committed output
        });
        if (!written)
            return std::unexpected(written.error());
        result.fileBytes = *written;
        result.diagnostics.push_back(
            { Diagnostic::Severity::Info, {}, "no step changed the model: its bytes were written unchanged" });
        return result;
    }
    const bool tooLarge = model.serializedSize() > model::ModelFile::kMaxProtobufBytes;
    const bool external = options.externalData || tooLarge;
    if (external && !output->isRegularFile())
        return fail(ErrorCode::Refused,
            output->name()
                + (tooLarge ? ": the model is over protobuf's 2 GiB limit and needs external data, "
                            : ": external data ")
                + "needs a regular file as output (its data file goes beside it)");
    std::vector<ExternalEntry> entries;
    if (external) {
        if (tooLarge && !options.externalData)
            result.diagnostics.push_back({ Diagnostic::Severity::Info, {},
                "the model is over protobuf's 2 GiB limit: its weights go to an external data file beside it" });
        // The data file goes beside the file the bytes land in (a symbolic link's target), named after it.
        const fs::path& destination = output->destination();
        result.externalPath = destination.parent_path() / (destination.filename().string() + ".data");
        auto dataOutput = Output::open(result.externalPath, inputs);
        if (!dataOutput)
            return std::unexpected(dataOutput.error());
        if (!dataOutput->isRegularFile())
            return fail(
                ErrorCode::Refused, result.externalPath.string() + ": the external data file must be a regular file");
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
        auto written = dataOutput->write([&](OutputSink& sink) -> Result<void> {
            static const std::vector<std::byte> padding(4096);
            for (const auto& entry : entries) {
                if (cancel && cancel->isCancelled())
                    return fail(ErrorCode::Cancelled, "export cancelled");
                if (auto padded = sink.write(padding.data(), entry.offset - sink.written()); !padded)
                    return padded;
                auto bytes = model.data(*entry.tensor);
                if (!bytes)
                    return std::unexpected(bytes.error());
                if (auto data = sink.write(bytes->bytes.data(), bytes->bytes.size()); !data)
                    return data;
            }
            return original.checkIntact();
        });
        if (!written)
            return std::unexpected(written.error());
        result.externalBytes = *written;
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
    const auto removeExternal = [&] {
        std::error_code ignored;
        if (external)
            fs::remove(result.externalPath, ignored);
    };

    Materializer materializer(model);
    if (auto filled = materializer.fill(cancel); !filled) {
        undoExternal();
        removeExternal();
        return std::unexpected(filled.error());
    }
    // Every weight has been read: a file that lost bytes meanwhile gave zeros, which must not be written.
    if (auto intact = original.checkIntact(); !intact) {
        materializer.restore();
        undoExternal();
        removeExternal();
        return std::unexpected(intact.error());
    }
    // Without external data the model is checked in memory, before a byte goes out (a stream cannot be taken back).
    if (!external && options.check) {
        if (auto checked = checkModel(model.proto(), nullptr, result.diagnostics); !checked) {
            undoExternal();
            return std::unexpected(checked.error());
        }
    }
    auto written = output->write(
        [&](OutputSink& sink) -> Result<void> {
            SinkStream stream(sink);
            google::protobuf::io::CopyingOutputStreamAdaptor adaptor(&stream);
            const bool serialized = model.proto().SerializeToZeroCopyStream(&adaptor) && adaptor.Flush();
            if (!stream.status())
                return stream.status();
            if (!serialized)
                return fail(ErrorCode::Internal, output->name() + ": protobuf could not serialize the model");
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
        removeExternal();
        return std::unexpected(written.error());
    }
    result.fileBytes = *written;
    return result;
}

} // namespace slimscope::core::slim
