// Sensitivity as JSON, table and CSV.
#include "report/sensitivitywriters.h"

#include "report/jsonparts.h"
#include "report/reportcontent.h"
#include "slim/recipe.h"
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

void writePlanDocument(std::ostream& out, const plan::Plan& p)
{
    JsonWriter json(out);
    json.beginObject().field("schema", plan::kPlanSchema);
    json.key("tool").beginObject().field("name", "slimscope").field("version", SLIMSCOPE_VERSION).endObject();
    json.key("plan").beginObject();
    json.field("file_bytes", p.fileBytes).field("target_bytes", p.targetBytes).field("min_cosine", p.minCosine);
    json.field("met", p.met).field("seconds", p.seconds);
    json.key("best").beginObject();
    json.field("predicted_bytes", p.best.predictedBytes).field("min_cosine", p.best.minCosine);
    json.field("layers", static_cast<std::uint64_t>(p.best.layers));
    json.key("recipe");
    slim::writeRecipe(json, p.best.recipe);
    json.endObject();
    json.key("choices").beginArray();
    for (const auto& c : p.choices)
        json.beginObject()
            .field("node", c.node)
            .field("step", c.step)
            .field("cosine", c.cosine)
            .field("bytes_saved", c.bytesSaved)
            .endObject();
    json.endArray();
    json.key("evaluated").beginArray();
    for (const auto& point : p.evaluated)
        json.beginObject()
            .field("predicted_bytes", point.predictedBytes)
            .field("min_cosine", point.minCosine)
            .field("layers", static_cast<std::uint64_t>(point.layers))
            .endObject();
    json.endArray();
    json.key("sweeps").beginArray();
    for (const auto& sweep : p.sweeps)
        json.beginObject()
            .field("step", sweep.step)
            .field("layers", static_cast<std::uint64_t>(sweep.layers.size()))
            .field("seconds", sweep.seconds)
            .endObject();
    json.endArray();
    writeDiagnostics(json, p.diagnostics);
    json.endObject();
    json.endObject();
}

void writePlanTable(std::ostream& out, const plan::Plan& p)
{
    char line[512];
    std::snprintf(line, sizeof line, "Plan: %s -> target %s, every output cosine >= %.4f: %s\n",
        humanBytes(p.fileBytes).c_str(), humanBytes(p.targetBytes).c_str(), p.minCosine, p.met ? "MET" : "NOT MET");
    out << line;
    std::snprintf(line, sizeof line, "  best recipe: %s (%.2fx smaller), min cosine %.6f, %zu layers changed\n",
        humanBytes(p.best.predictedBytes).c_str(),
        p.best.predictedBytes ? static_cast<double>(p.fileBytes) / static_cast<double>(p.best.predictedBytes) : 0.0,
        p.best.minCosine, p.best.layers);
    out << line;
    for (const auto& step : p.best.recipe.steps)
        out << "    " << slim::describeStep(step) << ": " << step.scope.tensors.size() << " tensor(s)\n";
    std::snprintf(line, sizeof line, "  %zu recipe(s) verified in ONNX Runtime, %zu sensitivity sweep(s), %.1f s\n",
        p.evaluated.size(), p.sweeps.size(), p.seconds);
    out << line;
    for (const auto& point : p.evaluated) {
        std::snprintf(line, sizeof line, "    %-12s cosine %.6f  (%zu layers)\n",
            humanBytes(point.predictedBytes).c_str(), point.minCosine, point.layers);
        out << line;
    }
    for (const auto& d : p.diagnostics)
        out << "  " << severityName(d.severity) << ": " << (d.subject.empty() ? "" : d.subject + ": ") << d.message
            << "\n";
}

} // namespace slimscope::core::report
