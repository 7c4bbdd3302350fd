// slimscope: the desktop application.
#include "mainwindow.h"
#include "views/graphview.h"
#include "views/layersview.h"
#include "views/sensitivityview.h"
#include "views/viewregistry.h"

#include "aboutdialog.h"
#include "samplemodel.h"
#include "slimming/recipeguard.h"
#include "slimming/slimpanel.h"
#include <QTableView>

#include "support/output.h"

#include <QApplication>
#include <QBuffer>
#include <QCommandLineParser>
#include <QIcon>
#include <QTimer>

#include <cstdio>
#include <memory>

int main(int argc, char** argv)
{
    // A screenshot, --help and --version need no screen: render offscreen unless the caller chose a platform.
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg(argv[i]);
        if ((arg == "--screenshot" || arg == "--help" || arg == "-h" || arg == "--help-all" || arg == "--version"
                || arg == "-v")
            && qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
            qputenv("QT_QPA_PLATFORM", "offscreen");
    }

    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("Slimscope"));
    QApplication::setOrganizationName(QStringLiteral("Slimscope"));
    QApplication::setApplicationVersion(QStringLiteral(SLIMSCOPE_VERSION));
    // The installed theme's icon when there is one, else the built-in SVG; the desktop file name lets Wayland
    // compositors match the window to the menu entry.
    QApplication::setWindowIcon(
        QIcon::fromTheme(QStringLiteral(SLIMSCOPE_APP_ID), QIcon(QStringLiteral(":/icons/slimscope.svg"))));
    QGuiApplication::setDesktopFileName(QStringLiteral(SLIMSCOPE_APP_ID));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Find and cut bloat in ONNX models."));
    parser.addHelpOption();
    // Our own --version: the licence and the libraries' versions too, as slimscope-cli prints them.
    const QCommandLineOption version(
        { QStringLiteral("v"), QStringLiteral("version") }, QStringLiteral("Displays version information."));
    parser.addOption(version);
    parser.addPositionalArgument(QStringLiteral("model"), QStringLiteral("ONNX model to open"));
    const QCommandLineOption screenshot(QStringLiteral("screenshot"),
        QStringLiteral("Render the window to a PNG file and exit."), QStringLiteral("file"));
    const QCommandLineOption view(QStringLiteral("view"),
        QStringLiteral("View to show: %1.").arg(slimscope::ui::viewNames()), QStringLiteral("view"),
        QStringLiteral("summary"));
    const QCommandLineOption recipe(QStringLiteral("recipe"),
        QStringLiteral("Load a slimming recipe (JSON) into the Slim view."), QStringLiteral("file"));
    parser.addOption(screenshot);
    parser.addOption(view);
    parser.addOption(recipe);
    parser.process(app);
    if (parser.isSet(version)) {
        std::fputs(slimscope::core::versionText("slimscope", slimscope::ui::libraryVersions()).c_str(), stdout);
        return 0;
    }

    slimscope::ui::MainWindow window;
    const QStringList models = parser.positionalArguments();
    if (parser.isSet(screenshot)) {
        const QString out = parser.value(screenshot);
        const QString model = models.isEmpty() ? slimscope::ui::sampleModelPath() : models.first();
        const QString viewName = parser.value(view);
        // A model that fails to load is still pictured (the window shows why) but the run exits 1.
        auto loadFailed = std::make_shared<bool>(false);
        const auto grabNow = [&window, out, loadFailed] {
            QByteArray png;
            QBuffer buffer(&png);
            buffer.open(QIODevice::WriteOnly);
            window.grab().save(&buffer, "PNG");
            const auto saved = slimscope::core::writeOutput(
                out.toStdString(), std::string_view(png.constData(), static_cast<std::size_t>(png.size())));
            if (!saved)
                std::fprintf(stderr, "slimscope: %s\n", saved.error().message.c_str());
            QApplication::exit(saved && !*loadFailed ? 0 : 1);
        };
        // Charts replot on the next turn of the event loop: let them draw before the picture is taken.
        const bool withRecipe = parser.isSet(recipe);
        const auto save = [&window, viewName, grabNow, withRecipe] {
            window.show();
            if (!window.showView(viewName)) {
                std::fprintf(stderr, "slimscope: unknown view '%s' (%s)\n", qPrintable(viewName),
                    qPrintable(slimscope::ui::viewNames()));
                QApplication::exit(2);
                return;
            }
            if (window.analysis() && window.layersView())
                window.layersView()->table()->selectRow(0);
            // The Sensitivity view measures when it is shown: picture its result, not its progress.
            auto* sensitivity = window.findChild<slimscope::ui::SensitivityView*>();
            if (viewName == QLatin1String("sensitivity") && sensitivity && window.analysis()
                && !sensitivity->result()) {
                QObject::connect(sensitivity, &slimscope::ui::SensitivityView::finished, &window,
                    [&window, grabNow] { QTimer::singleShot(300, &window, grabNow); });
                return;
            }
            // The Graph view lays the model out in the background when it is shown: picture the layout.
            auto* graph = window.findChild<slimscope::ui::GraphView*>();
            if (graph && withRecipe && viewName == QLatin1String("graph"))
                graph->setAfterRecipe(true); // with a recipe, the model after it: sizes after, removed nodes
            if (viewName == QLatin1String("graph") && graph && window.analysis() && !graph->layout()) {
                QObject::connect(graph, &slimscope::ui::GraphView::finished, &window,
                    [&window, grabNow] { QTimer::singleShot(300, &window, grabNow); });
                return;
            }
            QTimer::singleShot(300, &window, grabNow);
        };
        if (parser.isSet(recipe)) {
            // Wait for the recipe's preview before taking the picture.
            QObject::connect(&window, &slimscope::ui::MainWindow::analysisReady, &app, [&window, &parser, &recipe] {
                QString error;
                if (!window.slimPanel()->loadRecipe(parser.value(recipe), &error)) {
                    std::fprintf(stderr, "slimscope: %s\n", qPrintable(error));
                    QApplication::exit(1);
                }
            });
            QObject::connect(window.slimPanel(), &slimscope::ui::SlimPanel::previewChanged, &app,
                [save](const slimscope::ui::SlimResultPtr& preview) {
                    if (preview)
                        save();
                });
        } else {
            QObject::connect(&window, &slimscope::ui::MainWindow::analysisReady, &app, save);
        }
        QObject::connect(&window, &slimscope::ui::MainWindow::loadFailed, &app, [save, loadFailed] {
            *loadFailed = true;
            save();
        });
        window.show();
        window.openModel(model);
        return app.exec();
    }
    window.show();
    window.recipeGuard()->offerRecovery(); // a recipe a crashed window left behind
    if (!models.isEmpty())
        window.openModel(models.first());
    if (parser.isSet(recipe))
        QObject::connect(
            &window, &slimscope::ui::MainWindow::analysisReady, &app,
            [&window, &parser, &recipe] {
                QString error;
                if (!window.slimPanel()->loadRecipe(parser.value(recipe), &error))
                    std::fprintf(stderr, "slimscope: %s\n", qPrintable(error));
            },
            Qt::SingleShotConnection);
    return app.exec();
}
