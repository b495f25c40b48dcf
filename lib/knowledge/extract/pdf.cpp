// PDF with poppler-cpp, one section per page.
#include "knowledge/extract/extract.hpp"

#include <poppler-document.h>
#include <poppler-global.h>
#include <poppler-page.h>

#include <memory>

namespace agentd::knowledge {
namespace {
constexpr int kMaxPages = 2000;

// poppler prints diagnostics for broken files to stderr; they are errors we report ourselves.
void quiet(const std::string&, void*) {}
}  // namespace

std::vector<Section> extract_pdf(std::string_view bytes) {
  static const bool silenced = (poppler::set_debug_error_function(quiet, nullptr), true);
  (void)silenced;
  if (bytes.substr(0, 5) != "%PDF-") throw ExtractError("The file is not a PDF (no %PDF header)");
  poppler::byte_array data(bytes.begin(), bytes.end());
  std::unique_ptr<poppler::document> doc(poppler::document::load_from_raw_data(data.data(), static_cast<int>(data.size())));
  if (!doc) throw ExtractError("PDF could not be read: the file is corrupt");
  if (doc->is_locked()) throw ExtractError("PDF is encrypted");
  const int pages = doc->pages();
  if (pages > kMaxPages) throw ExtractError("PDF has more than 2000 pages");
  std::vector<Section> out;
  for (int i = 0; i < pages; ++i) {
    std::unique_ptr<poppler::page> page(doc->create_page(i));
    if (!page) continue;
    const auto utf8 = page->text().to_utf8();
    std::string text = sanitize_utf8(std::string_view(utf8.data(), utf8.size()));
    if (text.find_first_not_of(" \t\r\n\f") == std::string::npos) continue;
    out.push_back({std::move(text), i + 1, std::nullopt, std::nullopt, ""});
  }
  return out;
}

}  // namespace agentd::knowledge
