// Recipes (slimscope.recipe/1): every step kind survives recipeToJson -> parseRecipe unchanged, the JSON documents
// every field, and every bad recipe is refused with a message that names the offending key (and the step).
#include "slim/findingfix.h"
#include "slim/recipe.h"
#include "slim/stepregistry.h"
#include "slim/steps/cleanup.h"
#include "slim/steps/lowrank.h"
#include "slim/steps/prune.h"
#include "slim/steps/prunechannels.h"
#include "slim/steps/quantize.h"
#include "slim/steps/sparsestorage.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <set>
#include <stdexcept>
#include <string>

namespace slim = slimscope::core::slim;
using slimscope::core::ErrorCode;

Q_DECLARE_METATYPE(slim::Recipe)

namespace {

slim::Step step(slim::StepParams params, slim::Scope scope = {}, bool enabled = true)
{
    return slim::Step { std::move(params), std::move(scope), enabled };
}

slim::Recipe recipeOf(std::vector<slim::Step> steps)
{
    return slim::Recipe { std::move(steps) };
}

slim::Scope fullScope()
{
    slim::Scope scope;
    scope.include = { "^conv", "layer\\.[0-9]+\\.weight$" };
    scope.exclude = { "head", "emb(ed)?" };
    scope.opTypes = { "Conv", "Gemm" };
    scope.excludeOpTypes = { "MatMul" };
    scope.minElements = 0;
    scope.skipBiasAndNorm = false;
    scope.tensors = { "fc.weight", "name with \"quotes\" and \\ backslash" };
    scope.onlyTensors = true;
    return scope;
}

/// JSON written with single quotes, which keeps the tables below readable (and away from raw string literals,
/// which moc cannot parse); no test text needs a literal single quote.
QByteArray js(const char* text)
{
    return QByteArray(text).replace('\'', '"');
}

/// A recipe whose only step is `stepJson` (a JSON object's members, without braces, single-quoted).
QByteArray oneStep(const char* stepJson)
{
    return js("{'schema': 'slimscope.recipe/1', 'steps': [{") + js(stepJson) + "}]}";
}

/// The error message of a failed result, empty on success (QVERIFY2 evaluates its message even when it passes).
template <class T> QString errorOf(const slimscope::core::Result<T>& result)
{
    return result ? QString() : QString::fromStdString(result.error().message);
}

/// Parameters of a step type nobody registered.
struct Unknown {
    static constexpr std::string_view kName = "distill";
    bool operator==(const Unknown&) const = default;
};

QString describe(const slim::Recipe& recipe)
{
    return QString::fromStdString(slim::recipeToJson(recipe));
}

} // namespace

class TestRecipe : public QObject {
    Q_OBJECT

private slots:
    void roundTrip_data()
    {
        QTest::addColumn<slim::Recipe>("recipe");
        QTest::newRow("empty") << recipeOf({});
        QTest::newRow("cleanup defaults") << recipeOf({ step(slim::CleanupStep {}) });
        QTest::newRow("cleanup all off") << recipeOf({ step(slim::CleanupStep { false, false, false, false }) });
        QTest::newRow("cleanup mixed") << recipeOf({ step(slim::CleanupStep { true, false, true, false }) });
        QTest::newRow("cleanup disabled") << recipeOf({ step(slim::CleanupStep {}, {}, false) });
        QTest::newRow("prune layer 0.5") << recipeOf({ step(slim::PruneStep { 0.5, slim::PruneStep::Mode::Layer }) });
        QTest::newRow("prune global 0.37")
            << recipeOf({ step(slim::PruneStep { 0.37, slim::PruneStep::Mode::Global }) });
        // Values with no short decimal form must come back bit for bit.
        QTest::newRow("prune 1/3") << recipeOf({ step(slim::PruneStep { 1.0 / 3.0, slim::PruneStep::Mode::Layer }) });
        QTest::newRow("prune 0") << recipeOf({ step(slim::PruneStep { 0.0, slim::PruneStep::Mode::Layer }) });
        QTest::newRow("prune 0.999") << recipeOf({ step(slim::PruneStep { 0.999, slim::PruneStep::Mode::Global }) });
        QTest::newRow("prune full scope")
            << recipeOf({ step(slim::PruneStep { 0.8, slim::PruneStep::Mode::Layer }, fullScope()) });
        QTest::newRow("prune disabled") << recipeOf(
            { step(slim::PruneStep { 0.25, slim::PruneStep::Mode::Global }, {}, false) });
        QTest::newRow("int8 per-channel") << recipeOf({ step(slim::QuantizeInt8Step { true, true }) });
        QTest::newRow("int8 per-tensor") << recipeOf({ step(slim::QuantizeInt8Step { false, true }) });
        QTest::newRow("int8 asymmetric") << recipeOf({ step(slim::QuantizeInt8Step { true, false }) });
        QTest::newRow("int8 per-tensor asymmetric") << recipeOf({ step(slim::QuantizeInt8Step { false, false }) });
        QTest::newRow("fp16") << recipeOf({ step(slim::QuantizeFp16Step {}) });
        QTest::newRow("quantize full scope") << recipeOf({ step(slim::QuantizeInt8Step { true, true }, fullScope()) });
        using S = slim::SparseStorageStep;
        QTest::newRow("sparse auto") << recipeOf({ step(S { S::Policy::Auto }) });
        QTest::newRow("sparse always") << recipeOf({ step(S { S::Policy::Always }) });
        QTest::newRow("sparse never") << recipeOf({ step(S { S::Policy::Never }) });
        QTest::newRow("sparse full scope") << recipeOf({ step(S { S::Policy::Always }, fullScope(), false) });
        slim::Scope minOnly;
        minOnly.minElements = 123456789012ull;
        QTest::newRow("large min_elements")
            << recipeOf({ step(slim::PruneStep { 0.5, slim::PruneStep::Mode::Layer }, minOnly) });
        QTest::newRow("every kind in order") << recipeOf(
            { step(slim::CleanupStep {}), step(slim::PruneStep { 0.6, slim::PruneStep::Mode::Global }, fullScope()),
                step(slim::QuantizeInt8Step { true, false }), step(S { S::Policy::Auto }, {}, false),
                step(slim::QuantizeFp16Step {}) });
    }

    void roundTrip()
    {
        QFETCH(slim::Recipe, recipe);
        const std::string json = slim::recipeToJson(recipe);
        const auto parsed = slim::parseRecipe(json);
        QVERIFY2(parsed.has_value(), qPrintable(errorOf(parsed)));
        QVERIFY2(*parsed == recipe, json.c_str());
        // And the text itself is stable: serializing the parsed recipe gives the same bytes.
        QCOMPARE(slim::recipeToJson(*parsed), json);
        QVERIFY(slim::validateRecipe(recipe).has_value());
    }

    // A saved recipe documents its defaults: every field of every step is written.
    void jsonWritesEveryField()
    {
        using S = slim::SparseStorageStep;
        const slim::Recipe recipe = recipeOf(
            { step(slim::CleanupStep {}), step(slim::PruneStep {}), step(slim::QuantizeInt8Step {}), step(S {}) });
        QJsonParseError error;
        const QJsonDocument doc
            = QJsonDocument::fromJson(QByteArray::fromStdString(slim::recipeToJson(recipe)), &error);
        QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
        const QJsonObject root = doc.object();
        QCOMPARE(root.value(u"schema").toString(), QStringLiteral("slimscope.recipe/1"));
        const QJsonArray steps = root.value(u"steps").toArray();
        QCOMPARE(steps.size(), 4);
        const QStringList expectedKeys[] = {
            { "kind", "enabled", "dedupe", "remove_unused", "remove_dead_nodes", "drop_initializer_inputs" },
            { "kind", "enabled", "sparsity", "mode", "scope" },
            { "kind", "enabled", "type", "per_channel", "symmetric", "scope" },
            { "kind", "enabled", "policy", "scope" },
        };
        const QStringList kinds { "cleanup", "prune", "quantize", "sparse_storage" };
        for (qsizetype i = 0; i < steps.size(); ++i) {
            const QJsonObject object = steps[i].toObject();
            QCOMPARE(object.value(u"kind").toString(), kinds[i]);
            QStringList keys = object.keys();
            QStringList expected = expectedKeys[i];
            keys.sort();
            expected.sort();
            QCOMPARE(keys, expected);
            if (object.contains(u"scope")) {
                QStringList scopeKeys = object.value(u"scope").toObject().keys();
                scopeKeys.sort();
                QCOMPARE(scopeKeys,
                    QStringList({ "exclude", "exclude_op_types", "include", "min_elements", "op_types",
                        "skip_bias_and_norm" }));
                QCOMPARE(object.value(u"scope").toObject().value(u"min_elements").toInteger(), 1024);
            }
        }
        QCOMPARE(steps[1].toObject().value(u"sparsity").toDouble(), 0.5);
        QCOMPARE(steps[1].toObject().value(u"mode").toString(), QStringLiteral("layer"));
        QCOMPARE(steps[2].toObject().value(u"type").toString(), QStringLiteral("int8"));
        QCOMPARE(steps[3].toObject().value(u"policy").toString(), QStringLiteral("auto"));
    }

    // Keys left out take the documented defaults.
    void minimalStepsTakeDefaults()
    {
        const auto parsed = slim::parseRecipe(
            js("{'steps': [{'kind': 'cleanup'}, {'kind': 'prune'}, {'kind': 'quantize'}, {'kind': 'sparse_storage'}]}")
                .toStdString());
        QVERIFY2(parsed.has_value(), qPrintable(errorOf(parsed)));
        const slim::Recipe expected = recipeOf({ step(slim::CleanupStep { true, true, true, true }),
            step(slim::PruneStep { 0.5, slim::PruneStep::Mode::Layer }), step(slim::QuantizeInt8Step { true, true }),
            step(slim::SparseStorageStep { slim::SparseStorageStep::Policy::Auto }) });
        QVERIFY2(*parsed == expected, qPrintable(describe(*parsed)));
        for (const slim::Step& s : parsed->steps) {
            QVERIFY(s.enabled);
            QCOMPARE(s.scope.minElements, std::uint64_t { 1024 });
            QVERIFY(s.scope.skipBiasAndNorm);
            QVERIFY(s.scope.include.empty() && s.scope.exclude.empty() && s.scope.opTypes.empty());
        }
    }

    void parsesEveryField()
    {
        const char* fields = "'kind': 'prune', 'enabled': false, 'sparsity': 0.75, 'mode': 'global', "
                             "'scope': {'include': ['a', 'b'], 'exclude': ['c'], 'op_types': ['Conv'], "
                             "'exclude_op_types': ['Gemm'], 'min_elements': 10, 'skip_bias_and_norm': false, "
                             "'tensors': ['t']}";
        const auto parsed = slim::parseRecipe(oneStep(fields).toStdString());
        QVERIFY2(parsed.has_value(), qPrintable(errorOf(parsed)));
        QCOMPARE(parsed->steps.size(), size_t { 1 });
        const slim::Step& s = parsed->steps[0];
        QVERIFY(!s.enabled);
        const auto* prune = s.params.as<slim::PruneStep>();
        QVERIFY(prune);
        QCOMPARE(prune->sparsity, 0.75);
        QCOMPARE(prune->mode, slim::PruneStep::Mode::Global);
        QCOMPARE(s.scope.include, (std::vector<std::string> { "a", "b" }));
        QCOMPARE(s.scope.exclude, std::vector<std::string> { "c" });
        QCOMPARE(s.scope.opTypes, std::vector<std::string> { "Conv" });
        QCOMPARE(s.scope.excludeOpTypes, std::vector<std::string> { "Gemm" });
        QCOMPARE(s.scope.minElements, std::uint64_t { 10 });
        QVERIFY(!s.scope.skipBiasAndNorm);
        QCOMPARE(s.scope.tensors, std::vector<std::string> { "t" });
    }

    // A step field that parses must not vanish when the recipe is saved again: whatever parseRecipe accepts,
    // recipeToJson must write back (or parseRecipe must refuse it).
    void acceptedFieldsAreNotDroppedOnSave_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::newRow("cleanup with a scope") << oneStep("'kind': 'cleanup', 'scope': {'include': ['dup']}");
        QTest::newRow("prune with tensors") << oneStep("'kind': 'prune', 'scope': {'tensors': ['W1']}");
    }

    void acceptedFieldsAreNotDroppedOnSave()
    {
        QFETCH(QByteArray, json);
        const auto parsed = slim::parseRecipe(json.toStdString());
        if (!parsed)
            return; // refused: consistent as well
        const auto again = slim::parseRecipe(slim::recipeToJson(*parsed));
        QVERIFY2(again.has_value(), qPrintable(errorOf(again)));
        QVERIFY2(*again == *parsed,
            qPrintable(QStringLiteral("parsed %1, saved as %2").arg(QString::fromUtf8(json), describe(*parsed))));
    }

    void errors_data()
    {
        QTest::addColumn<QByteArray>("json");
        // Every fragment must appear in the message.
        QTest::addColumn<QStringList>("fragments");

        QTest::newRow("unknown top-level key")
            << js("{'schema': 'slimscope.recipe/1', 'steps': [], 'stpes': []}") << QStringList { "'stpes'", "unknown" };
        QTest::newRow("unknown key in a step")
            << oneStep("'kind': 'prune', 'sparsty': 0.5") << QStringList { "'sparsty'", "step 1", "unknown" };
        QTest::newRow("unknown key in the second step")
            << js("{'steps': [{'kind': 'cleanup'}, {'kind': 'quantize', 'bits': 8}]}")
            << QStringList { "'bits'", "step 2" };
        QTest::newRow("unknown key in a scope") << oneStep("'kind': 'prune', 'scope': {'inclde': ['conv']}")
                                                << QStringList { "'inclde'", "step 1", "scope" };
        QTest::newRow("unknown cleanup key")
            << oneStep("'kind': 'cleanup', 'dedup': true") << QStringList { "'dedup'", "step 1" };
        QTest::newRow("sparsity is a string")
            << oneStep("'kind': 'prune', 'sparsity': 'x'") << QStringList { "'sparsity'", "step 1", "number" };
        QTest::newRow("per_channel is a number")
            << oneStep("'kind': 'quantize', 'per_channel': 1") << QStringList { "'per_channel'", "step 1" };
        QTest::newRow("symmetric is a string")
            << oneStep("'kind': 'quantize', 'symmetric': 'yes'") << QStringList { "'symmetric'" };
        QTest::newRow("enabled is null") << oneStep("'kind': 'cleanup', 'enabled': null")
                                         << QStringList { "'enabled'" };
        QTest::newRow("include is a string")
            << oneStep("'kind': 'prune', 'scope': {'include': 'a'}") << QStringList { "'include'", "scope" };
        QTest::newRow("exclude holds a number")
            << oneStep("'kind': 'prune', 'scope': {'exclude': ['a', 3]}") << QStringList { "'exclude'" };
        QTest::newRow("op_types is an object")
            << oneStep("'kind': 'quantize', 'scope': {'op_types': {}}") << QStringList { "'op_types'" };
        QTest::newRow("scope is an array")
            << oneStep("'kind': 'prune', 'scope': []") << QStringList { "'scope'", "step 1" };
        QTest::newRow("min_elements is fractional")
            << oneStep("'kind': 'prune', 'scope': {'min_elements': 1.5}") << QStringList { "'min_elements'" };
        QTest::newRow("min_elements is negative")
            << oneStep("'kind': 'prune', 'scope': {'min_elements': -1}") << QStringList { "'min_elements'" };
        QTest::newRow("sparsity 1.5") << oneStep("'kind': 'prune', 'sparsity': 1.5")
                                      << QStringList { "'sparsity'", "1.5", "range" };
        QTest::newRow("sparsity -0.1") << oneStep("'kind': 'prune', 'sparsity': -0.1")
                                       << QStringList { "'sparsity'", "-0.1", "range" };
        QTest::newRow("sparsity 1") << oneStep("'kind': 'prune', 'sparsity': 1") << QStringList { "'sparsity'" };
        QTest::newRow("unknown mode") << oneStep("'kind': 'prune', 'mode': 'channel'")
                                      << QStringList { "'mode'", "channel", "layer", "global" };
        QTest::newRow("unknown quantize type")
            << oneStep("'kind': 'quantize', 'type': 'int3'") << QStringList { "'type'", "int3" };
        QTest::newRow("unknown policy") << oneStep("'kind': 'sparse_storage', 'policy': 'maybe'")
                                        << QStringList { "'policy'", "maybe" };
        QTest::newRow("unknown kind") << oneStep("'kind': 'distill'")
                                      << QStringList { "'kind'", "distill", "step 1", "cleanup", "sparse_storage" };
        QTest::newRow("missing kind") << oneStep("'sparsity': 0.5") << QStringList { "'kind'", "step 1" };
        QTest::newRow("kind is a number") << oneStep("'kind': 3") << QStringList { "'kind'" };
        QTest::newRow("step is a string") << js("{'steps': ['prune']}") << QStringList { "step 1" };
        QTest::newRow("bad regex in include") << oneStep("'kind': 'prune', 'scope': {'include': ['conv[0-9']}")
                                              << QStringList { "'include'", "conv[0-9", "step 1" };
        QTest::newRow("bad regex in exclude")
            << js("{'steps': [{'kind': 'cleanup'}, {'kind': 'quantize', 'scope': {'exclude': ['(a']}}]}")
            << QStringList { "'exclude'", "(a", "step 2" };
        QTest::newRow("missing steps") << js("{'schema': 'slimscope.recipe/1'}") << QStringList { "'steps'" };
        QTest::newRow("steps is an object") << js("{'steps': {}}") << QStringList { "'steps'" };
        QTest::newRow("wrong schema") << js("{'schema': 'slimscope.recipe/2', 'steps': []}")
                                      << QStringList { "'schema'", "slimscope.recipe/2" };
        QTest::newRow("not an object") << QByteArray("[1, 2]") << QStringList { "object" };
        // '@' is the 5th character of line 3.
        QTest::newRow("invalid JSON") << QByteArray("{\n  \"steps\": [\n    @\n  ]\n}")
                                      << QStringList { "line 3", "column 5" };
        // The missing ',' is noticed once line 2's second key has been read: its closing '"' is the 28th character.
        QTest::newRow("missing comma") << QByteArray("{\"steps\": [{\n  \"kind\": \"prune\" \"sparsity\": 0.5}]}")
                                       << QStringList { "line 2", "column 28", "string literal" };
        // Hostile input: nesting is refused before it costs stack anywhere.
        QTest::newRow("nested 100 deep") << QByteArray("{\"steps\": [") + QByteArray(100, '[') + QByteArray(100, ']')
                + QByteArray("]}") << QStringList { "nested deeper than 64" };
        QTest::newRow("truncated") << QByteArray("{\"steps\": [") << QStringList { "line 1", "column 12" };
        QTest::newRow("empty text") << QByteArray("") << QStringList { "line 1", "column 1" };
    }

    void errors()
    {
        QFETCH(QByteArray, json);
        QFETCH(QStringList, fragments);
        const auto parsed = slim::parseRecipe(std::string_view(json.constData(), size_t(json.size())));
        QVERIFY2(!parsed.has_value(), qPrintable(QStringLiteral("accepted: %1").arg(QString::fromUtf8(json))));
        QCOMPARE(parsed.error().code, ErrorCode::InvalidArgument);
        const QString message = QString::fromStdString(parsed.error().message);
        for (const QString& fragment : fragments)
            QVERIFY2(message.contains(fragment), qPrintable(QStringLiteral("'%1' not in: %2").arg(fragment, message)));
    }

    // Recipes built in code (the GUI) are checked by validateRecipe and refused by applyRecipe's caller.
    void validateRecipe_data()
    {
        QTest::addColumn<slim::Recipe>("recipe");
        QTest::addColumn<QStringList>("fragments");
        slim::Scope badInclude;
        badInclude.include = { "ok", "[unclosed" };
        QTest::newRow("bad include") << recipeOf({ step(slim::PruneStep {}, badInclude) })
                                     << QStringList { "'include'", "[unclosed", "step 1" };
        slim::Scope badExclude;
        badExclude.exclude = { "(b" };
        QTest::newRow("bad exclude") << recipeOf(
            { step(slim::CleanupStep {}), step(slim::QuantizeInt8Step {}, badExclude) })
                                     << QStringList { "'exclude'", "(b", "step 2" };
        QTest::newRow("sparsity 1.0") << recipeOf({ step(slim::PruneStep { 1.0, slim::PruneStep::Mode::Layer }) })
                                      << QStringList { "'sparsity'", "step 1" };
        QTest::newRow("sparsity -0.5") << recipeOf({ step(slim::PruneStep { -0.5, slim::PruneStep::Mode::Global }) })
                                       << QStringList { "'sparsity'" };
        QTest::newRow("sparsity NaN") << recipeOf(
            { step(slim::PruneStep { std::nan(""), slim::PruneStep::Mode::Layer }) })
                                      << QStringList { "'sparsity'" };
    }

    void validateRecipe()
    {
        QFETCH(slim::Recipe, recipe);
        QFETCH(QStringList, fragments);
        const auto valid = slim::validateRecipe(recipe);
        QVERIFY(!valid.has_value());
        QCOMPARE(valid.error().code, ErrorCode::InvalidArgument);
        const QString message = QString::fromStdString(valid.error().message);
        for (const QString& fragment : fragments)
            QVERIFY2(message.contains(fragment), qPrintable(QStringLiteral("'%1' not in: %2").arg(fragment, message)));
    }

    void names()
    {
        const auto kindOf = [](const slim::StepParams& params) { return (*slim::stepTypeOf(params))->kind(); };
        QCOMPARE(kindOf(slim::CleanupStep {}), std::string_view("cleanup"));
        QCOMPARE(kindOf(slim::PruneStep {}), std::string_view("prune"));
        QCOMPARE(kindOf(slim::QuantizeInt8Step {}), std::string_view("quantize"));
        QCOMPARE(kindOf(slim::QuantizeFp16Step {}), std::string_view("quantize"));
        QCOMPARE(kindOf(slim::SparseStorageStep {}), std::string_view("sparse_storage"));
        QCOMPARE(slim::describeStep(step(slim::PruneStep { 0.5, slim::PruneStep::Mode::Layer })),
            std::string("prune 50.0 % (per layer)"));
        QCOMPARE(slim::describeStep(step(slim::QuantizeInt8Step { true, true })),
            std::string("quantize int8 per-channel symmetric"));
        QCOMPARE(slim::describeStep(step(slim::QuantizeInt8Step { false, false })),
            std::string("quantize int8 per-tensor asymmetric"));
        QCOMPARE(slim::describeStep(step(slim::QuantizeFp16Step {})), std::string("quantize fp16"));
    }

    // Each registered type: a unique name, its defaults and every preset survive the JSON round trip, and
    // the JSON names the kind and (for a kind with several types) the type.
    void everyRegisteredTypeRoundTrips()
    {
        QVERIFY(!slim::stepTypes().empty());
        std::set<std::string_view> names;
        for (const slim::StepType* type : slim::stepTypes()) {
            QVERIFY2(names.insert(type->name()).second, type->name().data());
            QVERIFY(!type->title().empty() && !type->help().empty());
            QCOMPARE(type->defaults().name(), type->name());
            std::vector<slim::StepParams> values { type->defaults() };
            for (const auto& preset : type->presets()) {
                QCOMPARE(preset.params.name(), type->name());
                values.push_back(preset.params);
            }
            for (const auto& params : values) {
                const slim::Recipe recipe = recipeOf({ step(params, fullScope()) });
                const auto parsed = slim::parseRecipe(slim::recipeToJson(recipe));
                QVERIFY2(parsed && *parsed == recipe, qPrintable(describe(recipe) + errorOf(parsed)));
                const QJsonObject object
                    = QJsonDocument::fromJson(QByteArray::fromStdString(slim::recipeToJson(recipe)))
                          .object()
                          .value(u"steps")
                          .toArray()
                          .at(0)
                          .toObject();
                QCOMPARE(object.value(u"kind").toString().toStdString(), std::string(type->kind()));
                QCOMPARE(object.value(u"type").toString().toStdString(), std::string(type->variant()));
            }
        }
        // The kinds of this release, in the order the CLI's flags build a recipe.
        const std::vector<std::string_view> kinds = slim::stepKinds();
        QCOMPARE(kinds,
            (std::vector<std::string_view> {
                "cleanup", "prune", "prune_channels", "low_rank", "quantize", "sparse_storage" }));
    }

    void stepSpecs_data()
    {
        QTest::addColumn<QString>("spec");
        QTest::addColumn<int>("row"); // into the steps built in code in stepSpecs()
        QTest::newRow("cleanup") << "cleanup" << 0;
        QTest::newRow("prune:0.5") << "prune:0.5" << 1;
        QTest::newRow("prune:30%") << "prune:30%" << 2;
        QTest::newRow("quantize:int8") << "quantize:int8" << 3;
        QTest::newRow("int8 alone") << "int8" << 3;
        QTest::newRow("quantize alone") << "quantize" << 3;
        QTest::newRow("quantize:int8-per-tensor") << "quantize:int8-per-tensor" << 4;
        QTest::newRow("int8-asymmetric") << "int8-asymmetric" << 5;
        QTest::newRow("quantize:fp16") << "quantize:fp16" << 6;
        QTest::newRow("fp16 alone") << "fp16" << 6;
        QTest::newRow("sparse_storage:always") << "sparse_storage:always" << 7;
        QTest::newRow("sparse_storage") << "sparse_storage" << 8;
        QTest::newRow("low_rank:0.9") << "low_rank:0.9" << 9;
        QTest::newRow("low_rank:99%") << "low_rank:99%" << 10;
        QTest::newRow("prune_channels:0.25") << "prune_channels:0.25" << 11;
        QTest::newRow("prune_channels:zero") << "prune_channels:zero" << 12;
    }

    void stepSpecs()
    {
        QFETCH(QString, spec);
        QFETCH(int, row);
        const slim::StepParams expected[]
            = { slim::CleanupStep {}, slim::PruneStep { 0.5, slim::PruneStep::Mode::Layer },
                  slim::PruneStep { 0.3, slim::PruneStep::Mode::Layer }, slim::QuantizeInt8Step { true, true },
                  slim::QuantizeInt8Step { false, true }, slim::QuantizeInt8Step { true, false },
                  slim::QuantizeFp16Step {}, slim::SparseStorageStep { slim::SparseStorageStep::Policy::Always },
                  slim::SparseStorageStep { slim::SparseStorageStep::Policy::Auto }, slim::LowRankStep { 0.9 },
                  slim::LowRankStep { 0.99 }, slim::PruneChannelsStep { 0.25 },
                  slim::PruneChannelsStep {
                      0.3, slim::PruneChannelsStep::Criterion::L2, slim::PruneChannelsStep::Mode::Layer, 1, 1, true } };
        const auto parsed = slim::parseStepSpec(spec.toStdString());
        QVERIFY2(parsed.has_value(), qPrintable(errorOf(parsed)));
        QVERIFY2(*parsed == expected[row], qPrintable(QString::fromStdString(slim::describeStep(step(*parsed)))));
    }

    void badStepSpecs_data()
    {
        QTest::addColumn<QString>("spec");
        QTest::newRow("unknown") << "distill";
        QTest::newRow("unknown format") << "quantize:int3";
        QTest::newRow("int3 unknown") << "int3";
        QTest::newRow("prune out of range") << "prune:1.5";
        QTest::newRow("prune text") << "prune:half";
        QTest::newRow("low_rank above 1") << "low_rank:1.5";
        QTest::newRow("low_rank zero") << "low_rank:0";
        QTest::newRow("prune_channels all") << "prune_channels:1";
        QTest::newRow("preset of a one-type kind alone") << "always";
        QTest::newRow("empty") << "";
    }

    void badStepSpecs()
    {
        QFETCH(QString, spec);
        const auto parsed = slim::parseStepSpec(spec.toStdString());
        QVERIFY2(!parsed.has_value(), qPrintable(spec));
        QVERIFY2(QString::fromStdString(parsed.error().message).contains(spec.section(u':', -1)),
            qPrintable(QString::fromStdString(parsed.error().message)));
    }

    // Finding -> fix lives in core: which step, where, and limited to the finding's tensors.
    void findingFixes()
    {
        using Kind = slimscope::core::analysis::FindingKind;
        slimscope::core::analysis::Finding duplicate { Kind::DuplicateTensor, {}, 100, { "a", "b" }, {}, {}, {} };
        const slim::Recipe start = recipeOf({ step(slim::PruneStep {}) });
        const auto withCleanup = slim::withFix(start, duplicate);
        QVERIFY(withCleanup.has_value());
        QCOMPARE(withCleanup->steps.size(), std::size_t { 2 });
        QVERIFY(withCleanup->steps.front().params.is<slim::CleanupStep>());
        QVERIFY(withCleanup->steps.front().scope == slim::Scope {}); // cleanup works on the whole graph
        QCOMPARE(slim::withFix(*withCleanup, duplicate)->steps.size(), std::size_t { 2 }); // not twice

        slimscope::core::analysis::Finding zeros { Kind::DenseZeros, {}, 100, { "W" }, {}, {}, {} };
        const auto sparse = slim::withFix(start, zeros);
        QVERIFY(sparse.has_value());
        QCOMPARE(sparse->steps.size(), std::size_t { 2 });
        const slim::Step& added = sparse->steps.back();
        QVERIFY(added.params.is<slim::SparseStorageStep>());
        QCOMPARE(added.scope.tensors, std::vector<std::string> { "W" });
        QVERIFY(added.scope.onlyTensors);

        // zero_channels: exactly the channels whose output stays zero, of that weight's group only.
        slimscope::core::analysis::Finding channels { Kind::ZeroChannels, {}, 100, { "W" }, {}, {}, {} };
        const auto pruned = slim::withFix(start, channels);
        QVERIFY(pruned.has_value());
        const auto* zero = pruned->steps.back().params.as<slim::PruneChannelsStep>();
        QVERIFY(zero && zero->zeroOnly);
        QCOMPARE(pruned->steps.back().scope.tensors, std::vector<std::string> { "W" });
        QVERIFY(!zero->inputs);
        // dead_input_features: the same step, with the inputs' dead features too.
        const auto narrowed = slim::withFix(start, { Kind::DeadInputFeatures, {}, 100, { "W" }, {}, {}, {} });
        QVERIFY(narrowed.has_value());
        const auto* inputs = narrowed->steps.back().params.as<slim::PruneChannelsStep>();
        QVERIFY(inputs && inputs->zeroOnly && inputs->inputs);
        // low_rank: the step at the energy the finding measured, on that weight.
        const auto factored = slim::withFix(start, { Kind::LowRank, {}, 100, { "W" }, {}, {}, {} });
        QVERIFY(factored.has_value());
        const auto* lowRank = factored->steps.back().params.as<slim::LowRankStep>();
        QVERIFY(lowRank && lowRank->energy == 0.99);
        QCOMPARE(factored->steps.back().scope.tensors, std::vector<std::string> { "W" });
        QVERIFY(!slim::hasFix(Kind::LargeConstant));
        QVERIFY(!slim::withFix(start, { Kind::LargeConstant, {}, 0, { "W" }, {}, {}, {} }).has_value());
        for (const Kind kind : { Kind::DuplicateTensor, Kind::UnusedTensor, Kind::DeadNode, Kind::InitializerAsInput,
                 Kind::DenseZeros, Kind::Float64Weights, Kind::ZeroChannels, Kind::DeadInputFeatures, Kind::LowRank }) {
            const std::string name(slimscope::core::analysis::findingKindName(kind));
            QVERIFY2(slim::hasFix(kind), name.c_str());
            slimscope::core::analysis::Finding finding { kind, {}, 1, { "W" }, {}, {}, {} };
            QVERIFY2(slim::withFix(start, finding).has_value(), name.c_str());
        }
    }

    // Parameters that are not of a registered type are refused by name, not described or written silently.
    void unregisteredParametersAreRefused()
    {
        const slim::Recipe recipe = recipeOf({ step(slim::CleanupStep {}), step(Unknown {}) });
        const auto valid = slim::validateRecipe(recipe);
        QVERIFY(!valid.has_value());
        QVERIFY2(QString::fromStdString(valid.error().message).contains(u"'distill'"), valid.error().message.c_str());
        QVERIFY(QString::fromStdString(valid.error().message).contains(u"step 2"));
        QVERIFY_THROWS_EXCEPTION(std::logic_error, slim::recipeToJson(recipe));
        QVERIFY(QString::fromStdString(slim::describeStep(step(Unknown {}))).contains(u"distill"));
    }
};

QTEST_GUILESS_MAIN(TestRecipe)
#include "tst_recipe.moc"
