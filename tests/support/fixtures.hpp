// Test documents made by the tests themselves: a PDF with real pages, DOCX and PPTX archives,
// and hostile variants of each.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace agentd::testing {

// A valid PDF with one page per string (Helvetica text).
std::string make_pdf(const std::vector<std::string>& pages);
// A zip archive of (name, content) entries, deflated.
std::string make_zip(const std::vector<std::pair<std::string, std::string>>& entries);
// paragraphs: (style, text) with style "" or "Heading1"; table rows as cells.
std::string make_docx(const std::vector<std::pair<std::string, std::string>>& paragraphs,
                      const std::vector<std::vector<std::string>>& table = {});
// slides: (title, body, notes) in presentation order; files are named in reverse order so that
// file order and presentation order differ.
struct SlideSpec {
  std::string title, body, notes;
};
std::string make_pptx(const std::vector<SlideSpec>& slides);

}  // namespace agentd::testing
