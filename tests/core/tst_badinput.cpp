// Every bad input ends in an Error whose message starts with the model's path and says what is wrong
// (ErrorCode for the caller, text for the user), never in a crash. Files that a damaged model happens to
// still be valid as (a cut on a field boundary, a harmless flipped byte) must load and analyze cleanly.
#include "analysis/analysis.h"
#include "fixtures.h"
#include "model/modelfile.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>
#include <grp.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <fcntl.h>
#include <filesystem>
#include <functional>
#include <future>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

using namespace slimscope;
using core::ErrorCode;
using core::model::ModelFile;
using fixtures::Lcg;
using fixtures::ModelBuilder;

namespace fs = std::filesystem;

namespace {

constexpr int32_t kFloat = onnx::TensorProto::FLOAT;

const char* codeName(ErrorCode code)
{
    switch (code) {
    case ErrorCode::NotFound:
        return "NotFound";
    case ErrorCode::PermissionDenied:
        return "PermissionDenied";
    case ErrorCode::IoError:
        return "IoError";
    case ErrorCode::InvalidModel:
        return "InvalidModel";
    case ErrorCode::TooLarge:
        return "TooLarge";
    case ErrorCode::UnsafePath:
        return "UnsafePath";
    case ErrorCode::Unsupported:
        return "Unsupported";
    case ErrorCode::Cancelled:
        return "Cancelled";
    case ErrorCode::InvalidArgument:
        return "InvalidArgument";
    case ErrorCode::Refused:
        return "Refused";
    case ErrorCode::Internal:
        return "Internal";
    }
    return "?";
}

QString qs(const std::string& text)
{
    return QString::fromStdString(text);
}

bool writeBytes(const fs::path& path, const std::string& bytes)
{
    QFile file(qs(path.string()));
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return false;
    return file.write(bytes.data(), static_cast<qint64>(bytes.size())) == static_cast<qint64>(bytes.size());
}

std::string randomBytes(uint64_t seed, std::size_t size)
{
    Lcg rng(seed);
    std::string bytes(size, '\0');
    for (char& c : bytes)
        c = static_cast<char>(rng.nextU32() >> 24);
    return bytes;
}

/// x[4] -> Add(x, w) -> y[4] with one FLOAT initializer `w` whose bytes come from `makeTensor`.
ModelBuilder addModel(const std::function<void(ModelBuilder&)>& makeTensor)
{
    ModelBuilder b;
    makeTensor(b);
    b.addInput("x", kFloat, { 4 });
    b.addNode("Add", { "x", "w" }, { "y" }, "add");
    b.addOutput("y", kFloat, { 4 });
    return b;
}

ModelBuilder rawModel(std::vector<int64_t> dims, std::size_t rawBytes, int32_t dataType = kFloat)
{
    return addModel([&](ModelBuilder& b) {
        b.addInitializer("w", dataType, dims, std::vector<std::byte>(rawBytes, std::byte { 1 }));
    });
}

/// The Add model with `w` (16 float32 bytes) in the external file "w.bin", written next to the model by save().
/// `edit` then changes the tensor's external_data entries; save() still writes the bytes to "w.bin" only, so
/// hostile locations ("../x", "/etc/passwd") are never written to.
ModelBuilder externalModel(const std::function<void(onnx::TensorProto&)>& edit = {})
{
    ModelBuilder b = addModel([](ModelBuilder& m) { m.addFloatInitializer("w", { 4 }, { 1.f, 2.f, 3.f, 4.f }); });
    onnx::TensorProto& w = *b.graph().mutable_initializer(0);
    b.makeExternal(w, "w.bin");
    if (edit)
        edit(w);
    return b;
}

std::function<void(onnx::TensorProto&)> setKey(const std::string& key, const std::string& value)
{
    return [key, value](onnx::TensorProto& tensor) {
        for (auto& entry : *tensor.mutable_external_data())
            if (entry.key() == key)
                entry.set_value(value);
    };
}

/// A main graph whose If node's then_branch holds another If, `depth` subgraphs deep.
ModelBuilder nestedIfs(int depth)
{
    ModelBuilder b;
    b.addInput("cond", onnx::TensorProto::BOOL, {});
    onnx::GraphProto* graph = &b.graph();
    for (int level = 0; level < depth; ++level) {
        const std::string out = "y" + std::to_string(level);
        auto& node = b.addNode(*graph, "If", { "cond" }, { out }, "if" + std::to_string(level));
        if (level == 0)
            b.addOutput(out, kFloat, { 1 });
        else
            b.addOutput(*graph, out, kFloat, { 1 });
        auto& elseBranch = ModelBuilder::addAttrGraph(node, "else_branch", "else" + std::to_string(level));
        b.addConstantFloatsNode(elseBranch, "e" + std::to_string(level), { 0.f });
        b.addOutput(elseBranch, "e" + std::to_string(level), kFloat, { 1 });
        graph = &ModelBuilder::addAttrGraph(node, "then_branch", "then" + std::to_string(level));
    }
    b.addConstantFloatsNode(*graph, "leaf", { 1.f });
    b.addOutput(*graph, "leaf", kFloat, { 1 });
    return b;
}

/// Loads `path`; a model that loads must analyze without crashing. Returns the load error, if any.
std::optional<core::Error> loadAndAnalyze(const fs::path& path)
{
    auto loaded = ModelFile::load(path);
    if (!loaded)
        return loaded.error();
    core::analysis::AnalyzeOptions options;
    options.computeSha256 = false;
    (void)core::analysis::analyze(*loaded, {}, nullptr, options);
    return std::nullopt;
}

} // namespace

class TestBadInput : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    fs::path path(const std::string& name) const { return fs::path(m_dir.path().toStdString()) / name; }

    /// Saves `builder` as `name` in its own folder (so external files of different rows never mix).
    fs::path save(const std::string& name, const ModelBuilder& builder)
    {
        const fs::path file = path(name) / "model.onnx";
        const auto saved = builder.save(file);
        if (!saved)
            qFatal("cannot save fixture: %s", saved.error().c_str());
        return file;
    }

    void addRow(const char* tag, const fs::path& file, ErrorCode code, QStringList needles)
    {
        QTest::newRow(tag) << qs(file.string()) << static_cast<int>(code) << needles;
    }

    static void expectError(const fs::path& file, ErrorCode code, const QStringList& needles)
    {
        checkError(ModelFile::load(file), file, code, needles);
    }

    static void checkError(const core::Result<std::shared_ptr<const ModelFile>>& loaded, const fs::path& file,
        ErrorCode code, const QStringList& needles)
    {
        QVERIFY2(!loaded, "the bad model loaded");
        const QString message = qs(loaded.error().message);
        const QString prefix = qs(file.string()) + QStringLiteral(": ");
        QVERIFY2(message.startsWith(prefix), qPrintable(QStringLiteral("no path prefix: ") + message));
        for (const QString& needle : needles)
            QVERIFY2(message.contains(needle), qPrintable(QStringLiteral("'%1' not in: %2").arg(needle, message)));
        QCOMPARE(codeName(loaded.error().code), codeName(code));
    }

private slots:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void load_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<int>("code");
        QTest::addColumn<QStringList>("needles");

        addRow("missing", path("does-not-exist.onnx"), ErrorCode::NotFound, { "No such file" });
        fs::create_directories(path("folder.onnx"));
        addRow("directory", path("folder.onnx"), ErrorCode::InvalidArgument, { "directory" });
        addRow("character device", "/dev/null", ErrorCode::InvalidArgument, { "not a regular file" });
        writeBytes(path("empty.onnx"), {});
        addRow("empty file", path("empty.onnx"), ErrorCode::InvalidModel, { "empty" });
        writeBytes(path("text.onnx"), "this is not an ONNX model\n");
        addRow("text file", path("text.onnx"), ErrorCode::InvalidModel, {});

        {
            onnx::ModelProto noGraph;
            noGraph.set_ir_version(8);
            noGraph.set_producer_name("test");
            noGraph.add_opset_import()->set_version(13);
            writeBytes(path("nograph.onnx"), noGraph.SerializeAsString());
            addRow("no graph", path("nograph.onnx"), ErrorCode::InvalidModel, { "no graph" });
        }
        ModelBuilder noIr = rawModel({ 4 }, 16);
        noIr.model().clear_ir_version();
        addRow("no ir_version", save("noir", noIr), ErrorCode::InvalidModel, { "ir_version" });

        addRow("raw_data size mismatch", save("rawsize", rawModel({ 4 }, 12)), ErrorCode::InvalidModel,
            { "tensor 'w'", "raw_data holds 12 bytes", "16" });
        addRow("negative dimension", save("negdim", rawModel({ 2, -3 }, 16)), ErrorCode::InvalidModel,
            { "tensor 'w'", "negative dimension -3" });
        addRow("element count overflows", save("overflow", rawModel({ int64_t { 1 } << 40, int64_t { 1 } << 40 }, 16)),
            ErrorCode::InvalidModel, { "tensor 'w'", "64 bits" });
        addRow("byte count overflows", save("byteoverflow", rawModel({ int64_t { 1 } << 31, int64_t { 1 } << 31 }, 16)),
            ErrorCode::InvalidModel, { "tensor 'w'", "64 bits" });
        addRow("unknown element type", save("dtype99", rawModel({ 4 }, 16, 99)), ErrorCode::InvalidModel,
            { "tensor 'w'", "unknown element type 99" });
        const ModelBuilder typedCount = addModel([](ModelBuilder& b) {
            b.addFloatInitializerTyped("w", { 4 }, { 1.f, 2.f, 3.f });
        });
        addRow("typed field count mismatch", save("typedcount", typedCount), ErrorCode::InvalidModel,
            { "tensor 'w'", "3 values" });

        fs::path missingExternal = save("extmissing", externalModel());
        fs::remove(missingExternal.parent_path() / "w.bin");
        addRow("external file missing", missingExternal, ErrorCode::NotFound, { "tensor 'w'", "'w.bin'" });

        // "../x.bin" exists, so only the path itself can be the reason for refusing it.
        writeBytes(path("x.bin"), std::string(16, '\0'));
        addRow("external ../ traversal", save("extdotdot", externalModel(setKey("location", "../x.bin"))),
            ErrorCode::UnsafePath, { "tensor 'w'", "'../x.bin'", ".." });
        addRow("external sub/../../ traversal",
            save("extdotdot2", externalModel(setKey("location", "sub/../../x.bin"))), ErrorCode::UnsafePath,
            { "tensor 'w'", "'sub/../../x.bin'" });
        addRow("external absolute path", save("extabs", externalModel(setKey("location", "/etc/passwd"))),
            ErrorCode::UnsafePath, { "tensor 'w'", "'/etc/passwd'", "absolute" });

        const fs::path relLink = save("extlink", externalModel(setKey("location", "link.bin")));
        fs::create_symlink("../x.bin", relLink.parent_path() / "link.bin");
        addRow("external symlink leaving the folder", relLink, ErrorCode::UnsafePath,
            { "tensor 'w'", "'link.bin'", "outside" });
        const fs::path absLink = save("extabslink", externalModel(setKey("location", "link.bin")));
        fs::create_symlink(path("x.bin"), absLink.parent_path() / "link.bin");
        addRow("external symlink to an absolute path", absLink, ErrorCode::UnsafePath, { "tensor 'w'", "outside" });

        addRow("external offset beyond the file", save("extoffset", externalModel(setKey("offset", "64"))),
            ErrorCode::InvalidModel, { "tensor 'w'", "'w.bin'", "80", "16 bytes" });
        addRow("external offset + length overflows",
            save("extoffset2", externalModel(setKey("offset", "18446744073709551615"))), ErrorCode::InvalidModel,
            { "tensor 'w'", "'w.bin'", "2^64" });
        addRow("external offset not a number", save("extoffset3", externalModel(setKey("offset", "-16"))),
            ErrorCode::InvalidModel, { "tensor 'w'", "offset", "'-16'" });
        addRow("external length mismatch", save("extlength", externalModel(setKey("length", "12"))),
            ErrorCode::InvalidModel, { "tensor 'w'", "'w.bin'", "length 12", "16 bytes" });
        addRow("external location missing", save("extnoloc", externalModel(setKey("location", ""))),
            ErrorCode::InvalidModel, { "tensor 'w'", "no location" });
        const fs::path dirLocation = save("extdir", externalModel(setKey("location", "sub")));
        fs::create_directories(dirLocation.parent_path() / "sub");
        addRow("external location is a folder", dirLocation, ErrorCode::InvalidModel, { "tensor 'w'", "'sub'" });

        addRow("subgraphs nested 1000 deep", save("nested", nestedIfs(1000)), ErrorCode::InvalidModel, { "nested" });
    }

    void load()
    {
        QFETCH(QString, file);
        QFETCH(int, code);
        QFETCH(QStringList, needles);
        expectError(file.toStdString(), static_cast<ErrorCode>(code), needles);
    }

    // Root reads any file: as root, a forked copy of this process drops to nobody (no exec: the build tree may
    // sit under a folder only root can enter) and makes the check there.
    void permissionDenied()
    {
        const fs::path file = save("noperm", rawModel({ 4 }, 16));
        fs::permissions(file, fs::perms::none);
        if (::geteuid() != 0) {
            expectError(file, ErrorCode::PermissionDenied, { "Permission denied" });
            fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write);
            return;
        }
        fs::permissions(file.parent_path(), fs::perms::others_exec, std::filesystem::perm_options::add);
        const pid_t child = ::fork();
        QVERIFY(child >= 0);
        if (child == 0) {
            constexpr uid_t nobody = 65534;
            if (::setgroups(0, nullptr) != 0 || ::setgid(nobody) != 0 || ::setuid(nobody) != 0)
                ::_exit(10);
            const auto loaded = ModelFile::load(file);
            if (loaded)
                ::_exit(11);
            if (loaded.error().code != ErrorCode::PermissionDenied)
                ::_exit(12);
            const std::string& message = loaded.error().message;
            ::_exit(
                message.rfind(file.string() + ": ", 0) == 0 && message.find("Permission denied") != std::string::npos
                    ? 0
                    : 13);
        }
        int status = 0;
        QCOMPARE(::waitpid(child, &status, 0), child);
        fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write);
        QVERIFY(WIFEXITED(status));
        // 10: could not drop to nobody; 11: loaded; 12: another error code; 13: the message lacks path or reason.
        QCOMPARE(WEXITSTATUS(status), 0);
    }

    // A FIFO has no size and may never deliver bytes: it must be refused, not waited on.
    void namedPipe()
    {
        const fs::path file = path("pipe.onnx");
        QCOMPARE(::mkfifo(file.c_str(), 0600), 0);
        auto pending = std::async(std::launch::async, [file] { return ModelFile::load(file); });
        const bool finished = pending.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
        if (!finished) {
            // Release the blocked open() so the test ends: a writer comes and goes at once.
            if (const int fd = ::open(file.c_str(), O_WRONLY | O_NONBLOCK); fd >= 0)
                ::close(fd);
        }
        const auto loaded = pending.get();
        QVERIFY2(finished, "ModelFile::load on a named pipe blocks in open() until a writer appears");
        checkError(loaded, file, ErrorCode::InvalidArgument, { "not a regular file" });
    }

    void tooLarge_data()
    {
        QTest::addColumn<qint64>("size");
        QTest::newRow("2 GiB") << (qint64 { 1 } << 31);
        QTest::newRow("2 GiB + 1") << (qint64 { 1 } << 31) + 1;
    }

    void tooLarge()
    {
        QFETCH(qint64, size);
        // A sparse file: no disk space, but the size protobuf cannot parse.
        const fs::path file = path("huge.onnx");
        QFile huge(qs(file.string()));
        QVERIFY(huge.open(QIODevice::WriteOnly | QIODevice::Truncate));
        QVERIFY(huge.resize(size));
        huge.close();
        expectError(file, ErrorCode::TooLarge, { "external data", QString::number(size) });
        fs::remove(file);
    }

    void randomBytes_data()
    {
        QTest::addColumn<quint64>("seed");
        QTest::addColumn<int>("size");
        for (const quint64 seed : { 1, 2, 3, 4, 5, 6, 7, 8 })
            for (const int size : { 1, 2, 7, 100, 4096, 65536 })
                QTest::addRow("seed %llu, %d bytes", seed, size) << seed << size;
    }

    void randomBytes()
    {
        QFETCH(quint64, seed);
        QFETCH(int, size);
        const fs::path file = path("random.onnx");
        QVERIFY(writeBytes(
            file, ::randomBytes(seed * 1000003 + static_cast<quint64>(size), static_cast<std::size_t>(size))));
        expectError(file, ErrorCode::InvalidModel, {});
    }

    void truncated_data()
    {
        QTest::addColumn<QByteArray>("model");
        QTest::newRow("linearChain") << QByteArray::fromStdString(fixtures::linearChain().builder.serialize());
        QTest::newRow("convNet") << QByteArray::fromStdString(fixtures::convNet().builder.serialize());
        QTest::newRow("ifSubgraphs") << QByteArray::fromStdString(fixtures::ifSubgraphs().builder.serialize());
        QTest::newRow("bloated") << QByteArray::fromStdString(fixtures::bloated().builder.serialize());
    }

    // Every cut must give an error that names the file, or (on a field boundary) a smaller valid model.
    void truncated()
    {
        QFETCH(QByteArray, model);
        const qsizetype size = model.size();
        // Every cut near the start and the end, where the small fields are; about 400 in between.
        const qsizetype stride = std::max<qsizetype>(97, size / 400);
        std::vector<qsizetype> cuts;
        for (qsizetype cut = 1; cut < size; cut += cut < 600 || cut > size - 600 ? 1 : stride)
            cuts.push_back(cut);
        const fs::path file = path("truncated.onnx");
        int errors = 0;
        for (const qsizetype cut : cuts) {
            QVERIFY(writeBytes(file, model.first(cut).toStdString()));
            if (const auto error = loadAndAnalyze(file)) {
                ++errors;
                const QString message = qs(error->message);
                const QString prefix = qs(file.string()) + QStringLiteral(": ");
                if (!message.startsWith(prefix) || message.size() < prefix.size() + 10)
                    QFAIL(qPrintable(QStringLiteral("cut at %1: unclear error: %2").arg(cut).arg(message)));
                if (error->code != ErrorCode::InvalidModel)
                    QFAIL(qPrintable(QStringLiteral("cut at %1: %2: %3").arg(cut).arg(codeName(error->code), message)));
            }
        }
        QVERIFY2(errors > static_cast<int>(cuts.size()) / 2, qPrintable(QString::number(errors)));
    }

    void mutated_data()
    {
        QTest::addColumn<QByteArray>("model");
        QTest::newRow("linearChain") << QByteArray::fromStdString(fixtures::linearChain().builder.serialize());
        QTest::newRow("ifSubgraphs") << QByteArray::fromStdString(fixtures::ifSubgraphs().builder.serialize());
    }

    // A few random bytes overwritten anywhere in a valid model: error or valid model, never a crash.
    void mutated()
    {
        QFETCH(QByteArray, model);
        const fs::path file = path("mutated.onnx");
        Lcg rng(42);
        for (int round = 0; round < 400; ++round) {
            std::string bytes = model.toStdString();
            const int flips = 1 + static_cast<int>(rng.below(4));
            for (int i = 0; i < flips; ++i)
                bytes[rng.below(static_cast<uint32_t>(bytes.size()))] = static_cast<char>(rng.nextU32() >> 24);
            QVERIFY(writeBytes(file, bytes));
            if (const auto error = loadAndAnalyze(file))
                if (!qs(error->message).startsWith(qs(file.string()) + QStringLiteral(": ")))
                    QFAIL(qPrintable(QStringLiteral("round %1: %2").arg(round).arg(qs(error->message))));
        }
    }

    // Depth alone is no error: a moderately nested model loads with every subgraph.
    void nestedWithinLimit()
    {
        const auto loaded = ModelFile::load(save("nested10", nestedIfs(10)));
        QVERIFY2(loaded, loaded ? "" : loaded.error().message.c_str());
        // main + 10 then_branches + 10 else_branches
        QCOMPARE((*loaded)->graphs().size(), std::size_t { 21 });
        QCOMPARE((*loaded)->graphs().back().depth > 0, true);
    }

    void newerIrVersionWarns()
    {
        fixtures::Fixture f = fixtures::linearChain();
        f.builder.model().set_ir_version(10);
        const auto loaded = ModelFile::load(save("ir10", f.builder));
        QVERIFY2(loaded, loaded ? "" : loaded.error().message.c_str());
        const auto mentionsIr = [](const core::Diagnostics& diagnostics) {
            return std::ranges::any_of(diagnostics, [](const core::Diagnostic& d) {
                return d.severity == core::Diagnostic::Severity::Warning
                    && d.message.find("IR version 10") != std::string::npos;
            });
        };
        QVERIFY(mentionsIr((*loaded)->diagnostics()));
        QCOMPARE((*loaded)->weights().size(), f.truth.tensors.size());
        // The warning must reach the user through the analysis too.
        const auto analysis = core::analysis::analyze(*loaded);
        QVERIFY2(analysis, analysis ? "" : analysis.error().message.c_str());
        QVERIFY(mentionsIr((*analysis)->diagnostics));
    }

    // The external-data fixture itself loads: the checks above reject only what they should.
    void validExternalDataLoads()
    {
        QTemporaryDir dir;
        const fixtures::Fixture f = fixtures::externalData(dir.path().toStdString());
        const auto loaded = ModelFile::load(f.path);
        QVERIFY2(loaded, loaded ? "" : loaded.error().message.c_str());
        QCOMPARE((*loaded)->externalFiles().size(), f.truth.externalFiles.size());
        const fs::path model = save("extinside", externalModel(setKey("location", "alias.bin")));
        fs::create_symlink("w.bin", model.parent_path() / "alias.bin");
        const auto viaLink = ModelFile::load(model);
        QVERIFY2(viaLink, viaLink ? "" : viaLink.error().message.c_str());
    }
};

QTEST_GUILESS_MAIN(TestBadInput)
#include "tst_badinput.moc"
