// Writes the bulk of an analysis document (one record per tensor: name, dtype, shape, counts, statistics and a
// 64-bin histogram) with the project's streaming JsonWriter and with nlohmann-json (build the tree, then dump),
// to decide which writes large analysis documents. Best of N runs; the outputs' sizes are printed too.
// usage: json_writer_benchmark [TENSORS=100000] [RUNS=3]
#include "support/jsonwriter.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct Record {
    std::string name;
    std::vector<std::int64_t> shape;
    std::uint64_t elements, bytes, zeros;
    double sparsity, min, max, mean, std;
    std::vector<std::int64_t> histogram;
};

std::vector<Record> records(std::size_t count)
{
    std::vector<Record> out(count);
    for (std::size_t i = 0; i < count; ++i) {
        Record& r = out[i];
        r.name = "model.layers." + std::to_string(i) + ".mlp.weight";
        r.shape = { 64, static_cast<std::int64_t>(i % 512 + 1) };
        r.elements = 64 * (i % 512 + 1);
        r.bytes = r.elements * 4;
        r.zeros = r.elements / 7;
        r.sparsity = static_cast<double>(r.zeros) / static_cast<double>(r.elements);
        r.min = -0.1 - static_cast<double>(i) * 1e-6;
        r.max = 0.1 + static_cast<double>(i) * 1e-6;
        r.mean = 1.0 / (static_cast<double>(i) + 3.0);
        r.std = 0.02 + static_cast<double>(i % 17) * 1e-3;
        r.histogram.resize(64);
        for (std::size_t b = 0; b < 64; ++b)
            r.histogram[b] = static_cast<std::int64_t>((i * 31 + b * b) % 10007);
    }
    return out;
}

std::string withJsonWriter(const std::vector<Record>& rs)
{
    std::ostringstream out;
    slimscope::core::JsonWriter json(out);
    json.beginObject().key("tensors").beginArray();
    for (const Record& r : rs) {
        json.beginObject().field("name", r.name).field("dtype", "float32").intArray("shape", r.shape);
        json.field("elements", r.elements)
            .field("bytes", r.bytes)
            .field("zeros", r.zeros)
            .field("sparsity", r.sparsity);
        json.field("min", r.min).field("max", r.max).field("mean", r.mean).field("std", r.std);
        json.intArray("histogram", r.histogram).endObject();
    }
    json.endArray().endObject();
    return out.str();
}

std::string withNlohmann(const std::vector<Record>& rs, int indent)
{
    nlohmann::ordered_json document;
    auto& tensors = document["tensors"] = nlohmann::ordered_json::array();
    for (const Record& r : rs) {
        nlohmann::ordered_json t;
        t["name"] = r.name;
        t["dtype"] = "float32";
        t["shape"] = r.shape;
        t["elements"] = r.elements;
        t["bytes"] = r.bytes;
        t["zeros"] = r.zeros;
        t["sparsity"] = r.sparsity;
        t["min"] = r.min;
        t["max"] = r.max;
        t["mean"] = r.mean;
        t["std"] = r.std;
        t["histogram"] = r.histogram;
        tensors.push_back(std::move(t));
    }
    return document.dump(indent);
}

template <class F> double bestOf(int runs, F f, std::size_t& size)
{
    double best = 1e30;
    for (int i = 0; i < runs; ++i) {
        const auto start = std::chrono::steady_clock::now();
        size = f().size();
        best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    return best;
}

} // namespace

int main(int argc, char** argv)
{
    const std::size_t count = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 100000;
    const int runs = argc > 2 ? std::atoi(argv[2]) : 3;
    const auto rs = records(count);
    std::size_t ownSize = 0, prettySize = 0, compactSize = 0;
    const double own = bestOf(
        runs, [&] { return withJsonWriter(rs); }, ownSize);
    const double pretty = bestOf(
        runs, [&] { return withNlohmann(rs, 2); }, prettySize);
    const double compact = bestOf(
        runs, [&] { return withNlohmann(rs, -1); }, compactSize);
    std::printf("%zu tensor records, best of %d\n", count, runs);
    std::printf("JsonWriter (streaming, indented)       %.3f s  %zu bytes\n", own, ownSize);
    std::printf("nlohmann-json (tree + dump, indented)  %.3f s  %zu bytes\n", pretty, prettySize);
    std::printf("nlohmann-json (tree + dump, compact)   %.3f s  %zu bytes\n", compact, compactSize);
    return 0;
}
