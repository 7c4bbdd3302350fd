#pragma once

#include "error.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace slimscope::core {

/// A file the command reads, so that no output may be it (compared by device and inode, through links).
struct InputFile {
    std::filesystem::path path;
    std::string role; ///< "the input model", "the input model's external data 'w.bin'", "the recipe", …
};

/// Where written bytes go while an output is being written; counts them and names the output in errors.
class OutputSink {
public:
    OutputSink(int fd, std::string name)
        : m_fd(fd)
        , m_name(std::move(name))
    { }

    Result<void> write(const void* data, std::size_t size);
    Result<void> write(std::string_view text) { return write(text.data(), text.size()); }
    std::uint64_t written() const { return m_written; }
    const std::string& name() const { return m_name; }

private:
    int m_fd;
    std::string m_name;
    std::uint64_t m_written = 0;
};

/// The one way the program writes a file. An output is classified once, when opened:
/// - `-` is standard output;
/// - a regular file, a new file, or the target of a symbolic link (the link is kept) is replaced atomically:
///   a temporary file in the same folder, fsync, rename; on any failure (a full disk included) the temporary
///   file is removed and the old file is left as it was;
/// - a character device, a FIFO or a socket is written through, never renamed over (`/dev/null` stays a device;
///   a FIFO's reader receives the bytes).
/// Opening refuses an output that is a folder, whose folder does not exist, or that is one of the inputs.
class Output {
public:
    enum class Kind { StandardOutput, Replace, WriteThrough };

    /// `requested` as the user gave it; `inputs` are the files the command reads (an output that is one of them
    /// is refused with ErrorCode::Refused, and nothing is written).
    static Result<Output> open(const std::filesystem::path& requested, const std::vector<InputFile>& inputs = {});

    Kind kind() const { return m_kind; }
    bool isRegularFile() const { return m_kind == Kind::Replace; }
    /// As requested (`-` for standard output).
    const std::filesystem::path& path() const { return m_requested; }
    /// Where the bytes land: symbolic links resolved for a replaced file; the requested path otherwise.
    const std::filesystem::path& destination() const { return m_destination; }
    /// "standard output" or the requested path, for messages.
    std::string name() const;

    using Writer = std::function<Result<void>(OutputSink& sink)>;
    /// Inspects the finished temporary file before it replaces the destination (replaced files only).
    using Check = std::function<Result<void>(const std::filesystem::path& finished)>;

    /// Writes what `writer` produces; returns the number of bytes written.
    Result<std::uint64_t> write(const Writer& writer, const Check& beforeCommit = {}) const;
    Result<std::uint64_t> write(std::string_view contents) const;

private:
    Result<std::uint64_t> replace(const Writer& writer, const Check& beforeCommit) const;
    Result<std::uint64_t> writeThrough(const Writer& writer) const;

    Kind m_kind = Kind::StandardOutput;
    std::filesystem::path m_requested;
    std::filesystem::path m_destination;
};

/// Writes `contents` to `path` through Output (convenience for one-shot documents).
Result<std::uint64_t> writeOutput(
    const std::filesystem::path& path, std::string_view contents, const std::vector<InputFile>& inputs = {});

} // namespace slimscope::core
