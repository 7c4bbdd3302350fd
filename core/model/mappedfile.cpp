#include "mappedfile.h"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace slimscope::core::model {

namespace {

/// The guarded mappings, read by the SIGBUS handler: fixed storage and atomics only (async-signal-safe).
struct GuardedRange {
    std::atomic<std::uintptr_t> begin { 0 }; ///< 0: a free slot
    std::atomic<std::uintptr_t> end { 0 };
    std::atomic<bool> lost { false };
};
constexpr int kGuardSlots = 8192;
GuardedRange g_ranges[kGuardSlots];
std::uintptr_t g_pageSize = 4096;
struct sigaction g_previous { };

void onSigbus(int signal, siginfo_t* info, void* context)
{
    const auto address = reinterpret_cast<std::uintptr_t>(info->si_addr);
    for (auto& range : g_ranges) {
        const std::uintptr_t begin = range.begin.load(std::memory_order_acquire);
        const std::uintptr_t end = range.end.load(std::memory_order_acquire);
        if (begin == 0 || address < begin || address >= end)
            continue;
        // The file lost this part: map zeros over the rest of the mapping and let the read go on.
        const std::uintptr_t from = address & ~(g_pageSize - 1);
        if (::mmap(reinterpret_cast<void*>(from), end - from, PROT_READ, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
            != MAP_FAILED) {
            range.lost.store(true, std::memory_order_release);
            return;
        }
        break;
    }
    // Not a guarded mapping: whatever handled SIGBUS before (a sanitizer's, say), else the default (a crash).
    if ((g_previous.sa_flags & SA_SIGINFO) && g_previous.sa_sigaction) {
        g_previous.sa_sigaction(signal, info, context);
        return;
    }
    if (g_previous.sa_handler != SIG_DFL && g_previous.sa_handler != SIG_IGN && g_previous.sa_handler) {
        g_previous.sa_handler(signal);
        return;
    }
    ::signal(SIGBUS, SIG_DFL);
    ::raise(SIGBUS);
}

void installGuard()
{
    static std::once_flag once;
    std::call_once(once, [] {
        g_pageSize = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
        struct sigaction action { };
        action.sa_sigaction = onSigbus;
        action.sa_flags = SA_SIGINFO | SA_NODEFER;
        sigemptyset(&action.sa_mask);
        ::sigaction(SIGBUS, &action, &g_previous);
    });
}

int guard(const std::byte* data, std::uint64_t size)
{
    installGuard();
    const auto begin = reinterpret_cast<std::uintptr_t>(data);
    for (int slot = 0; slot < kGuardSlots; ++slot) {
        std::uintptr_t expected = 0;
        // The end first, then the begin that makes the slot live.
        if (g_ranges[slot].begin.load(std::memory_order_relaxed) != 0)
            continue;
        g_ranges[slot].end.store(begin + size, std::memory_order_release);
        g_ranges[slot].lost.store(false, std::memory_order_release);
        if (g_ranges[slot].begin.compare_exchange_strong(expected, begin, std::memory_order_acq_rel))
            return slot;
    }
    return -1; // more live mappings than slots: this one is not guarded
}

} // namespace

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
        file->m_guard = guard(file->m_data, file->m_size);
    }
    ::close(fd);
    return std::shared_ptr<const MappedFile>(std::move(file));
}

MappedFile::~MappedFile()
{
    if (m_guard >= 0)
        g_ranges[m_guard].begin.store(0, std::memory_order_release);
    if (m_data)
        ::munmap(const_cast<std::byte*>(m_data), m_size);
}

Result<void> MappedFile::checkIntact() const
{
    if (m_guard < 0 || !g_ranges[m_guard].lost.load(std::memory_order_acquire))
        return {};
    std::string now;
    struct stat info { };
    if (::stat(m_path.c_str(), &info) == 0)
        now = " (it is now " + std::to_string(info.st_size) + " bytes, it was " + std::to_string(m_size) + ")";
    return fail(ErrorCode::IoError,
        m_path.string() + ": the file changed while it was being read" + now
            + "; nothing read from it can be trusted: try again once it is complete");
}

} // namespace slimscope::core::model
