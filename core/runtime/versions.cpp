// The program's and its libraries' versions (versions.h).
#include "runtime/versions.h"

#include "runtime/session.h"

#include <google/protobuf/stubs/common.h>

namespace slimscope::core {

std::vector<LibraryVersion> coreLibraryVersions()
{
    const std::string runtime = runtime::runtimeVersion();
    return {
        { "ONNX", SLIMSCOPE_ONNX_VERSION },
        { "protobuf", google::protobuf::internal::VersionString(GOOGLE_PROTOBUF_VERSION) },
        { "ONNX Runtime", runtime.empty() ? std::string("not built in") : runtime },
    };
}

std::string versionText(std::string_view program, const std::vector<LibraryVersion>& libraries)
{
    std::string text = std::string(program) + " " + SLIMSCOPE_VERSION + "\n";
    text += "License " + std::string(kLicence)
        + ": GNU GPL version 3 or later <https://www.gnu.org/licenses/gpl-3.0.html>.\n"
          "This is free software: you are free to change and redistribute it. There is NO WARRANTY.\n";
    for (const auto& library : libraries)
        text += library.name + " " + library.version + "\n";
    return text;
}

} // namespace slimscope::core
