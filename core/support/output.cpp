#include "output.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <iostream>
#include <sys/stat.h>
#include <unistd.h>

namespace slimscope::core {

namespace fs = std::filesystem;

namespace {

constexpr int kMaxLinkHops = 40; // as the kernel's ELOOP limit

Error ioError(const std::string& name, const std::string& what, int errnoValue)
{
    const ErrorCode code = (errnoValue == EACCES || errnoValue == EPERM || errnoValue == EROFS)
        ? ErrorCode::PermissionDenied
        : ErrorCode::IoError;
    return Error { code, name + ": " + what + ": " + std::strerror(errnoValue) };
}

std::string quoted(const fs::path& path)
{
    return "'" + path.string() + "'";
}

/// Follows the symbolic links of the last path component, so that an atomic replace writes the link's target and
/// keeps the link. `throughProc` is set when a link leads into /proc (a /dev/stdout-style alias of an open file
/// descriptor): such an output is written through, since renaming over it would replace something else.
Result<fs::path> resolveLinks(fs::path path, bool& throughProc)
{
    for (int hop = 0; hop < kMaxLinkHops; ++hop) {
        struct stat info { };
        if (::lstat(path.c_str(), &info) != 0 || !S_ISLNK(info.st_mode))
            return path;
        std::error_code error;
        fs::path target = fs::read_symlink(path, error);
        if (error)
            return std::unexpected(ioError(path.string(), "cannot read the symbolic link", error.value()));
        if (target.is_relative())
            target = path.parent_path() / target;
        if (target.string().rfind("/proc/", 0) == 0)
            throughProc = true;
        path = std::move(target);
    }
    return std::unexpected(ioError(path.string(), "cannot resolve", ELOOP));
}

/// The folder a new or replaced file lands in must exist and be a folder; say which one when it is not.
Result<void> checkFolder(const fs::path& destination, const std::string& name)
{
    const fs::path folder = destination.has_parent_path() ? destination.parent_path() : fs::path(".");
    struct stat info { };
    if (::stat(folder.c_str(), &info) != 0) {
        if (errno == ENOENT)
            return fail(ErrorCode::NotFound, name + ": the folder " + quoted(folder) + " does not exist");
        if (errno == ENOTDIR)
            return fail(ErrorCode::IoError, name + ": " + quoted(folder) + " is not a folder");
        return std::unexpected(ioError(name, "cannot reach the folder " + quoted(folder), errno));
    }
    if (!S_ISDIR(info.st_mode))
        return fail(ErrorCode::IoError, name + ": " + quoted(folder) + " is not a folder");
    return {};
}

Result<void> checkNotAnInput(const struct stat& output, const std::string& name, const std::vector<InputFile>& inputs)
{
    for (const auto& input : inputs) {
        struct stat info { };
        if (::stat(input.path.c_str(), &info) == 0 && info.st_dev == output.st_dev && info.st_ino == output.st_ino)
            return fail(
                ErrorCode::Refused, name + " is " + input.role + "; refusing to overwrite it (choose another output)");
    }
    return {};
}

mode_t newFileMode()
{
    // umask can only be read by setting it; do it once, before any worker thread writes files.
    static const mode_t mask = [] {
        const mode_t value = ::umask(0);
        ::umask(value);
        return value;
    }();
    return 0666 & ~mask;
}

} // namespace

Result<void> OutputSink::write(const void* data, std::size_t size)
{
    const auto* bytes = static_cast<const char*>(data);
    std::size_t done = 0;
    while (done < size) {
        const ssize_t n = ::write(m_fd, bytes + done, size - done);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return std::unexpected(ioError(m_name, "cannot write", errno));
        }
        done += static_cast<std::size_t>(n);
    }
    m_written += size;
    return {};
}

Result<Output> Output::open(const fs::path& requested, const std::vector<InputFile>& inputs)
{
    Output output;
    output.m_requested = requested;
    output.m_destination = requested;
    if (requested.empty())
        return fail(ErrorCode::InvalidArgument, "no output file given");
    if (requested == "-") {
        struct stat info { };
        if (::fstat(STDOUT_FILENO, &info) == 0)
            if (auto safe = checkNotAnInput(info, "standard output", inputs); !safe)
                return std::unexpected(safe.error());
        return output;
    }
    const std::string name = requested.string();
    struct stat info { };
    const bool exists = ::stat(requested.c_str(), &info) == 0;
    if (!exists && errno != ENOENT) {
        if (errno == ENOTDIR)
            return fail(ErrorCode::IoError, name + ": a part of the path is not a folder");
        return std::unexpected(ioError(name, "cannot reach", errno));
    }
    if (exists) {
        if (S_ISDIR(info.st_mode))
            return fail(ErrorCode::IoError, name + ": is a folder, not a file");
        if (auto safe = checkNotAnInput(info, name, inputs); !safe)
            return std::unexpected(safe.error());
        if (!S_ISREG(info.st_mode)) {
            output.m_kind = Kind::WriteThrough;
            return output;
        }
        // Renaming over a read-only file would succeed where writing it would not: keep the file's protection.
        if (::access(requested.c_str(), W_OK) != 0)
            return std::unexpected(ioError(name, "cannot write", errno));
    }
    bool throughProc = false;
    auto destination = resolveLinks(requested, throughProc);
    if (!destination)
        return std::unexpected(destination.error());
    if (throughProc && exists) {
        output.m_kind = Kind::WriteThrough;
        return output;
    }
    if (auto folder = checkFolder(*destination, name); !folder)
        return std::unexpected(folder.error());
    output.m_kind = Kind::Replace;
    output.m_destination = std::move(*destination);
    return output;
}

std::string Output::name() const
{
    return m_kind == Kind::StandardOutput ? "standard output" : m_requested.string();
}

Result<std::uint64_t> Output::write(const Writer& writer, const Check& beforeCommit) const
{
    switch (m_kind) {
    case Kind::Replace:
        return replace(writer, beforeCommit);
    case Kind::WriteThrough:
        return writeThrough(writer);
    case Kind::StandardOutput:
        break;
    }
    // Text printed through the C and C++ streams must come before the document.
    std::cout.flush();
    std::fflush(stdout);
    OutputSink sink(STDOUT_FILENO, name());
    if (auto written = writer(sink); !written)
        return std::unexpected(written.error());
    return sink.written();
}

Result<std::uint64_t> Output::write(std::string_view contents) const
{
    return write([&](OutputSink& sink) { return sink.write(contents); });
}

Result<std::uint64_t> Output::replace(const Writer& writer, const Check& beforeCommit) const
{
    const std::string target = name();
    const fs::path folder = m_destination.has_parent_path() ? m_destination.parent_path() : fs::path(".");
    std::string temporary = (folder / ("." + m_destination.filename().string() + ".slimscope-XXXXXX")).string();
    const int fd = ::mkstemp(temporary.data());
    if (fd < 0)
        return std::unexpected(ioError(target, "cannot create a temporary file in " + quoted(folder), errno));
    const auto abandon = [&](Error error, bool open) {
        if (open)
            ::close(fd);
        ::unlink(temporary.c_str());
        if (error.code != ErrorCode::Cancelled)
            error.message += "; nothing was written to " + target;
        return std::unexpected(std::move(error));
    };
    OutputSink sink(fd, target);
    if (auto written = writer(sink); !written)
        return abandon(written.error(), true);
    // mkstemp creates 0600: give a new file the user's usual mode and a replaced file its old one.
    struct stat old { };
    const mode_t mode = ::stat(m_destination.c_str(), &old) == 0 ? (old.st_mode & 07777) : newFileMode();
    ::fchmod(fd, mode);
    if (::fsync(fd) != 0)
        return abandon(ioError(target, "cannot flush to disk", errno), true);
    if (::close(fd) != 0)
        return abandon(ioError(target, "cannot close", errno), false);
    if (beforeCommit)
        if (auto accepted = beforeCommit(temporary); !accepted)
            return abandon(accepted.error(), false);
    if (::rename(temporary.c_str(), m_destination.c_str()) != 0)
        return abandon(ioError(target, "cannot replace", errno), false);
    // Make the rename itself durable; a folder that cannot be synced (some network file systems) is no error.
    if (const int folderFd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); folderFd >= 0) {
        ::fsync(folderFd);
        ::close(folderFd);
    }
    return sink.written();
}

Result<std::uint64_t> Output::writeThrough(const Writer& writer) const
{
    const std::string target = name();
    struct stat info { };
    const bool regular = ::stat(m_destination.c_str(), &info) == 0 && S_ISREG(info.st_mode);
    // A FIFO blocks here until it has a reader, as a shell redirection does.
    const int fd = ::open(m_destination.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY | (regular ? O_TRUNC : 0));
    if (fd < 0)
        return std::unexpected(ioError(target, "cannot open for writing", errno));
    OutputSink sink(fd, target);
    auto written = writer(sink);
    const int closed = ::close(fd);
    if (!written)
        return std::unexpected(written.error());
    if (closed != 0)
        return std::unexpected(ioError(target, "cannot close", errno));
    return sink.written();
}

Result<std::uint64_t> writeOutput(const fs::path& path, std::string_view contents, const std::vector<InputFile>& inputs)
{
    auto output = Output::open(path, inputs);
    if (!output)
        return std::unexpected(output.error());
    return output->write(contents);
}

} // namespace slimscope::core
