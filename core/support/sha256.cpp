#include "sha256.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <memory>

namespace slimscope::core {

std::string sha256Hex(std::span<const std::byte> bytes)
{
    return sha256Hex(bytes, nullptr);
}

std::string sha256Hex(std::span<const std::byte> bytes, const CancelToken* cancel)
{
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest {};
    unsigned int length = 0;
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    if (!context || EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) != 1)
        return {};
    // 16 MiB at a time: a cancel waits for at most a few milliseconds of hashing.
    constexpr std::size_t kChunk = 16u << 20;
    for (std::size_t offset = 0; offset < bytes.size(); offset += kChunk) {
        if (cancel && cancel->isCancelled())
            return {};
        if (EVP_DigestUpdate(context.get(), bytes.data() + offset, std::min(kChunk, bytes.size() - offset)) != 1)
            return {};
    }
    if (EVP_DigestFinal_ex(context.get(), digest.data(), &length) != 1)
        return {};
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(length * 2);
    for (unsigned int i = 0; i < length; ++i) {
        out.push_back(hex[digest[i] >> 4]);
        out.push_back(hex[digest[i] & 0xF]);
    }
    return out;
}

} // namespace slimscope::core
