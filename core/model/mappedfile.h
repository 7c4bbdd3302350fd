#pragma once

#include "support/error.h"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>

namespace slimscope::core::model {

/// A read-only memory mapping of a whole file. Weight bytes are read in place from the mapping, never
/// copied; the kernel pages them in on first touch, which is what makes external data lazy.
///
/// A file truncated by another program while it is mapped would kill the process with SIGBUS on the next read of
/// the lost part. Mappings are therefore guarded: a SIGBUS inside one replaces the rest of that mapping with zero
/// pages, so the read goes on, and marks the mapping; checkIntact() then reports the file as changed, and callers
/// check before they trust or write what they read (analysis, export).
class MappedFile {
public:
    /// Maps `path`. Errors name the file and the reason (not found, a directory, permission denied, ...).
    static Result<std::shared_ptr<const MappedFile>> open(const std::filesystem::path& path);

    ~MappedFile();
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    const std::filesystem::path& path() const { return m_path; }
    std::uint64_t size() const { return m_size; }
    std::span<const std::byte> bytes() const { return { m_data, static_cast<std::size_t>(m_size) }; }
    /// An error naming the file when part of it vanished (truncated) while it was mapped.
    Result<void> checkIntact() const;

private:
    MappedFile() = default;

    std::filesystem::path m_path;
    const std::byte* m_data = nullptr;
    std::uint64_t m_size = 0;
    int m_guard = -1; ///< its slot among the guarded mappings, -1 when none was free
};

/// "No such file or directory"-style reason for an errno value, and the matching ErrorCode.
Error errorFromErrno(int errnoValue, const std::string& what);

} // namespace slimscope::core::model
