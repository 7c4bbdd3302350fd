#include "mappedfile.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace slimscope::core::model {

Error errorFromErrno(int errnoValue, const std::string& what)
{
    ErrorCode code = ErrorCode::IoError;
    if (errnoValue == ENOENT || errnoValue == ENOTDIR)
        code = ErrorCode::NotFound;
    else if (errnoValue == EACCES || errnoValue == EPERM)
        code = ErrorCode::PermissionDenied;
    return Error { code, what + ": " + std::strerror(errnoValue) };
}

Result<std::shared_ptr<const MappedFile>> MappedFile::open(const std::filesystem::path& path)
{
    // O_NONBLOCK: opening a FIFO must not wait for a writer; it is rejected below as not a regular file.
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return std::unexpected(errorFromErrno(errno, "cannot open"));
    struct stat info { };
    if (::fstat(fd, &info) != 0) {
        const int saved = errno;
        ::close(fd);
        return std::unexpected(errorFromErrno(saved, "cannot stat"));
    }
    if (S_ISDIR(info.st_mode)) {
        ::close(fd);
        return fail(ErrorCode::InvalidArgument, "is a directory, not a model file");
    }
    if (!S_ISREG(info.st_mode)) {
        ::close(fd);
        return fail(ErrorCode::InvalidArgument, "is not a regular file");
    }
    std::shared_ptr<MappedFile> file(new MappedFile);
    file->m_path = path;
    file->m_size = static_cast<std::uint64_t>(info.st_size);
    if (file->m_size > 0) {
        void* data = ::mmap(nullptr, file->m_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (data == MAP_FAILED) {
            const int saved = errno;
            ::close(fd);
            return std::unexpected(errorFromErrno(saved, "cannot map"));
        }
        // Weights are read front to back, once: let the kernel read ahead generously.
        ::madvise(data, file->m_size, MADV_SEQUENTIAL);
        file->m_data = static_cast<const std::byte*>(data);
    }
    ::close(fd);
    return std::shared_ptr<const MappedFile>(std::move(file));
}

MappedFile::~MappedFile()
{
    if (m_data)
        ::munmap(const_cast<std::byte*>(m_data), m_size);
}

} // namespace slimscope::core::model
