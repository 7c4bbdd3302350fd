// A file truncated by someone else while Slimscope has it mapped: the next read of the lost part would raise SIGBUS
// and kill the process. It must not: analysis and export report the file as changed, naming it, and an export writes
// nothing. The truncation happens between two tensors: from the analysis's own progress callback, after every
// external data file has been mapped and read once.
#include "analysis/analysis.h"
#include "fixtures.h"
#include "model/modelfile.h"
#include "slim/exporter.h"
#include "slim/slimmer.h"
#include "slim/steps/quantize.h"
#include "support/progress.h"

#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <filesystem>

#include <unistd.h>

namespace fs = std::filesystem;
namespace an = slimscope::core::analysis;
namespace md = slimscope::core::model;
namespace slim = slimscope::core::slim;
namespace fx = slimscope::fixtures;
using slimscope::core::Progress;

namespace {

/// The model with every weight read once, so that every external data file is mapped.
std::shared_ptr<const md::ModelFile> loadAndTouch(const std::string& path)
{
    auto file = md::ModelFile::load(path);
    if (!file)
        return nullptr;
    for (const auto& weight : (*file)->weights())
        if (!(*file)->read(weight))
            return nullptr;
    return *file;
}

} // namespace

class TestTruncated : public QObject {
    Q_OBJECT

private slots:
    void externalFileTruncatedDuringAnalysis()
    {
        QTemporaryDir dir;
        const fx::Fixture f = fx::externalData(dir.path().toStdString());
        const auto file = loadAndTouch(f.path);
        QVERIFY(file);
        const fs::path victim = fs::path(dir.path().toStdString()) / "weights_b.bin";
        std::atomic<bool> truncated = false;
        const Progress progress([&](std::string_view stage, double) {
            if (stage == "statistics" && !truncated.exchange(true))
                QVERIFY(::truncate(victim.c_str(), 0) == 0);
        });
        const auto analysis = an::analyze(file, progress);
        QVERIFY(truncated);
        QVERIFY(!analysis);
        const std::string& message = analysis.error().message;
        QVERIFY2(message.find("weights_b.bin") != std::string::npos, message.c_str());
        QVERIFY2(message.find("changed while it was being read") != std::string::npos, message.c_str());
        QVERIFY2(message.find("now 0 bytes") != std::string::npos, message.c_str());
    }

    void modelFileTruncatedBeforeExport()
    {
        QTemporaryDir dir;
        const auto path = fs::path(dir.path().toStdString()) / "convnet.onnx";
        QVERIFY(fx::convNet().builder.save(path.string()).has_value());
        const auto file = loadAndTouch(path.string());
        QVERIFY(file);
        auto slimmed = slim::applyRecipe(file, slim::Recipe { { slim::Step { slim::QuantizeFp16Step {}, {}, true } } });
        QVERIFY(slimmed.has_value());
        QVERIFY(::truncate(path.c_str(), 100) == 0); // the skeleton was parsed; the weights are gone
        const auto output = fs::path(dir.path().toStdString()) / "out.onnx";
        const auto exported = slim::exportModel(*slimmed->model, output, {});
        QVERIFY(!exported);
        QVERIFY2(exported.error().message.find("convnet.onnx") != std::string::npos, exported.error().message.c_str());
        QVERIFY(!fs::exists(output)); // nothing half-written is left
        QVERIFY(!md::ModelFile::load(path.string())); // and loaded again, the short file is refused
    }
};

QTEST_GUILESS_MAIN(TestTruncated)
#include "tst_truncated.moc"
