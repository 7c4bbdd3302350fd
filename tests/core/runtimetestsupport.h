#pragma once
// Shared by the ONNX Runtime tests (tst_runtime, tst_runtimeinputs): includes, .npy writers, a Gemm model and its
// double-precision forward pass. Each test executable includes it once.
#include "fixtures.h"
#include "npy.h"
#include "runtime/inputs.h"
#include "runtime/verify.h"

#include "testenv.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace fx = slimscope::fixtures;
namespace rt = slimscope::core::runtime;
using slimscope::core::Diagnostic;
using slimscope::core::ErrorCode;
using slimscope::core::model::DataType;

#define REQUIRE_RUNTIME()                                                                                              \
    do {                                                                                                               \
        if (!rt::runtimeAvailable())                                                                                   \
            SLIMSCOPE_SKIP("built without ONNX Runtime (scripts/fetch-onnxruntime.sh)");                               \
    } while (false)

#if defined(__SANITIZE_ADDRESS__)
// ONNX Runtime 1.30 leaks 14 bytes once per process when its first environment is created (seen with a
// five-line program that creates and deletes an Ort::Env); not ours to fix, so not ours to report.
extern "C" const char* __lsan_default_suppressions()
{
    return "leak:libonnxruntime.so\n";
}
#endif

namespace {

// Each test uses some of these: inline, so that the others raise no unused-function warning.

constexpr int32_t kFloat = onnx::TensorProto::FLOAT;

inline std::filesystem::path path(const QTemporaryDir& dir, const char* name)
{
    return std::filesystem::path(dir.path().toStdString()) / name;
}

inline void writeBytes(const std::filesystem::path& file, const std::string& bytes)
{
    std::ofstream(file, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

using slimscope::fixtures::npyBytes;
using slimscope::fixtures::npyOf;

/// x[rows, k] -> Gemm(W[c, k], b[c], transB=1) -> y[rows, c]. A rows of fx::kSymbolicDim makes it "N".
inline fx::ModelBuilder gemmModel(
    const std::vector<float>& w, const std::vector<float>& b, int64_t rows, int64_t k, int64_t c)
{
    fx::ModelBuilder builder(13, 8);
    builder.addFloatInitializer("W", { c, k }, w);
    builder.addFloatInitializer("b", { c }, b);
    builder.addInput("x", kFloat, { rows, k });
    fx::ModelBuilder::addAttrInt(builder.addNode("Gemm", { "x", "W", "b" }, { "y" }, "gemm"), "transB", 1);
    builder.addOutput("y", kFloat, { rows, c });
    return builder;
}

/// The same Gemm in double precision.
inline std::vector<double> gemmForward(const std::vector<float>& x, const std::vector<float>& w,
    const std::vector<float>& b, size_t rows, size_t k, size_t c)
{
    std::vector<double> y(rows * c);
    for (size_t r = 0; r < rows; ++r)
        for (size_t j = 0; j < c; ++j) {
            double sum = b[j];
            for (size_t i = 0; i < k; ++i)
                sum += static_cast<double>(x[r * k + i]) * static_cast<double>(w[j * k + i]);
            y[r * c + j] = sum;
        }
    return y;
}

inline void save(const fx::ModelBuilder& builder, const std::filesystem::path& file)
{
    const auto saved = builder.save(file);
    QVERIFY2(saved, saved ? "" : saved.error().c_str());
}

inline QString errorText(const slimscope::core::Error& error)
{
    return QString::fromStdString(error.message);
}

} // namespace
