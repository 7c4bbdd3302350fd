#include "verifywriters.h"
#include "jsonparts.h"

#include "model/datatype.h"
#include "support/format.h"

#include <cctype>
#include <cstdio>
#include <iomanip>

namespace slimscope::core::report {

bool passes(const runtime::Verification& verification, const FidelityThresholds& thresholds)
{
    return runtime::verdictOf(verification, thresholds) != runtime::Verdict::Fail;
}

void writeVerificationJson(JsonWriter& json, const runtime::Verification& v, const FidelityThresholds& thresholds)
{
    json.beginObject();
    json.field("original", v.original.string()).field("slimmed", v.slimmed.string());
    json.field("verdict", runtime::verdictName(runtime::verdictOf(v, thresholds)));
    json.key("thresholds")
        .beginObject()
        .field("min_cosine", thresholds.minCosine)
        .field("min_top1_agreement", thresholds.minTop1Agreement)
        .endObject();
    json.field("input_source", v.inputSource).field("samples", v.samples).field("runtime_version", v.runtimeVersion);
    json.key("inputs").beginArray();
    for (const auto& input : v.inputs)
        json.beginObject()
            .field("name", input.name)
            .field("dtype", model::dataTypeName(static_cast<std::int32_t>(input.dtype)))
            .intArray("shape", input.shape)
            .endObject();
    json.endArray();
    json.key("outputs").beginArray();
    for (const auto& o : v.outputs) {
        json.beginObject()
            .field("name", o.name)
            .field("dtype", model::dataTypeName(static_cast<std::int32_t>(o.dtype)));
        json.intArray("shape", o.shape);
        json.field("max_abs", o.maxAbs)
            .field("mean_abs", o.meanAbs)
            .field("cosine", o.cosine)
            .field("sqnr_db", o.sqnrDb);
        json.field("identical", o.identical).field("non_finite_mismatches", o.nonFiniteMismatches);
        json.key("top1_agreement");
        if (o.top1Agreement)
            json.value(*o.top1Agreement);
        else
            json.null();
        const auto verdict = runtime::outputVerdict(o, thresholds);
        json.field("pass", verdict != runtime::Verdict::Fail).field("verdict", runtime::verdictName(verdict));
        json.endObject();
    }
    json.endArray();
    json.key("latency_ms")
        .beginObject()
        .field("original", v.originalLatencyMs)
        .field("slimmed", v.slimmedLatencyMs)
        .field("runs", v.runs)
        .field("intra_op_threads", static_cast<std::uint64_t>(v.threads))
        .endObject();
    writeDiagnostics(json, v.diagnostics);
    json.endObject();
}

void writeVerifyDocument(std::ostream& out, const runtime::Verification& v, const FidelityThresholds& thresholds)
{
    JsonWriter json(out);
    json.beginObject().field("schema", kVerifySchema);
    json.key("tool").beginObject().field("name", "slimscope").field("version", SLIMSCOPE_VERSION).endObject();
    json.key("verification");
    writeVerificationJson(json, v, thresholds);
    json.endObject();
}

void writeVerificationTable(std::ostream& out, const runtime::Verification& v, const FidelityThresholds& thresholds)
{
    const std::string verdict(runtime::verdictTitle(runtime::verdictOf(v, thresholds)));
    out << "Verification (ONNX Runtime " << v.runtimeVersion << ", inputs " << v.inputSource << "): " << verdict
        << " (floors: cosine >= " << thresholds.minCosine << ", top-1 >= " << thresholds.minTop1Agreement << ")\n";
    out << "  " << std::left << std::setw(28) << "output" << std::right << std::setw(12) << "cosine" << std::setw(10)
        << "SQNR dB" << std::setw(12) << "max abs" << std::setw(12) << "mean abs" << std::setw(8) << "top-1"
        << "  verdict\n";
    for (const auto& o : v.outputs) {
        char cosine[32], sqnr[32], maxAbs[32], meanAbs[32], top1[32] = "-";
        std::snprintf(cosine, sizeof cosine, "%.6f", o.cosine);
        std::snprintf(sqnr, sizeof sqnr, "%.1f", o.sqnrDb);
        std::snprintf(maxAbs, sizeof maxAbs, "%.3g", o.maxAbs);
        std::snprintf(meanAbs, sizeof meanAbs, "%.3g", o.meanAbs);
        if (o.top1Agreement)
            std::snprintf(top1, sizeof top1, "%.1f%%", *o.top1Agreement * 100.0);
        out << "  " << std::left << std::setw(28) << o.name << std::right << std::setw(12) << cosine << std::setw(10)
            << sqnr << std::setw(12) << maxAbs << std::setw(12) << meanAbs << std::setw(8) << top1 << "  "
            << (o.identical ? std::string_view("identical")
                            : runtime::verdictName(runtime::outputVerdict(o, thresholds)))
            << "\n";
    }
    char latency[128];
    const std::string threads = v.threads ? std::to_string(v.threads) : std::string("one per core");
    std::snprintf(latency, sizeof latency, "  latency (median of %d, intra-op threads: %s): %.3f ms -> %.3f ms\n",
        v.runs, threads.c_str(), v.originalLatencyMs, v.slimmedLatencyMs);
    out << latency;
    for (const auto& d : v.diagnostics)
        out << "  " << severityName(d.severity) << ": " << (d.subject.empty() ? "" : d.subject + ": ") << d.message
            << "\n";
}

} // namespace slimscope::core::report
