#pragma once

// What `--version` and the About dialog say: the program's version, its licence and the versions of the libraries
// it runs with.

#include <string>
#include <string_view>
#include <vector>

namespace slimscope::core {

inline constexpr std::string_view kLicence = "GPL-3.0-or-later";

struct LibraryVersion {
    std::string name;
    std::string version;
};

/// ONNX and protobuf as built against (Debian's library names pin them), and the ONNX Runtime library loaded now
/// ("not built in" without it).
std::vector<LibraryVersion> coreLibraryVersions();

/// "<program> <version>", the licence, then "<library> <version>" per line: what `--version` prints (help2man
/// reads the first line).
std::string versionText(std::string_view program, const std::vector<LibraryVersion>& libraries);

} // namespace slimscope::core
