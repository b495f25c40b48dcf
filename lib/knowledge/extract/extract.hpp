// Text extraction from uploaded files, with the location each piece came from. Pure functions of
// the bytes: they run on the CPU pool. Hostile input is bounded (zip entries and expansion, XML
// depth, PDF pages, invalid UTF-8); a file that cannot be read throws ExtractError with a
// message meant for a person ("DOCX is not a valid zip archive").
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace agentd::knowledge {

enum class FileType { pdf, docx, pptx, txt, html, json, jsonl, markdown };

struct ExtractError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A run of text from one place: a page, a slide, a line, under a heading.
struct Section {
  std::string text;
  std::optional<int> page, slide, line;
  std::string heading;
  bool record = false;  // a unit of its own (a JSONL line): never packed with its neighbours
};

// ".pdf" -> pdf ...; nullopt for anything else. `extension` is lower-case with the dot.
std::optional<FileType> file_type_for_extension(std::string_view extension);
const char* mime_type(FileType type);
// Lower-cased extension with its dot ("Report.PDF" -> ".pdf"); empty when there is none.
std::string extension_of(std::string_view filename);

std::vector<Section> extract(FileType type, std::string_view bytes);

// The pieces, exposed for tests.
std::vector<Section> extract_text(std::string_view bytes);
std::vector<Section> extract_markdown(std::string_view bytes);
std::vector<Section> extract_html(std::string_view bytes);
std::vector<Section> extract_json(std::string_view bytes);
std::vector<Section> extract_jsonl(std::string_view bytes);
std::vector<Section> extract_pdf(std::string_view bytes);
std::vector<Section> extract_docx(std::string_view bytes);
std::vector<Section> extract_pptx(std::string_view bytes);

// Valid UTF-8, with each invalid sequence replaced by U+FFFD.
std::string sanitize_utf8(std::string_view bytes);

}  // namespace agentd::knowledge
