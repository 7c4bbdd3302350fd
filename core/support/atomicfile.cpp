#include "atomicfile.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <string>
#include <unistd.h>

namespace slimscope::core {

namespace {

Error ioError(const std::filesystem::path& path, const char* what, int errnoValue)
{
    const ErrorCode code = (errnoValue == EACCES || errnoValue == EPERM) ? ErrorCode::PermissionDenied : ErrorCode::IoError;
    return Error { code, path.string() + ": " + what + ": " + std::strerror(errnoValue) };
}

} // namespace

Result<void> writeFileAtomically(const std::filesystem::path& target, std::string_view contents)
{
    const std::filesystem::path folder = target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
    std::string pattern = (folder / ("." + target.filename().string() + ".slimscope-XXXXXX")).string();
    const int fd = ::mkstemp(pattern.data());
    if (fd < 0)
        return std::unexpected(ioError(target, "cannot create a temporary file next to it", errno));
    const auto abandon = [&](const char* what) {
        const int saved = errno;
        ::close(fd);
        ::unlink(pattern.c_str());
        return std::unexpected(ioError(target, what, saved));
    };
    std::size_t written = 0;
    while (written < contents.size()) {
        const ssize_t n = ::write(fd, contents.data() + written, contents.size() - written);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return abandon("cannot write");
        }
        written += static_cast<std::size_t>(n);
    }
    // mkstemp creates 0600; a report or model is an ordinary file for the user's umask.
    const mode_t mask = ::umask(0);
    ::umask(mask);
    ::fchmod(fd, 0666 & ~mask);
    if (::fsync(fd) != 0)
        return abandon("cannot flush to disk");
    if (::close(fd) != 0) {
        const int saved = errno;
        ::unlink(pattern.c_str());
        return std::unexpected(ioError(target, "cannot close", saved));
    }
    if (::rename(pattern.c_str(), target.c_str()) != 0) {
        const int saved = errno;
        ::unlink(pattern.c_str());
        return std::unexpected(ioError(target, "cannot replace", saved));
    }
    return {};
}

} // namespace slimscope::core
