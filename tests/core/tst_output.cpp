// The one output module: how each kind of output is classified and written, and that nothing is ever lost:
// devices stay devices, FIFOs reach their reader, links are kept, inputs are refused, failures leave nothing.
#include "fiforeader.h"
#include "support/output.h"

#include <QTemporaryDir>
#include <QTest>

#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

using namespace slimscope::core;
using slimscope::fixtures::readFifoInBackground;
namespace fs = std::filesystem;

namespace {

std::string readAll(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

void writeText(const fs::path& path, const std::string& text)
{
    std::ofstream(path, std::ios::binary) << text;
}

std::vector<std::string> listing(const fs::path& folder)
{
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(folder))
        names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

struct stat statOf(const fs::path& path)
{
    struct stat info { };
    ::stat(path.c_str(), &info);
    return info;
}

QString qs(const std::string& text)
{
    return QString::fromStdString(text);
}

template <class T> QString errorOf(const Result<T>& result)
{
    return result ? QString() : qs(result.error().message);
}

} // namespace

class TestOutput : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    int m_folders = 0;

    fs::path freshFolder()
    {
        const fs::path folder = fs::path(m_dir.path().toStdString()) / ("case" + std::to_string(++m_folders));
        fs::create_directories(folder);
        return folder;
    }

private slots:
    void classifies_data()
    {
        QTest::addColumn<QString>("what");
        QTest::addColumn<int>("kind");
        QTest::newRow("standard output") << QStringLiteral("-") << int(Output::Kind::StandardOutput);
        QTest::newRow("new file") << QStringLiteral("new") << int(Output::Kind::Replace);
        QTest::newRow("existing file") << QStringLiteral("existing") << int(Output::Kind::Replace);
        QTest::newRow("link to a file") << QStringLiteral("link") << int(Output::Kind::Replace);
        QTest::newRow("dangling link") << QStringLiteral("dangling") << int(Output::Kind::Replace);
        QTest::newRow("character device") << QStringLiteral("/dev/null") << int(Output::Kind::WriteThrough);
        QTest::newRow("fifo") << QStringLiteral("fifo") << int(Output::Kind::WriteThrough);
    }

    void classifies()
    {
        QFETCH(QString, what);
        QFETCH(int, kind);
        const fs::path folder = freshFolder();
        fs::path path = what.toStdString();
        fs::path expectedDestination = path;
        if (what == u"new") {
            path = expectedDestination = folder / "new.json";
        } else if (what == u"existing") {
            path = expectedDestination = folder / "old.json";
            writeText(path, "old");
        } else if (what == u"link" || what == u"dangling") {
            expectedDestination = folder / "real.json";
            if (what == u"link")
                writeText(expectedDestination, "old");
            fs::create_symlink("real.json", path = folder / "link.json"); // relative, as users make them
        } else if (what == u"fifo") {
            path = expectedDestination = folder / "pipe";
            QCOMPARE(::mkfifo(path.c_str(), 0600), 0);
        }
        const auto output = Output::open(path);
        QVERIFY2(output.has_value(), qPrintable(errorOf(output)));
        QCOMPARE(int(output->kind()), kind);
        QCOMPARE(output->path(), path);
        if (kind == int(Output::Kind::Replace))
            QCOMPARE(output->destination().lexically_normal(), expectedDestination.lexically_normal());
        QCOMPARE(output->name(), what == u"-" ? std::string("standard output") : path.string());
    }

    // The bug this module exists for: as root, an atomic rename over /dev/null replaced the device with a file.
    void deviceStaysADevice()
    {
        const struct stat before = statOf("/dev/null");
        QVERIFY(S_ISCHR(before.st_mode));
        const auto written = writeOutput("/dev/null", std::string(100000, 'x'));
        QVERIFY2(written.has_value(), qPrintable(errorOf(written)));
        QCOMPARE(*written, std::uint64_t(100000));
        const struct stat after = statOf("/dev/null");
        QVERIFY(S_ISCHR(after.st_mode));
        QCOMPARE(after.st_rdev, before.st_rdev);
        QCOMPARE(after.st_ino, before.st_ino);
    }

    void fifoReachesItsReader()
    {
        const fs::path fifo = freshFolder() / "pipe";
        QCOMPARE(::mkfifo(fifo.c_str(), 0600), 0);
        std::string payload;
        for (int i = 0; i < 50000; ++i)
            payload += std::to_string(i) + ","; // larger than a pipe's buffer: the writer must wait for the reader
        auto reader = readFifoInBackground(fifo);
        const auto written = writeOutput(fifo, payload);
        QVERIFY2(written.has_value(), qPrintable(errorOf(written)));
        QVERIFY2(
            reader.wait_for(std::chrono::seconds(20)) == std::future_status::ready, "the FIFO's reader got no end");
        const std::string received = reader.get();
        QCOMPARE(received.size(), payload.size());
        QVERIFY(received == payload);
        QVERIFY(S_ISFIFO(statOf(fifo).st_mode));
    }

    void linkIsKeptAndItsTargetReplaced()
    {
        const fs::path folder = freshFolder();
        fs::create_directories(folder / "elsewhere");
        const fs::path target = folder / "elsewhere" / "report.json";
        writeText(target, "old contents");
        QCOMPARE(::chmod(target.c_str(), 0640), 0);
        const fs::path link = folder / "report.json";
        fs::create_symlink(target, link);
        const auto written = writeOutput(link, "new contents");
        QVERIFY2(written.has_value(), qPrintable(errorOf(written)));
        QVERIFY(fs::is_symlink(link));
        QCOMPARE(fs::read_symlink(link), target);
        QCOMPARE(readAll(target), std::string("new contents"));
        QCOMPARE(statOf(target).st_mode & 07777, mode_t(0640)); // a replaced file keeps its mode
        QCOMPARE(listing(folder / "elsewhere"), std::vector<std::string> { "report.json" });
    }

    void newFileGetsTheUsualMode()
    {
        const fs::path path = freshFolder() / "new.json";
        QVERIFY(writeOutput(path, "{}").has_value());
        const mode_t mask = ::umask(022);
        ::umask(mask);
        QCOMPARE(statOf(path).st_mode & 07777, mode_t(0666 & ~mask));
    }

    void refusesInputs_data()
    {
        QTest::addColumn<QString>("how");
        QTest::newRow("same path") << QStringLiteral("same");
        QTest::newRow("dot segments") << QStringLiteral("dots");
        QTest::newRow("symbolic link") << QStringLiteral("symlink");
        QTest::newRow("hard link") << QStringLiteral("hardlink");
    }

    void refusesInputs()
    {
        QFETCH(QString, how);
        const fs::path folder = freshFolder();
        const fs::path input = folder / "model.onnx";
        writeText(input, "weights that must survive");
        fs::path target = input;
        if (how == u"dots")
            target = folder / "." / ".." / folder.filename() / "model.onnx";
        else if (how == u"symlink")
            fs::create_symlink(input, target = folder / "link.onnx");
        else if (how == u"hardlink")
            fs::create_hard_link(input, target = folder / "hard.onnx");
        const auto listingBefore = listing(folder);
        const auto output
            = Output::open(target, { { folder / "other.onnx", "another input" }, { input, "the input model" } });
        QVERIFY(!output.has_value());
        QCOMPARE(output.error().code, ErrorCode::Refused);
        const QString message = errorOf(output);
        QVERIFY2(message.contains(qs(target.string())) && message.contains(QStringLiteral("is the input model"))
                && message.contains(QStringLiteral("refusing to overwrite")),
            qPrintable(message));
        QCOMPARE(readAll(input), std::string("weights that must survive"));
        QCOMPARE(listing(folder), listingBefore);
    }

    void badFolders_data()
    {
        QTest::addColumn<QString>("relative");
        QTest::addColumn<QString>("needle");
        QTest::addColumn<int>("code");
        QTest::newRow("missing folder") << QStringLiteral("missing/out.json") << QStringLiteral("the folder '")
                                        << int(ErrorCode::NotFound);
        QTest::newRow("folder is a file")
            << QStringLiteral("file.txt/out.json") << QStringLiteral("a part of the path is not a folder")
            << int(ErrorCode::IoError);
        QTest::newRow("output is a folder")
            << QStringLiteral("sub") << QStringLiteral("is a folder") << int(ErrorCode::IoError);
        QTest::newRow("link into a missing folder")
            << QStringLiteral("dangling.json") << QStringLiteral("nowhere' does not exist") << int(ErrorCode::NotFound);
    }

    void badFolders()
    {
        QFETCH(QString, relative);
        QFETCH(QString, needle);
        QFETCH(int, code);
        const fs::path folder = freshFolder();
        writeText(folder / "file.txt", "x");
        fs::create_directories(folder / "sub");
        fs::create_symlink("nowhere/real.json", folder / "dangling.json");
        const auto listingBefore = listing(folder);
        const fs::path path = folder / relative.toStdString();
        const auto output = Output::open(path);
        QVERIFY(!output.has_value());
        QCOMPARE(int(output.error().code), code);
        const QString message = errorOf(output);
        QVERIFY2(message.startsWith(qs(path.string())) && message.contains(needle), qPrintable(message));
        QCOMPARE(listing(folder), listingBefore);
    }

    // A writer that fails half way (as a full disk does) leaves the old file as it was and no temporary file.
    void failedWriteLeavesNothing_data()
    {
        QTest::addColumn<bool>("existing");
        QTest::addColumn<bool>("vetoed");
        QTest::newRow("new file, write fails") << false << false;
        QTest::newRow("existing file, write fails") << true << false;
        QTest::newRow("existing file, check vetoes") << true << true;
    }

    void failedWriteLeavesNothing()
    {
        QFETCH(bool, existing);
        QFETCH(bool, vetoed);
        const fs::path folder = freshFolder();
        const fs::path path = folder / "out.onnx";
        if (existing)
            writeText(path, "previous export");
        const auto listingBefore = listing(folder);
        auto output = Output::open(path);
        QVERIFY(output.has_value());
        fs::path seenTemporary;
        std::uintmax_t temporarySize = 0;
        const auto written = output->write(
            [&](OutputSink& sink) -> Result<void> {
                if (auto first = sink.write(std::string(5000, 'a')); !first)
                    return first;
                if (vetoed)
                    return {};
                return fail(ErrorCode::IoError, sink.name() + ": cannot write: No space left on device");
            },
            [&](const fs::path& temporary) -> Result<void> {
                seenTemporary = temporary;
                temporarySize = fs::file_size(temporary);
                return fail(ErrorCode::InvalidModel, "the written model fails the checker");
            });
        QVERIFY(!written.has_value());
        QVERIFY2(errorOf(written).contains(QStringLiteral("nothing was written to ")), qPrintable(errorOf(written)));
        QCOMPARE(seenTemporary.empty(), !vetoed);
        if (vetoed)
            QCOMPARE(temporarySize, std::uintmax_t(5000)); // the check saw the finished file, before the rename
        QCOMPARE(listing(folder), listingBefore);
        if (existing)
            QCOMPARE(readAll(path), std::string("previous export"));
    }

    void fullDeviceIsAnError()
    {
        const auto written = writeOutput("/dev/full", "x");
        QVERIFY(!written.has_value());
        QCOMPARE(written.error().code, ErrorCode::IoError);
        QVERIFY2(errorOf(written).startsWith(QStringLiteral("/dev/full: cannot write: No space left on device")),
            qPrintable(errorOf(written)));
        QVERIFY(S_ISCHR(statOf("/dev/full").st_mode));
    }

    void countsBytesAndReplaces()
    {
        const fs::path path = freshFolder() / "out.bin";
        writeText(path, std::string(100, 'o'));
        auto output = Output::open(path);
        QVERIFY(output.has_value());
        const auto written = output->write([](OutputSink& sink) -> Result<void> {
            for (int i = 0; i < 10; ++i)
                if (auto part = sink.write(std::string(1000, char('0' + i))); !part)
                    return part;
            return {};
        });
        QVERIFY2(written.has_value(), qPrintable(errorOf(written)));
        QCOMPARE(*written, std::uint64_t(10000));
        const std::string contents = readAll(path);
        QCOMPARE(contents.size(), std::size_t(10000));
        QCOMPARE(contents.substr(9000, 3), std::string("999"));
        QCOMPARE(listing(path.parent_path()), std::vector<std::string> { "out.bin" });
    }
};

QTEST_GUILESS_MAIN(TestOutput)
#include "tst_output.moc"
