#pragma once

// The report's sections, one registration each: what a section shows (tables, text, code, charts) built once from
// the report's input, and rendered by every document writer (HTML, Markdown here; the PDF in ui/reports). A new
// section is one entry in reportsections.cpp; no writer needs an edit.

#include "reportcontent.h"

#include <functional>
#include <string>
#include <vector>

namespace slimscope::core::report::detail {

/// What the sections are built for: Markdown lists the largest layers only, the others every layer.
enum class Medium { Html, Markdown, Pdf };

struct Block {
    enum class Kind {
        Table, ///< `table`
        Paragraph, ///< `text`
        Code, ///< `text`, preformatted (the recipe's JSON)
        Charts, ///< the writer's charts go here
        Details, ///< `text` as a summary line, then `table` (collapsible in HTML)
        List, ///< `items`
    };
    Kind kind = Kind::Paragraph;
    Table table;
    std::string text;
    std::vector<std::string> items;
};

struct Section {
    std::string id; ///< "summary"
    std::string title; ///< empty: no heading (the identity table under the document's title)
    int level = 2; ///< 2 or 3
    std::vector<Block> blocks;
};

struct SectionEntry {
    const char* id;
    /// Appends the section (or nothing, when it does not apply to this input) to `out`.
    std::function<void(const ReportInput& input, Medium medium, std::vector<Section>& out)> add;
};

/// Every section, in document order.
const std::vector<SectionEntry>& reportSectionEntries();
/// The sections of `input`'s report for `medium`.
std::vector<Section> reportSections(const ReportInput& input, Medium medium);

} // namespace slimscope::core::report::detail
