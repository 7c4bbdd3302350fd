// The one place that talks to ONNX Runtime: every Ort::Exception is caught here and becomes an Error naming
// the model file, so no exception crosses the core API.
#include "runtime/session.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string_view>

#if SLIMSCOPE_HAVE_ONNXRUNTIME
// Manual initialisation: the C++ header would otherwise dereference GetApi(ORT_API_VERSION) in a static
// initialiser, which is null (and crashes on first use) when the library at run time is older than the headers.
#define ORT_API_MANUAL_INIT
#include <onnxruntime_cxx_api.h>
#endif

namespace slimscope::core::runtime {

std::uint64_t HostTensor::elementCount() const
{
    std::uint64_t count = 1;
    for (const std::int64_t dim : shape)
        count *= dim > 0 ? static_cast<std::uint64_t>(dim) : 0;
    return count;
}

namespace {

std::string modelContext(const std::filesystem::path& path)
{
    return "model '" + path.string() + "'";
}

} // namespace

#if SLIMSCOPE_HAVE_ONNXRUNTIME

struct ModelSession::Impl {
    std::filesystem::path path;
    std::vector<TensorInfo> inputs;
    std::vector<TensorInfo> outputs;
    std::map<std::string, std::string> metadata;
    Ort::Session session { nullptr };
    std::vector<const char*> inputNames; // point into `inputs`
    std::vector<TensorInfo> overridable; // initializers listed as graph inputs: a run may feed them
    std::vector<const char*> outputNames; // point into `outputs`
};

namespace {

/// The process-wide environment. Created once and never destroyed: sessions may live in static objects, and
/// tearing ONNX Runtime's environment down from a static destructor races with them.
Result<Ort::Env*> environment()
{
    static const Result<Ort::Env*> env = []() -> Result<Ort::Env*> {
        const OrtApi* api = OrtGetApiBase()->GetApi(ORT_API_VERSION);
        if (!api)
            return fail(ErrorCode::Unsupported,
                "the ONNX Runtime library (" + std::string(OrtGetApiBase()->GetVersionString())
                    + ") is older than the API version " + std::to_string(ORT_API_VERSION)
                    + " Slimscope was built with");
        Ort::InitApi(api);
        try {
            // Fatal only: ONNX Runtime would print warnings ("removing initializer") and every failed kernel to
            // stderr, where the GUI has no one to read them and the CLI would show each error twice; the same
            // errors come back in the exceptions caught below.
            return new Ort::Env(ORT_LOGGING_LEVEL_FATAL, "slimscope");
        } catch (const Ort::Exception& e) {
            return fail(ErrorCode::Internal, std::string("cannot create the ONNX Runtime environment: ") + e.what());
        }
    }();
    return env;
}

ErrorCode errorCode(OrtErrorCode code, ErrorCode fallback)
{
    switch (code) {
    case ORT_NO_SUCHFILE:
        return ErrorCode::NotFound;
    case ORT_INVALID_PROTOBUF:
    case ORT_INVALID_GRAPH:
        return ErrorCode::InvalidModel;
    case ORT_NOT_IMPLEMENTED:
        return ErrorCode::Unsupported;
    case ORT_INVALID_ARGUMENT:
        return ErrorCode::InvalidArgument;
    default:
        return fallback;
    }
}

TensorInfo describe(std::string name, const Ort::TypeInfo& type)
{
    TensorInfo info;
    info.name = std::move(name);
    if (type.GetONNXType() != ONNX_TYPE_TENSOR)
        return info; // sequences, maps, optionals: dtype stays Undefined
    const auto tensor = type.GetTensorTypeAndShapeInfo();
    info.dtype = static_cast<model::DataType>(tensor.GetElementType());
    info.shape = tensor.GetShape();
    std::vector<const char*> symbolic(info.shape.size(), nullptr);
    tensor.GetSymbolicDimensions(symbolic.data(), symbolic.size());
    for (std::size_t i = 0; i < info.shape.size(); ++i)
        info.dimNames.emplace_back(info.shape[i] < 0 && symbolic[i] ? symbolic[i] : "");
    return info;
}

std::size_t elementSize(model::DataType dtype)
{
    const auto info = model::dataTypeInfo(static_cast<std::int32_t>(dtype));
    return info && info->bits % 8 == 0 ? info->bits / 8 : 0;
}

/// Checks a feed against the input it is meant for before ONNX Runtime sees it, for messages that name both.
Result<void> checkFeed(const HostTensor& feed, const TensorInfo& input)
{
    const std::string subject = "input '" + input.name + "'";
    if (feed.dtype != input.dtype)
        return fail(ErrorCode::InvalidArgument,
            subject + ": the model wants " + std::string(model::dataTypeName(static_cast<std::int32_t>(input.dtype)))
                + ", the tensor is " + std::string(model::dataTypeName(static_cast<std::int32_t>(feed.dtype))));
    if (feed.shape.size() != input.shape.size())
        return fail(ErrorCode::InvalidArgument,
            subject + ": the model wants rank " + std::to_string(input.shape.size()) + ", the tensor has rank "
                + std::to_string(feed.shape.size()));
    for (std::size_t i = 0; i < feed.shape.size(); ++i)
        if (feed.shape[i] < 0 || (input.shape[i] >= 0 && feed.shape[i] != input.shape[i]))
            return fail(ErrorCode::InvalidArgument,
                subject + ": dimension " + std::to_string(i) + " is " + std::to_string(feed.shape[i])
                    + ", the model wants " + std::to_string(input.shape[i]));
    const std::size_t size = elementSize(feed.dtype);
    if (size == 0)
        return fail(ErrorCode::Unsupported,
            subject + ": element type " + std::string(model::dataTypeName(static_cast<std::int32_t>(feed.dtype)))
                + " is not supported");
    if (feed.data.size() != feed.elementCount() * size)
        return fail(ErrorCode::InvalidArgument,
            subject + ": " + std::to_string(feed.data.size()) + " bytes for " + std::to_string(feed.elementCount())
                + " elements");
    return {};
}

HostTensor toHost(std::string name, const Ort::Value& value)
{
    HostTensor host;
    host.name = std::move(name);
    if (!value.IsTensor())
        return host; // dtype Undefined: the caller reports it as not comparable
    const auto info = value.GetTensorTypeAndShapeInfo();
    host.dtype = static_cast<model::DataType>(info.GetElementType());
    host.shape = info.GetShape();
    const std::size_t size = elementSize(host.dtype);
    if (host.dtype == model::DataType::String || size == 0)
        return host; // strings and sub-byte types keep their shape but no data
    host.data.resize(info.GetElementCount() * size);
    if (!host.data.empty())
        std::memcpy(host.data.data(), value.GetTensorRawData(), host.data.size());
    return host;
}

} // namespace

bool runtimeAvailable()
{
    // A switch for machines where the bundled library misbehaves, and for testing the path without it.
    const char* off = std::getenv("SLIMSCOPE_NO_ONNXRUNTIME");
    return !off || !*off || std::string_view(off) == "0";
}

std::string runtimeVersion()
{
    return OrtGetApiBase()->GetVersionString();
}

namespace {

/// Loads a session made by `create` (from a file or from memory) and reads its inputs, outputs and metadata.
template <class Create>
Result<std::unique_ptr<ModelSession::Impl>> load(
    const std::filesystem::path& path, const SessionSettings& settings, Create create)
{
    auto env = environment();
    if (!env)
        return std::unexpected(Error(env.error()).withContext(modelContext(path)));
    try {
        auto impl = std::make_unique<ModelSession::Impl>();
        impl->path = path;
        Ort::SessionOptions options;
        options.SetIntraOpNumThreads(static_cast<int>(settings.threads));
        options.SetInterOpNumThreads(1);
        options.SetGraphOptimizationLevel(GraphOptimizationLevel::ORT_ENABLE_ALL);
        options.SetLogSeverityLevel(ORT_LOGGING_LEVEL_FATAL);
        if (!settings.saveOptimizedModel.empty())
            options.SetOptimizedModelFilePath(settings.saveOptimizedModel.c_str());
        impl->session = create(**env, options);

        Ort::AllocatorWithDefaultOptions allocator;
        for (std::size_t i = 0; i < impl->session.GetInputCount(); ++i)
            impl->inputs.push_back(
                describe(impl->session.GetInputNameAllocated(i, allocator).get(), impl->session.GetInputTypeInfo(i)));
        for (std::size_t i = 0; i < impl->session.GetOutputCount(); ++i)
            impl->outputs.push_back(
                describe(impl->session.GetOutputNameAllocated(i, allocator).get(), impl->session.GetOutputTypeInfo(i)));
        const Ort::ModelMetadata metadata = impl->session.GetModelMetadata();
        for (const auto& key : metadata.GetCustomMetadataMapKeysAllocated(allocator))
            if (const auto value = metadata.LookupCustomMetadataMapAllocated(key.get(), allocator))
                impl->metadata.emplace(key.get(), value.get());
        for (std::size_t i = 0; i < impl->session.GetOverridableInitializerCount(); ++i)
            impl->overridable.push_back(
                describe(impl->session.GetOverridableInitializerNameAllocated(i, allocator).get(),
                    impl->session.GetOverridableInitializerTypeInfo(i)));
        for (const TensorInfo& input : impl->inputs)
            impl->inputNames.push_back(input.name.c_str());
        for (const TensorInfo& output : impl->outputs)
            impl->outputNames.push_back(output.name.c_str());
        return impl;
    } catch (const Ort::Exception& e) {
        return fail(errorCode(e.GetOrtErrorCode(), ErrorCode::InvalidModel),
            modelContext(path) + ": ONNX Runtime cannot load it: " + e.what());
    } catch (const std::exception& e) {
        return fail(ErrorCode::Internal, modelContext(path) + ": " + e.what());
    }
}

} // namespace

Result<ModelSession> ModelSession::open(const std::filesystem::path& path, unsigned threads)
{
    return open(path, SessionSettings { threads, {} });
}

Result<ModelSession> ModelSession::open(const std::filesystem::path& path, const SessionSettings& settings)
{
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        return fail(ErrorCode::NotFound, modelContext(path) + ": no such file");
    auto impl = load(path, settings,
        [&](Ort::Env& env, Ort::SessionOptions& options) { return Ort::Session(env, path.c_str(), options); });
    if (!impl)
        return std::unexpected(impl.error());
    return ModelSession(std::move(*impl));
}

Result<ModelSession> ModelSession::openFromMemory(
    const std::string& bytes, const std::filesystem::path& label, const SessionSettings& settings)
{
    auto impl = load(label, settings, [&](Ort::Env& env, Ort::SessionOptions& options) {
        return Ort::Session(env, bytes.data(), bytes.size(), options);
    });
    if (!impl)
        return std::unexpected(impl.error());
    return ModelSession(std::move(*impl));
}

Result<std::vector<HostTensor>> ModelSession::run(const std::vector<HostTensor>& feeds) const
{
    const Impl& d = *m_impl;
    std::vector<const HostTensor*> ordered(d.inputs.size(), nullptr);
    std::vector<const HostTensor*> overrides; // initializers fed in place of their stored values
    std::vector<const char*> names = d.inputNames;
    for (const HostTensor& feed : feeds) {
        const auto it = std::ranges::find(d.inputs, feed.name, &TensorInfo::name);
        if (it == d.inputs.end()) {
            const auto init = std::ranges::find(d.overridable, feed.name, &TensorInfo::name);
            if (init == d.overridable.end())
                return fail(ErrorCode::InvalidArgument, modelContext(d.path) + ": it has no input '" + feed.name + "'");
            if (auto checked = checkFeed(feed, *init); !checked)
                return std::unexpected(checked.error().withContext(modelContext(d.path)));
            overrides.push_back(&feed);
            names.push_back(init->name.c_str());
            continue;
        }
        const auto index = static_cast<std::size_t>(it - d.inputs.begin());
        if (ordered[index])
            return fail(ErrorCode::InvalidArgument, modelContext(d.path) + ": input '" + feed.name + "' given twice");
        if (auto checked = checkFeed(feed, *it); !checked)
            return std::unexpected(checked.error().withContext(modelContext(d.path)));
        ordered[index] = &feed;
    }
    for (std::size_t i = 0; i < ordered.size(); ++i)
        if (!ordered[i])
            return fail(
                ErrorCode::InvalidArgument, modelContext(d.path) + ": no tensor for input '" + d.inputs[i].name + "'");

    try {
        const auto memory = Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault);
        // ONNX Runtime wants a non-null pointer even for a tensor without elements, and a mutable one although it
        // does not write to inputs.
        static std::byte empty[1] {};
        std::vector<Ort::Value> values;
        values.reserve(ordered.size() + overrides.size());
        ordered.insert(ordered.end(), overrides.begin(), overrides.end());
        for (const HostTensor* feed : ordered) {
            auto* data = feed->data.empty() ? empty : const_cast<std::byte*>(feed->data.data());
            values.push_back(Ort::Value::CreateTensor(memory, data, feed->data.size(), feed->shape.data(),
                feed->shape.size(), static_cast<ONNXTensorElementDataType>(feed->dtype)));
        }
        auto results = m_impl->session.Run(Ort::RunOptions { nullptr }, names.data(), values.data(), values.size(),
            d.outputNames.data(), d.outputNames.size());
        std::vector<HostTensor> outputs;
        outputs.reserve(results.size());
        for (std::size_t i = 0; i < results.size(); ++i)
            outputs.push_back(toHost(d.outputs[i].name, results[i]));
        return outputs;
    } catch (const Ort::Exception& e) {
        return fail(errorCode(e.GetOrtErrorCode(), ErrorCode::Internal),
            modelContext(d.path) + ": ONNX Runtime failed to run it: " + e.what());
    } catch (const std::exception& e) {
        return fail(ErrorCode::Internal, modelContext(d.path) + ": " + e.what());
    }
}

#else // built without ONNX Runtime: the same API, failing with Unsupported

struct ModelSession::Impl {
    std::filesystem::path path;
    std::vector<TensorInfo> inputs;
    std::vector<TensorInfo> outputs;
    std::map<std::string, std::string> metadata;
};

bool runtimeAvailable()
{
    return false;
}

std::string runtimeVersion()
{
    return {};
}

Result<ModelSession> ModelSession::open(const std::filesystem::path& path, unsigned)
{
    return fail(ErrorCode::Unsupported, modelContext(path) + ": built without ONNX Runtime");
}

Result<ModelSession> ModelSession::open(const std::filesystem::path& path, const SessionSettings&)
{
    return fail(ErrorCode::Unsupported, modelContext(path) + ": built without ONNX Runtime");
}

Result<ModelSession> ModelSession::openFromMemory(
    const std::string&, const std::filesystem::path& label, const SessionSettings&)
{
    return fail(ErrorCode::Unsupported, modelContext(label) + ": built without ONNX Runtime");
}

Result<std::vector<HostTensor>> ModelSession::run(const std::vector<HostTensor>&) const
{
    return fail(ErrorCode::Unsupported, "built without ONNX Runtime");
}

#endif

ModelSession::ModelSession(std::unique_ptr<Impl> impl)
    : m_impl(std::move(impl))
{ }

ModelSession::ModelSession(ModelSession&&) noexcept = default;
ModelSession& ModelSession::operator=(ModelSession&&) noexcept = default;
ModelSession::~ModelSession() = default;

const std::filesystem::path& ModelSession::path() const
{
    return m_impl->path;
}
const std::vector<TensorInfo>& ModelSession::inputs() const
{
    return m_impl->inputs;
}
const std::map<std::string, std::string>& ModelSession::metadata() const
{
    return m_impl->metadata;
}
const std::vector<TensorInfo>& ModelSession::outputs() const
{
    return m_impl->outputs;
}

} // namespace slimscope::core::runtime
