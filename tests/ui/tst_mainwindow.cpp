// Drives the real MainWindow offscreen: open, drop, bad file, screenshot mode.
#include "fixtures.h"
#include "jobs/analysisjob.h"
#include "mainwindow.h"
#include "model/modelfile.h"
#include "modelbuilder.h"
#include "session/session.h"
#include "slim/stepregistry.h"
#include "slim/steps/prune.h"
#include "slim/steps/quantize.h"
#include "slim/steps/sparsestorage.h"
#include "slimming/slimpanel.h"
#include "slimming/stepeditors/stepeditor.h"
#include "testenv.h"
#include "views/detailsview.h"
#include "views/layercolumns.h"
#include "views/layersmodel.h"
#include "views/layersview.h"
#include "views/viewregistry.h"

#include <QAbstractItemModelTester>
#include <QSet>
#include <QSlider>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QUndoStack>

#include <QComboBox>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QMimeData>
#include <QProcess>
#include <QPushButton>
#include <QSignalSpy>
#include <QStackedWidget>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QtTest>

using namespace slimscope;

class TestMainWindow : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QCoreApplication::setOrganizationName(QStringLiteral("SlimscopeTests"));
        QVERIFY(m_dir.isValid());
        auto fixture = fixtures::convNet();
        m_convNet = m_dir.filePath(QStringLiteral("convnet.onnx"));
        QVERIFY(fixture.builder.save(m_convNet.toStdString()).has_value());
        m_convNetParams = fixture.truth.totalParams;
        m_garbage = m_dir.filePath(QStringLiteral("garbage.onnx"));
        QFile garbage(m_garbage);
        QVERIFY(garbage.open(QIODevice::WriteOnly));
        garbage.write(QByteArray(1000, '\xff'));
    }

    void opensModelAndKeepsItWhenTheNextFails()
    {
        ui::MainWindow window;
        window.show();
        QSignalSpy ready(&window, &ui::MainWindow::analysisReady);
        QSignalSpy failed(&window, &ui::MainWindow::loadFailed);
        window.openModel(m_convNet);
        QVERIFY(ready.wait(10000));
        QVERIFY(window.analysis());
        QCOMPARE(static_cast<qint64>(window.analysis()->model.params), m_convNetParams);
        QVERIFY(window.bannerText().isEmpty());

        window.openModel(m_garbage);
        QVERIFY(failed.wait(10000));
        QVERIFY2(window.bannerText().contains(QStringLiteral("garbage.onnx")), qPrintable(window.bannerText()));
        QVERIFY(window.bannerText().contains(QStringLiteral("not a valid ONNX model")));
        // The previous model stays open.
        QVERIFY(window.analysis());
        QCOMPARE(static_cast<qint64>(window.analysis()->model.params), m_convNetParams);
    }

    void summaryComesFirst()
    {
        ui::MainWindow window;
        auto* job = window.findChild<ui::AnalysisJob*>();
        QVERIFY(job);
        QSignalSpy loaded(job, &ui::AnalysisJob::modelLoaded);
        QSignalSpy ready(&window, &ui::MainWindow::analysisReady);
        QList<int> order; // 1: model loaded, 2: analysis ready
        connect(job, &ui::AnalysisJob::modelLoaded, this, [&order] { order << 1; });
        connect(&window, &ui::MainWindow::analysisReady, this, [&order] { order << 2; });
        window.openModel(m_convNet);
        QVERIFY(ready.wait(10000));
        QCOMPARE(order, (QList<int> { 1, 2 }));
        QCOMPARE(loaded.size(), 1);
        const auto file = loaded.first().first().value<std::shared_ptr<const core::model::ModelFile>>();
        QVERIFY(file);
        QCOMPARE(static_cast<qint64>(file->fileSize()), QFileInfo(m_convNet).size());
    }

    void dropLoadsTheFile()
    {
        ui::MainWindow window;
        window.show();
        QSignalSpy ready(&window, &ui::MainWindow::analysisReady);
        QMimeData data;
        data.setUrls({ QUrl::fromLocalFile(m_convNet) });
        QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &data, Qt::LeftButton, Qt::NoModifier);
        QCoreApplication::sendEvent(&window, &enter);
        QVERIFY(enter.isAccepted());
        QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &data, Qt::LeftButton, Qt::NoModifier);
        QCoreApplication::sendEvent(&window, &drop);
        QVERIFY(ready.wait(10000));
        QCOMPARE(static_cast<qint64>(window.analysis()->model.params), m_convNetParams);
    }

    void screenshotModeWritesAPicture()
    {
        const QString out = m_dir.filePath(QStringLiteral("summary.png"));
        QProcess process;
        process.start(QStringLiteral(SLIMSCOPE_GUI), { QStringLiteral("--screenshot"), out, m_convNet });
        QVERIFY(process.waitForFinished(30000));
        QCOMPARE(process.exitStatus(), QProcess::NormalExit);
        QCOMPARE(process.exitCode(), 0);
        QImage image(out);
        QVERIFY(!image.isNull());
        QVERIFY(image.width() >= 800 && image.height() >= 600);
        // Not blank: the summary draws text and bars in more than one colour.
        QSet<QRgb> colours;
        for (int y = 0; y < image.height(); y += 7)
            for (int x = 0; x < image.width(); x += 7)
                colours.insert(image.pixel(x, y));
        QVERIFY(colours.size() > 10);
    }

    // Screenshot mode says when it could not do what was asked: an unknown view is a usage error (2) and writes
    // nothing; a model that fails to load is pictured (the window shows why) but exits 1; /dev/null stays a device.
    void screenshotExitStatus_data()
    {
        QTest::addColumn<QString>("view");
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("out");
        QTest::addColumn<int>("code");
        QTest::addColumn<bool>("written");
        QTest::newRow("unknown view") << QStringLiteral("nosuch") << QString() << QStringLiteral("a.png") << 2 << false;
        QTest::newRow("model fails to load")
            << QStringLiteral("summary") << QStringLiteral("bad.onnx") << QStringLiteral("b.png") << 1 << true;
        for (const ui::ViewEntry& entry : ui::viewEntries())
            QTest::addRow("view %s", entry.name)
                << QString::fromLatin1(entry.name) << QString()
                << QStringLiteral("%1.png").arg(QLatin1String(entry.name)) << 0 << true;
        QTest::newRow("onto /dev/null") << QStringLiteral("layers") << QString() << QStringLiteral("/dev/null") << 0
                                        << false;
    }

    void screenshotExitStatus()
    {
        QFETCH(QString, view);
        QFETCH(QString, model);
        QFETCH(QString, out);
        QFETCH(int, code);
        QFETCH(bool, written);
        if (model.isEmpty()) {
            model = m_convNet;
        } else {
            model = m_dir.filePath(model);
            QFile bad(model);
            QVERIFY(bad.open(QIODevice::WriteOnly) && bad.write("not a model") > 0);
        }
        if (!out.startsWith(QLatin1Char('/')))
            out = m_dir.filePath(out);
        QProcess process;
        process.start(QStringLiteral(SLIMSCOPE_GUI),
            { QStringLiteral("--screenshot"), out, QStringLiteral("--view"), view, model });
        QVERIFY(process.waitForFinished(30000));
        QCOMPARE(process.exitStatus(), QProcess::NormalExit);
        QCOMPARE(process.exitCode(), code);
        if (out == u"/dev/null") {
            QVERIFY(QFileInfo(out).exists() && !QFileInfo(out).isFile());
            return;
        }
        QCOMPARE(QFileInfo::exists(out), written);
        if (written)
            QVERIFY(!QImage(out).isNull());
        if (code == 2)
            QVERIFY(process.readAllStandardError().contains("unknown view 'nosuch'"));
    }

    void layersTableSortsAndFilters()
    {
        ui::MainWindow window;
        QSignalSpy ready(&window, &ui::MainWindow::analysisReady);
        window.openModel(m_convNet);
        QVERIFY(ready.wait(10000));
        auto* view = window.layersView();
        QAbstractItemModelTester tester(view->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(view->model()->rowCount(), static_cast<int>(window.analysis()->layers.size()));
        // Sorted by bytes, largest first, by default: compare with the layers sorted here.
        std::vector<std::uint64_t> bytes;
        for (const auto& layer : window.analysis()->layers)
            bytes.push_back(layer.bytes);
        std::ranges::sort(bytes, std::greater {});
        const auto* proxy = view->proxy();
        for (int row = 0; row < proxy->rowCount(); ++row)
            QCOMPARE(proxy->index(row, ui::LayersModel::Bytes).data(ui::LayersModel::SortRole).toULongLong(),
                static_cast<qulonglong>(bytes[static_cast<std::size_t>(row)]));
        view->table()->sortByColumn(ui::LayersModel::Name, Qt::AscendingOrder);
        QStringList names;
        for (int row = 0; row < proxy->rowCount(); ++row)
            names << proxy->index(row, ui::LayersModel::Name).data().toString();
        QStringList sorted = names;
        sorted.sort();
        QCOMPARE(names, sorted);
        view->searchBox()->setText(QStringLiteral("conv2"));
        view->flushSearch();
        QVERIFY(proxy->rowCount() >= 1);
        for (int row = 0; row < proxy->rowCount(); ++row) {
            bool matched = false;
            for (int column = 0; column < ui::LayersModel::ColumnCount; ++column)
                matched = matched
                    || proxy->index(row, column)
                           .data()
                           .toString()
                           .contains(QStringLiteral("conv2"), Qt::CaseInsensitive);
            QVERIFY(matched);
        }
    }

    void pruneSliderUpdatesPreviewAndExportLoads()
    {
        ui::MainWindow window;
        QSignalSpy ready(&window, &ui::MainWindow::analysisReady);
        window.openModel(QStringLiteral(SLIMSCOPE_SAMPLE_MODEL));
        QVERIFY(ready.wait(20000));
        ui::SlimPanel* panel = window.slimPanel();
        QSignalSpy previews(panel, &ui::SlimPanel::previewChanged);
        panel->addStep(core::slim::PruneStep {});
        panel->addStep(core::slim::SparseStorageStep {});
        QTRY_VERIFY_WITH_TIMEOUT(panel->preview() != nullptr, 20000);
        // Select the prune step and move its slider: the predicted size must follow.
        auto* steps = panel->findChild<QListWidget*>();
        QVERIFY(steps);
        steps->setCurrentRow(0);
        panel->pruneSlider()->setValue(20);
        QVERIFY(panel->recipe().steps[0].enabled && panel->recipe().steps[1].enabled);
        QTRY_VERIFY_WITH_TIMEOUT(panel->preview()
                && panel->recipe().steps[0].params.as<core::slim::PruneStep>()->sparsity == 0.2
                && panel->summaryText().contains(QStringLiteral("→"))
                && !panel->summaryText().contains(QStringLiteral("updating")),
            20000);
        const auto small = panel->preview()->preview.predictedFileBytes;
        panel->pruneSlider()->setValue(95);
        QTRY_VERIFY_WITH_TIMEOUT(panel->preview()->preview.predictedFileBytes != small
                && !panel->summaryText().contains(QStringLiteral("updating")),
            20000);
        const auto large = panel->preview()->preview.predictedFileBytes;
        QVERIFY2(large < small, "95 % zeros stored sparse must predict a smaller file than 20 %");
        // Undo returns to 20 %.
        panel->undoStack()->undo();
        QCOMPARE(panel->recipe().steps[0].params.as<core::slim::PruneStep>()->sparsity, 0.2);
        panel->undoStack()->redo();

        const QString out = m_dir.filePath(QStringLiteral("exported.onnx"));
        QSignalSpy exported(panel, &ui::SlimPanel::exported);
        panel->exportTo(out);
        QVERIFY(exported.wait(20000));
        auto loaded = core::model::ModelFile::load(out.toStdString());
        QVERIFY2(loaded.has_value(), loaded ? "" : loaded.error().message.c_str());
        QCOMPARE(static_cast<quint64>(QFileInfo(out).size()),
            static_cast<quint64>(panel->preview()->preview.predictedFileBytes));

        // Export over the open model (here through a symbolic link) is refused and the model keeps its bytes.
        const QString link = m_dir.filePath(QStringLiteral("link-to-open-model.onnx"));
        QVERIFY(QFile::link(QStringLiteral(SLIMSCOPE_SAMPLE_MODEL), link));
        QFile original(QStringLiteral(SLIMSCOPE_SAMPLE_MODEL));
        QVERIFY(original.open(QIODevice::ReadOnly));
        const QByteArray bytes = original.readAll();
        original.close();
        QSignalSpy failed(panel, &ui::SlimPanel::exportFailed);
        panel->exportTo(link);
        QVERIFY(failed.wait(20000));
        const QString message = failed.first().first().toString();
        QVERIFY2(message.contains(QStringLiteral("refusing to overwrite")), qPrintable(message));
        QVERIFY(original.open(QIODevice::ReadOnly));
        QCOMPARE(original.readAll(), bytes);
    }

    // While the slider is held, later steps measure their errors on a sample and the panel says so; letting
    // go brings exact numbers.
    void draggedSliderSamplesThenReleaseIsExact()
    {
        ui::MainWindow window;
        QSignalSpy ready(&window, &ui::MainWindow::analysisReady);
        window.openModel(QStringLiteral(SLIMSCOPE_SAMPLE_MODEL));
        QVERIFY(ready.wait(20000));
        ui::SlimPanel* panel = window.slimPanel();
        panel->addStep(core::slim::PruneStep {});
        panel->addStep(core::slim::QuantizeInt8Step {});
        QTRY_VERIFY_WITH_TIMEOUT(panel->preview() != nullptr && panel->recipe().steps.size() == 2
                && !panel->summaryText().contains(QStringLiteral("updating")),
            20000);
        const auto sampledRows = [panel] {
            return std::ranges::count_if(
                panel->preview()->preview.tensors, [](const core::slim::TensorChange& t) { return t.errorSampled; });
        };
        QCOMPARE(sampledRows(), 0);
        auto* steps = panel->findChild<QListWidget*>();
        QVERIFY(steps);
        steps->setCurrentRow(0);
        panel->pruneSlider()->setSliderDown(true);
        panel->pruneSlider()->setValue(35);
        QTRY_VERIFY_WITH_TIMEOUT(panel->preview()->preview.steps.front().description.find("35.0") != std::string::npos
                && !panel->summaryText().contains(QStringLiteral("updating")),
            20000);
        QVERIFY(sampledRows() > 0);
        QVERIFY2(panel->summaryText().contains(QStringLiteral("from a sample")), qPrintable(panel->summaryText()));
        const auto sampledBytes = panel->preview()->preview.predictedFileBytes;
        panel->pruneSlider()->setSliderDown(false); // released: the same recipe, measured exactly
        QTRY_VERIFY_WITH_TIMEOUT(
            sampledRows() == 0 && !panel->summaryText().contains(QStringLiteral("updating")), 20000);
        QVERIFY(!panel->summaryText().contains(QStringLiteral("from a sample")));
        QCOMPARE(panel->preview()->preview.predictedFileBytes, sampledBytes);
        QCOMPARE(panel->undoStack()->count(), 3); // two steps added, one drag
    }

    void tickedLayersScopeAStep()
    {
        ui::MainWindow window;
        QSignalSpy ready(&window, &ui::MainWindow::analysisReady);
        window.openModel(QStringLiteral(SLIMSCOPE_SAMPLE_MODEL));
        QVERIFY(ready.wait(20000));
        // Tick the layer "classifier/fc2" in the Layers table.
        auto* model = window.layersView()->model();
        int fc2Row = -1;
        for (int row = 0; row < model->rowCount(); ++row)
            if (model->index(row, ui::LayersModel::Name).data().toString() == QStringLiteral("classifier/fc2"))
                fc2Row = row;
        QVERIFY(fc2Row >= 0);
        QVERIFY(model->setData(model->index(fc2Row, ui::LayersModel::Name), Qt::Checked, Qt::CheckStateRole));
        ui::SlimPanel* panel = window.slimPanel();
        panel->addStep(core::slim::QuantizeInt8Step {});
        panel->limitCurrentStepToTicked();
        QTRY_VERIFY_WITH_TIMEOUT(panel->preview() && panel->recipe().steps[0].scope.tensors.size() == 1
                && !panel->summaryText().contains(QStringLiteral("updating")),
            20000);
        QCOMPARE(panel->recipe().steps[0].scope.tensors.front(), std::string("classifier.fc2.weight"));
        for (const auto& change : panel->preview()->preview.tensors)
            QCOMPARE(change.changed, change.name == "classifier.fc2.weight");
    }

    // The Layers table's columns come from their registry; the named indices still point at their columns.
    void layerColumnsComeFromTheRegistry()
    {
        const auto& columns = ui::layerColumns();
        ui::LayersModel model;
        QCOMPARE(model.columnCount(), static_cast<int>(columns.size()));
        const std::pair<int, const char*> named[] = { { ui::LayersModel::Name, "name" }, { ui::LayersModel::Op, "op" },
            { ui::LayersModel::Params, "params" }, { ui::LayersModel::Bytes, "bytes" },
            { ui::LayersModel::Share, "share" }, { ui::LayersModel::Sparsity, "sparsity" },
            { ui::LayersModel::Dtype, "dtype" }, { ui::LayersModel::Shape, "weight_shape" },
            { ui::LayersModel::Macs, "macs" }, { ui::LayersModel::OutputShape, "output_shape" } };
        for (const auto& [index, id] : named)
            QCOMPARE(QLatin1String(columns.at(static_cast<std::size_t>(index)).id), QLatin1String(id));
        QSet<QString> ids;
        for (std::size_t c = 0; c < columns.size(); ++c) {
            ids.insert(QLatin1String(columns[c].id));
            QVERIFY2(columns[c].display, columns[c].id);
            QCOMPARE(model.headerData(static_cast<int>(c), Qt::Horizontal).toString(),
                QCoreApplication::translate("LayersModel", columns[c].header));
        }
        QCOMPARE(ids.size(), static_cast<qsizetype>(columns.size()));
    }

    // The view registry is the window's tabs, and every view follows the one session: a layer picked in one view
    // is the layer every other view shows.
    void viewsComeFromTheRegistryAndFollowTheSession()
    {
        ui::MainWindow window;
        QSignalSpy ready(&window, &ui::MainWindow::analysisReady);
        window.openModel(m_convNet);
        QVERIFY(ready.wait(20000));
        auto* tabs = window.findChild<QTabWidget*>(QStringLiteral("views"));
        QVERIFY(tabs);
        const auto& entries = ui::viewEntries();
        QCOMPARE(tabs->count(), static_cast<int>(entries.size()));
        for (std::size_t i = 0; i < entries.size(); ++i) {
            QVERIFY2(window.showView(QString::fromLatin1(entries[i].name)), entries[i].name);
            QCOMPARE(tabs->currentIndex(), static_cast<int>(i));
        }
        QVERIFY(!window.showView(QStringLiteral("nosuch")));
        ui::Session* session = window.session();
        QCOMPARE(session->analysis(), window.analysis());

        // Picked in the Layers table: the session, the Details dock and the Layers table agree.
        const int layer = static_cast<int>(window.analysis()->layers.size()) - 1;
        emit window.layersView()->layerSelected(layer);
        QCOMPARE(session->selectedLayer(), layer);
        auto* details = window.findChild<ui::DetailsView*>();
        QVERIFY(details);
        QCOMPARE(details->currentLayer(), layer);
        // Picked elsewhere (the session): the Layers table selects its row.
        session->selectLayer(0);
        QCOMPARE(details->currentLayer(), 0);
        const QModelIndex current = window.layersView()->table()->currentIndex();
        QVERIFY(current.isValid());
        QCOMPARE(current.data(ui::LayersModel::LayerIndexRole).toInt(), 0);

        // A recipe edited in the Slim panel is the session's, and so is its preview.
        window.slimPanel()->addStep("quantize:int8");
        QCOMPARE(session->recipe(), window.slimPanel()->recipe());
        QTRY_VERIFY_WITH_TIMEOUT(session->preview() != nullptr, 20000);
        QCOMPARE(session->preview(), window.slimPanel()->preview());
    }

    // The Verify button runs both models in ONNX Runtime in the background: PASS for a lossless recipe, FAIL (in the
    // error colour, with the output named) when a recipe breaks the outputs.
    void verifyButtonGivesPassAndWarn()
    {
        ui::MainWindow window;
        QSignalSpy ready(&window, &ui::MainWindow::analysisReady);
        window.openModel(m_convNet);
        QVERIFY(ready.wait(20000));
        ui::SlimPanel* panel = window.slimPanel();
        QPushButton* verifyButton = nullptr;
        for (auto* button : panel->findChildren<QPushButton*>())
            if (button->text() == QStringLiteral("Verify"))
                verifyButton = button;
        QVERIFY(verifyButton);
        QSignalSpy verified(panel, &ui::SlimPanel::verified);
        panel->addStep("cleanup");
        verifyButton->click();
        QVERIFY(panel->verifyJob()->isRunning() || !verified.isEmpty());
        QVERIFY(verified.wait(60000));
        if (verified.first().at(0).toString().contains(QStringLiteral("built without ONNX Runtime")))
            SLIMSCOPE_SKIP("built without ONNX Runtime");
        QVERIFY2(verified.first().at(1).toBool(), qPrintable(verified.first().at(0).toString()));
        QVERIFY(verified.first().at(0).toString().contains(QStringLiteral("PASS")));

        core::slim::Recipe broken;
        core::slim::Scope everything;
        everything.minElements = 1;
        broken.steps.push_back(
            { core::slim::PruneStep { 0.95, core::slim::PruneStep::Mode::Global }, everything, true });
        panel->setRecipe(broken);
        verified.clear();
        verifyButton->click();
        QVERIFY(verified.wait(60000));
        QVERIFY2(!verified.first().at(1).toBool(), qPrintable(verified.first().at(0).toString()));
        QVERIFY(verified.first().at(0).toString().contains(QStringLiteral("FAIL")));
        QVERIFY(verified.first().at(0).toString().contains(QStringLiteral("#c33"))); // the error colour
    }

    // An export that upgraded the model's opset (int8 on an opset 9 model) is compared with the original in ONNX
    // Runtime without a click on Verify, and the verdict says why it ran.
    void exportOfAnUpgradedModelIsVerified()
    {
        fixtures::ModelBuilder b = fixtures::opset9MatMul();
        const QString model = m_dir.filePath(QStringLiteral("opset9.onnx"));
        QVERIFY(b.save(model.toStdString()).has_value());
        ui::MainWindow window;
        QSignalSpy ready(&window, &ui::MainWindow::analysisReady);
        window.openModel(model);
        QVERIFY(ready.wait(20000));
        ui::SlimPanel* panel = window.slimPanel();
        QSignalSpy verified(panel, &ui::SlimPanel::verified);
        QSignalSpy exported(panel, &ui::SlimPanel::exported);
        panel->addStep("quantize:int8");
        QTRY_VERIFY_WITH_TIMEOUT(panel->preview() != nullptr, 20000);
        QVERIFY2(panel->summaryText().contains(QStringLiteral("from opset 9 to 13")), qPrintable(panel->summaryText()));
        panel->exportTo(m_dir.filePath(QStringLiteral("opset9-int8.onnx")));
        QVERIFY(exported.wait(20000));
        QVERIFY(verified.wait(60000));
        const QString verdict = verified.first().at(0).toString();
        QVERIFY2(verdict.contains(QStringLiteral("upgraded the model's opset")), qPrintable(verdict));
        QVERIFY2(verified.first().at(1).toBool() && verdict.contains(QStringLiteral("PASS")), qPrintable(verdict));
    }

    // Channel pruning in the Slim panel shows in the Layers table: conv2's 16 channels lose 30 % (floor: 4; its
    // two all-zero channels among them), and the tooltip names the group.
    void layersTableShowsChannelsAfterPruning()
    {
        ui::MainWindow window;
        QSignalSpy ready(&window, &ui::MainWindow::analysisReady);
        window.openModel(m_convNet);
        QVERIFY(ready.wait(20000));
        ui::SlimPanel* panel = window.slimPanel();
        panel->addStep("prune_channels");
        QTRY_VERIFY_WITH_TIMEOUT(
            panel->preview() != nullptr && !panel->summaryText().contains(QStringLiteral("updating")), 20000);
        const auto& columns = ui::layerColumns();
        const auto channels = std::ranges::find_if(
            columns, [](const ui::LayerColumn& c) { return QLatin1String(c.id) == QLatin1String("channels"); });
        QVERIFY(channels != columns.end());
        const int column = static_cast<int>(channels - columns.begin());
        ui::LayersModel* model = window.layersView()->model();
        int conv2 = -1;
        for (int row = 0; row < model->rowCount(); ++row)
            if (model->index(row, ui::LayersModel::Name).data().toString() == QStringLiteral("conv2"))
                conv2 = row;
        QVERIFY(conv2 >= 0);
        QTRY_COMPARE_WITH_TIMEOUT(model->index(conv2, column).data().toString(), QStringLiteral("16 → 12"), 5000);
        QVERIFY(model->index(conv2, column).data(Qt::ToolTipRole).toString().contains(QStringLiteral("conv2")));
    }

    // The step registry reaches the GUI: every registered step has an editor of its own and a Slim menu entry
    // that adds it; a kind with several types offers the switch between them.
    void everyRegisteredStepHasAnEditorAndAMenuEntry()
    {
        ui::MainWindow window;
        ui::SlimPanel* panel = window.slimPanel();
        auto* editors = panel->findChild<QStackedWidget*>(QStringLiteral("stepEditors"));
        QVERIFY(editors);
        const QList<QAction*> actions = window.findChildren<QAction*>();
        for (const core::slim::StepType* type : core::slim::stepTypes()) {
            const ui::StepEditorEntry* entry = ui::findStepEditor(type->name());
            QVERIFY2(entry, type->name().data());
            const QString text = QCoreApplication::translate("SlimMenu", entry->menuText);
            const auto action = std::ranges::find_if(actions, [&](const QAction* a) { return a->text() == text; });
            QVERIFY2(action != actions.end(), qPrintable(text));
            (*action)->trigger();
            QCOMPARE(panel->recipe().steps.back().params.name(), type->name());
            QVERIFY(editors->currentWidget() != nullptr);
            QVERIFY2(
                editors->currentWidget()->objectName() != QStringLiteral("missingStepEditor"), type->name().data());
            QVERIFY(editors->currentIndex() > 0); // not the "add a step" page
        }
        // The quantize step switches format through the combo above its editor.
        panel->addStep("quantize:int8");
        auto* format = panel->findChild<QComboBox*>(QStringLiteral("stepFormat"));
        QVERIFY(format);
        QVERIFY(format->isVisibleTo(panel));
        const int fp16 = format->findData(QStringLiteral("quantize:fp16"));
        QVERIFY(fp16 >= 0);
        format->setCurrentIndex(fp16);
        emit format->activated(fp16);
        QCOMPARE(panel->recipe().steps.back().params.name(), std::string_view("quantize:fp16"));
        panel->addStep("prune");
        QVERIFY(!format->isVisibleTo(panel));
    }

    // Help > About names the version, the licence and the libraries with the versions the program runs with.
    void aboutNamesTheLibraries()
    {
        ui::MainWindow window;
        window.show();
        QAction* about = nullptr;
        for (QAction* action : window.findChildren<QAction*>())
            if (action->text().remove(u'&') == QLatin1String("About Slimscope"))
                about = action;
        QVERIFY(about);
        QString shown;
        QTimer::singleShot(0, &window, [&shown] {
            for (QWidget* widget : QApplication::topLevelWidgets())
                if (auto* box = qobject_cast<QMessageBox*>(widget); box && box->isVisible()) {
                    shown = box->text();
                    if (const QByteArray shots = qgetenv("SLIMSCOPE_TEST_SHOTS"); !shots.isEmpty())
                        box->grab().save(QString::fromLocal8Bit(shots) + QStringLiteral("/about.png"));
                    box->accept();
                }
        });
        about->trigger();
        for (const QString& expected :
            { QStringLiteral(SLIMSCOPE_VERSION), QStringLiteral("GPL-3.0-or-later"), QStringLiteral("ONNX Runtime"),
                QStringLiteral("protobuf"), QStringLiteral("QCustomPlot"), QString::fromLatin1(qVersion()) })
            QVERIFY2(shown.contains(expected), qPrintable(expected + QStringLiteral(" in: ") + shown));
    }

private:
    QTemporaryDir m_dir;
    QString m_convNet;
    QString m_garbage;
    qint64 m_convNetParams = 0;
};

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
