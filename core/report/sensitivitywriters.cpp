// Sensitivity as JSON, table and CSV.
#include "report/sensitivitywriters.h"

#include "report/jsonparts.h"
#include "report/reportcontent.h"
#include "support/format.h"

#include <cstdio>
#include <iomanip>

namespace slimscope::core::report {

void writeSensitivityJson(JsonWriter& json, const plan::Sensitivity& s)
{
    json.beginObject();
    json.field("step", s.step).field("step_description", s.stepDescription);
    json.key("inputs").beginObject().field("source", s.inputSource).field("samples", s.samples).endObject();
    json.field("seconds", s.seconds);
    json.key("layers").beginArray();
    for (const auto& l : s.layers) {
        json.beginObject().field("node", l.node).field("op_type", l.opType).stringArray("tensors", l.tensors);
        json.field("bytes_before", l.bytesBefore)
            .field("bytes_after", l.bytesAfter)
            .field("bytes_saved", l.bytesSaved());
        json.field("cosine", l.cosine).field("sqnr_db", l.sqnrDb).field("max_abs", l.maxAbs);
        json.key("top1_agreement");
        if (l.top1Agreement)
            json.value(*l.top1Agreement);
        else
            json.null();
        json.field("proxy_sqnr_db", l.proxySqnrDb);
        json.endObject();
    }
    json.endArray();
    writeDiagnostics(json, s.diagnostics);
    json.endObject();
}

void writeSensitivityDocument(std::ostream& out, const plan::Sensitivity& s)
{
    JsonWriter json(out);
    json.beginObject().field("schema", plan::kSensitivitySchema);
    json.key("tool").beginObject().field("name", "slimscope").field("version", SLIMSCOPE_VERSION).endObject();
    json.key("sensitivity");
    writeSensitivityJson(json, s);
    json.endObject();
}

void writeSensitivityTable(std::ostream& out, const plan::Sensitivity& s)
{
    char header[256];
    std::snprintf(header, sizeof header, "Sensitivity of %s, one layer at a time (inputs %s; %zu layers in %.1f s)\n",
        s.stepDescription.c_str(), s.inputSource.c_str(), s.layers.size(), s.seconds);
    out << header;
    out << "  most sensitive first; cosine and SQNR are the worst over the outputs, proxy is the weights' own SQNR\n";
    out << "  " << std::left << std::setw(40) << "layer" << std::setw(14) << "op" << std::right << std::setw(11)
        << "saved" << std::setw(11) << "cosine" << std::setw(9) << "SQNR dB" << std::setw(10) << "max abs"
        << std::setw(8) << "top-1" << std::setw(10) << "proxy dB"
        << "\n";
    for (const auto& l : s.layers) {
        char cosine[32], sqnr[32], maxAbs[32], top1[32] = "-", proxy[32];
        std::snprintf(cosine, sizeof cosine, "%.6f", l.cosine);
        std::snprintf(sqnr, sizeof sqnr, "%.1f", l.sqnrDb);
        std::snprintf(maxAbs, sizeof maxAbs, "%.3g", l.maxAbs);
        std::snprintf(proxy, sizeof proxy, "%.1f", l.proxySqnrDb);
        if (l.top1Agreement)
            std::snprintf(top1, sizeof top1, "%.1f%%", *l.top1Agreement * 100.0);
        out << "  " << std::left << std::setw(40) << shortenMiddle(l.node, 39) << std::setw(14)
            << shortenMiddle(l.opType, 13) << std::right << std::setw(11) << humanBytes(l.bytesSaved()) << std::setw(11)
            << cosine << std::setw(9) << sqnr << std::setw(10) << maxAbs << std::setw(8) << top1 << std::setw(10)
            << proxy << "\n";
    }
    for (const auto& d : s.diagnostics)
        out << "  " << severityName(d.severity) << ": " << (d.subject.empty() ? "" : d.subject + ": ") << d.message
            << "\n";
}

void writeSensitivityCsv(std::ostream& out, const plan::Sensitivity& s)
{
    out << "rank,node,op_type,tensors,bytes_before,bytes_after,bytes_saved,cosine,sqnr_db,max_abs,top1_agreement,"
           "proxy_sqnr_db\n";
    std::size_t rank = 0;
    for (const auto& l : s.layers) {
        std::string tensors;
        for (const auto& t : l.tensors)
            tensors += (tensors.empty() ? "" : ";") + t;
        char numbers[256];
        std::snprintf(numbers, sizeof numbers, "%.9g,%.6g,%.6g", l.cosine, l.sqnrDb, l.maxAbs);
        char top1[32] = "";
        if (l.top1Agreement)
            std::snprintf(top1, sizeof top1, "%.6g", *l.top1Agreement);
        char proxy[32];
        std::snprintf(proxy, sizeof proxy, "%.6g", l.proxySqnrDb);
        out << ++rank << ',' << detail::csvField(l.node) << ',' << detail::csvField(l.opType) << ','
            << detail::csvField(tensors) << ',' << l.bytesBefore << ',' << l.bytesAfter << ',' << l.bytesSaved() << ','
            << numbers << ',' << top1 << ',' << proxy << "\n";
    }
}

} // namespace slimscope::core::report
