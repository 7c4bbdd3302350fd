// libFuzzer target: a file given as a model input (calibration, verification, sensitivity) -> readNpy and
// readTensorProto; the same bytes as the text of an input-set option (--calibration random:8, --dim batch=4). A
// tensor that reads must hold exactly the bytes its shape and element type need.

#include "fuzzsupport.h"
#include "model/datatype.h"
#include "runtime/inputs.h"
#include "runtime/inputset.h"

#include <string>
#include <string_view>

using namespace slimscope::core;

namespace {

void requireConsistent(const runtime::HostTensor& tensor, std::string_view reader)
{
    const auto info = model::dataTypeInfo(static_cast<std::int32_t>(tensor.dtype));
    slimscope::fuzz::require(info.has_value(), std::string(reader) + ": the tensor has a known element type");
    const auto bytes = model::denseByteSize(*info, tensor.elementCount());
    slimscope::fuzz::require(bytes.has_value() && *bytes == tensor.data.size(),
        std::string(reader) + ": the data holds exactly shape x element size bytes");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const auto path = slimscope::fuzz::writeScratch("input.bin", data, size);
    if (auto npy = runtime::readNpy(path))
        requireConsistent(*npy, "readNpy");
    if (auto proto = runtime::readTensorProto(path))
        requireConsistent(*proto, "readTensorProto");

    const std::string_view text(reinterpret_cast<const char*>(data), size);
    if (auto spec = runtime::parseInputSetSpec(text); spec && spec->isRandom())
        slimscope::fuzz::require(spec->randomSamples >= 1 && spec->randomSamples <= runtime::kMaxRandomSamples,
            "a random input set asks for 1 to kMaxRandomSamples samples");
    if (auto dim = runtime::parseDimAssignment(text))
        slimscope::fuzz::require(!dim->first.empty(), "a dimension assignment names its dimension");
    return 0;
}
