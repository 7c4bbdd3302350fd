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

Result<void> writeFileAtomically(const std::filesystem::path& target, const std::function<Result<void>(int fd)>& writer,
    const std::function<Result<void>(const std::filesystem::path& temporary)>& beforeRename)
{
    const std::filesystem::path folder = target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
    std::string pattern = (folder / ("." + target.filename().string() + ".slimscope-XXXXXX")).string();
    const int fd = ::mkstemp(pattern.data());
    if (fd < 0)
        return std::unexpected(ioError(target, "cannot create a temporary file next to it", errno));
    const auto abandon = [&](Error error) {
        ::close(fd);
        ::unlink(pattern.c_str());
        return std::unexpected(std::move(error));
    };
    if (auto written = writer(fd); !written)
        return abandon(written.error());
    // mkstemp creates 0600; a report or model is an ordinary file for the user's umask.
    const mode_t mask = ::umask(0);
    ::umask(mask);
    ::fchmod(fd, 0666 & ~mask);
    if (::fsync(fd) != 0)
        return abandon(ioError(target, "cannot flush to disk", errno));
    if (::close(fd) != 0) {
        const int saved = errno;
        ::unlink(pattern.c_str());
        return std::unexpected(ioError(target, "cannot close", saved));
    }
    if (beforeRename) {
        if (auto accepted = beforeRename(pattern); !accepted) {
            ::unlink(pattern.c_str());
            return std::unexpected(accepted.error());
        }
    }
    if (::rename(pattern.c_str(), target.c_str()) != 0) {
        const int saved = errno;
        ::unlink(pattern.c_str());
        return std::unexpected(ioError(target, "cannot replace", saved));
    }
    return {};
}

Result<void> writeFileAtomically(const std::filesystem::path& target, std::string_view contents)
{
    return writeFileAtomically(target, [&](int fd) -> Result<void> {
        std::size_t written = 0;
        while (written < contents.size()) {
            const ssize_t n = ::write(fd, contents.data() + written, contents.size() - written);
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                return std::unexpected(ioError(target, "cannot write", errno));
            }
            written += static_cast<std::size_t>(n);
        }
        return {};
    });
}

} // namespace slimscope::core
