#include "views/layercolumns.h"

#include "charts/palette.h"
#include "support/format.h"

#include <QCoreApplication>
#include <QStringList>

namespace slimscope::ui {

namespace {

QString text(const std::string& value)
{
    return QString::fromStdString(value);
}

QVariant count(std::uint64_t value)
{
    return static_cast<qulonglong>(value);
}

} // namespace

// The one list of the Layers table's columns.
const std::vector<LayerColumn>& layerColumns()
{
    static const std::vector<LayerColumn> columns {
        { "name", QT_TRANSLATE_NOOP("LayersModel", "Layer"), false,
            [](const LayerRowData& r) -> QVariant { return text(r.layer.name); } },
        { "op", QT_TRANSLATE_NOOP("LayersModel", "Op"), false,
            [](const LayerRowData& r) -> QVariant {
                return text(r.layer.domain.empty() ? r.layer.opType : r.layer.domain + "::" + r.layer.opType);
            },
            [](const LayerRowData& r) -> QVariant { return text(r.layer.opType); } },
        { "params", QT_TRANSLATE_NOOP("LayersModel", "Params"), true,
            [](const LayerRowData& r) -> QVariant {
                return r.layer.params ? text(core::humanCount(r.layer.params)) : QString();
            },
            [](const LayerRowData& r) { return count(r.layer.params); }, {},
            [](const LayerRowData& r) -> QVariant { return QString::number(r.layer.params); } },
        { "bytes", QT_TRANSLATE_NOOP("LayersModel", "Bytes"), true,
            [](const LayerRowData& r) -> QVariant {
                return r.layer.bytes ? text(core::humanBytes(r.layer.bytes)) : QString();
            },
            [](const LayerRowData& r) { return count(r.layer.bytes); },
            [](const LayerRowData& r) -> QVariant { return r.byteBar; },
            [](const LayerRowData& r) -> QVariant {
                return QCoreApplication::translate("LayersModel", "%1 bytes").arg(r.layer.bytes);
            } },
        { "share", QT_TRANSLATE_NOOP("LayersModel", "% of model"), true,
            [](const LayerRowData& r) -> QVariant {
                return r.layer.bytes ? text(core::humanPercent(r.share)) : QString();
            },
            [](const LayerRowData& r) { return count(r.layer.bytes); },
            [](const LayerRowData& r) -> QVariant { return r.share; } },
        { "sparsity", QT_TRANSLATE_NOOP("LayersModel", "Sparsity"), true,
            [](const LayerRowData& r) -> QVariant {
                return r.layer.params ? text(core::humanPercent(r.layer.sparsity)) : QString();
            },
            [](const LayerRowData& r) -> QVariant { return r.layer.sparsity; },
            [](const LayerRowData& r) -> QVariant { return r.layer.sparsity; } },
        { "dtype", QT_TRANSLATE_NOOP("LayersModel", "Dtype"), false,
            [](const LayerRowData& r) -> QVariant {
                return r.mainTensor ? dtypeText(r.mainTensor->dtype) : QString();
            } },
        { "weight_shape", QT_TRANSLATE_NOOP("LayersModel", "Weight shape"), false,
            [](const LayerRowData& r) -> QVariant {
                return r.mainTensor ? text(core::shapeString(r.mainTensor->shape)) : QString();
            },
            [](const LayerRowData& r) { return count(r.mainTensor ? r.mainTensor->elements : 0); } },
        { "macs", QT_TRANSLATE_NOOP("LayersModel", "MACs"), true,
            [](const LayerRowData& r) -> QVariant {
                return r.layer.macs ? text(core::humanCount(*r.layer.macs)) : QString();
            },
            [](const LayerRowData& r) { return count(r.layer.macs.value_or(0)); }, {},
            [](const LayerRowData& r) -> QVariant {
                return r.layer.macs ? QString::number(*r.layer.macs)
                                    : QCoreApplication::translate("LayersModel", "not known for this op");
            } },
        { "output_shape", QT_TRANSLATE_NOOP("LayersModel", "Output shape"), false,
            [](const LayerRowData& r) -> QVariant {
                QStringList shapes;
                for (const auto& shape : r.layer.outputShapes)
                    shapes << text(shape);
                return shapes.join(QStringLiteral(" "));
            },
            [](const LayerRowData& r) -> QVariant {
                return r.layer.outputShapes.empty() ? QString() : text(r.layer.outputShapes.front());
            } },
        // What each weight costs in bits, scales and zero points included: an int4/int8/fp16 mix at a glance.
        { "bits", QT_TRANSLATE_NOOP("LayersModel", "Bits/weight"), true,
            [](const LayerRowData& r) -> QVariant {
                return r.layer.weights ? QString::number(r.layer.bitsPerWeight, 'f', 2) : QString();
            },
            [](const LayerRowData& r) -> QVariant { return r.layer.bitsPerWeight; }, {},
            [](const LayerRowData& r) -> QVariant {
                return QCoreApplication::translate("LayersModel", "%1 bytes for %2 weights")
                    .arg(r.layer.bytes)
                    .arg(r.layer.weights);
            } },
        // Structured pruning in the preview: the main weight's channels before -> after, and its group.
        { "channels", QT_TRANSLATE_NOOP("LayersModel", "Channels"), true,
            [](const LayerRowData& r) -> QVariant {
                if (!r.mainChange || r.mainChange->channelGroup < 0)
                    return QString();
                return QStringLiteral("%1 → %2").arg(r.mainChange->channelsBefore).arg(r.mainChange->channelsAfter);
            },
            [](const LayerRowData& r) -> QVariant {
                return r.mainChange && r.mainChange->channelGroup >= 0
                    ? QVariant(qlonglong(r.mainChange->channelsAfter))
                    : QVariant(qlonglong(-1));
            },
            {},
            [](const LayerRowData& r) -> QVariant {
                if (!r.mainChange || r.mainChange->channelGroup < 0 || !r.preview)
                    return text(r.layer.name + " (" + r.layer.opType + ")");
                const auto& group = r.preview->channelGroups.at(static_cast<std::size_t>(r.mainChange->channelGroup));
                if (!group.frozenReason.empty())
                    return QCoreApplication::translate("LayersModel", "Channel group %1, left alone: %2")
                        .arg(r.mainChange->channelGroup)
                        .arg(text(group.frozenReason));
                QStringList producers;
                for (const auto& producer : group.producers)
                    producers << text(producer);
                return QCoreApplication::translate("LayersModel", "Channel group %1: %2")
                    .arg(r.mainChange->channelGroup)
                    .arg(producers.join(QStringLiteral(", ")));
            } },
    };
    return columns;
}

} // namespace slimscope::ui
