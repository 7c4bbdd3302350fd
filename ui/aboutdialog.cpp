#include "charts/qcp.h" // first: QCustomPlot must see the foreach definitions

#include "aboutdialog.h"

#include <QMessageBox>
#include <QString>

namespace slimscope::ui {

std::vector<core::LibraryVersion> libraryVersions()
{
    auto libraries = core::coreLibraryVersions();
    libraries.push_back({ "Qt", qVersion() });
    libraries.push_back({ "QCustomPlot", QCUSTOMPLOT_VERSION_STR });
    return libraries;
}

void showAboutDialog(QWidget* parent)
{
    QString libraries;
    for (const auto& library : libraryVersions())
        libraries += QStringLiteral("<tr><td>%1</td><td>%2</td></tr>")
                         .arg(QString::fromStdString(library.name).toHtmlEscaped(),
                             QString::fromStdString(library.version).toHtmlEscaped());
    QMessageBox::about(parent, QObject::tr("About Slimscope"),
        QObject::tr("<h3>Slimscope %1</h3>"
                    "<p>Find and cut bloat in ONNX models: measure where the bytes and the compute go, slim, verify "
                    "in ONNX Runtime and report.</p>"
                    "<p>License %2: GNU GPL version 3 or later. This is free software; there is NO WARRANTY.</p>"
                    "<p>Running with:</p><table>%3</table>")
            .arg(QStringLiteral(SLIMSCOPE_VERSION), QString::fromLatin1(core::kLicence.data(), core::kLicence.size()),
                libraries));
}

} // namespace slimscope::ui
