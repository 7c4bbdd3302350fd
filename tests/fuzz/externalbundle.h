#pragma once

// fuzz_external's input: a model and its external data files in one byte string, so that libFuzzer mutates the
// model's offsets and lengths and the files' sizes together. Each part but the last is a 4-byte little-endian
// length and that many bytes; the last takes what is left. A length beyond the input ends the parts there. An
// empty part is a file that is not there.
// Header-only: fuzz_seeds writes bundles with the same code that the target reads them with.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace slimscope::fuzz {

/// Where each part of a bundle goes, relative to the scratch folder: the model, then its external data files.
inline const std::vector<std::string>& bundleFiles()
{
    static const std::vector<std::string> files { "external.onnx", "weights_a.bin", "weights_b.bin",
        "sub/weights_c.bin" };
    return files;
}

/// The parts of `bytes`, at most `count` of them (fewer when the input ends first).
inline std::vector<std::string_view> splitBundle(std::string_view bytes, std::size_t count)
{
    std::vector<std::string_view> parts;
    while (parts.size() + 1 < count && bytes.size() >= 4) {
        std::uint32_t length = 0;
        for (int i = 3; i >= 0; --i)
            length = (length << 8) | static_cast<std::uint8_t>(bytes[static_cast<std::size_t>(i)]);
        bytes.remove_prefix(4);
        const std::size_t taken = std::min<std::size_t>(length, bytes.size());
        parts.push_back(bytes.substr(0, taken));
        bytes.remove_prefix(taken);
    }
    if (parts.size() < count)
        parts.push_back(bytes);
    return parts;
}

/// The bundle whose splitBundle(…, parts.size()) gives `parts` back.
inline std::string joinBundle(const std::vector<std::string>& parts)
{
    std::string bytes;
    for (std::size_t p = 0; p < parts.size(); ++p) {
        if (p + 1 < parts.size())
            for (int i = 0; i < 4; ++i)
                bytes.push_back(static_cast<char>((parts[p].size() >> (8 * i)) & 0xff));
        bytes += parts[p];
    }
    return bytes;
}

} // namespace slimscope::fuzz
