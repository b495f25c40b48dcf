// File types, UTF-8 sanitizing and the dispatch to each extractor.
#include "knowledge/extract/extract.hpp"

#include <cctype>

namespace agentd::knowledge {

std::optional<FileType> file_type_for_extension(std::string_view ext) {
  if (ext == ".pdf") return FileType::pdf;
  if (ext == ".docx") return FileType::docx;
  if (ext == ".pptx") return FileType::pptx;
  if (ext == ".txt") return FileType::txt;
  if (ext == ".html" || ext == ".htm") return FileType::html;
  if (ext == ".json") return FileType::json;
  if (ext == ".jsonl") return FileType::jsonl;
  if (ext == ".md" || ext == ".markdown") return FileType::markdown;
  return std::nullopt;
}

const char* mime_type(FileType type) {
  switch (type) {
    case FileType::pdf: return "application/pdf";
    case FileType::docx: return "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
    case FileType::pptx: return "application/vnd.openxmlformats-officedocument.presentationml.presentation";
    case FileType::txt: return "text/plain";
    case FileType::html: return "text/html";
    case FileType::json: return "application/json";
    case FileType::jsonl: return "application/x-ndjson";
    case FileType::markdown: return "text/markdown";
  }
  return "application/octet-stream";
}

std::string extension_of(std::string_view filename) {
  const auto dot = filename.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || filename.find('/', dot) != std::string_view::npos) return {};
  std::string ext(filename.substr(dot));
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

std::string sanitize_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  // Skip a byte-order mark.
  if (s.substr(0, 3) == "\xEF\xBB\xBF") i = 3;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    bool ok = len > 0 && i + len <= s.size();
    for (std::size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(s[i + k]) >> 6) == 0x2;
    if (ok && len > 1) {
      // Reject overlong forms, surrogates and code points past U+10FFFF.
      unsigned cp = c & (0x7F >> len);
      for (std::size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
      ok = !((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
             (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF);
    }
    if (ok && c == 0) ok = false;  // NUL bytes are not text
    if (!ok) {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    out.append(s.substr(i, len));
    i += len;
  }
  return out;
}

std::vector<Section> extract(FileType type, std::string_view bytes) {
  if (bytes.empty()) throw ExtractError("The file is empty");
  std::vector<Section> sections;
  switch (type) {
    case FileType::pdf: sections = extract_pdf(bytes); break;
    case FileType::docx: sections = extract_docx(bytes); break;
    case FileType::pptx: sections = extract_pptx(bytes); break;
    case FileType::txt: sections = extract_text(bytes); break;
    case FileType::html: sections = extract_html(bytes); break;
    case FileType::json: sections = extract_json(bytes); break;
    case FileType::jsonl: sections = extract_jsonl(bytes); break;
    case FileType::markdown: sections = extract_markdown(bytes); break;
  }
  // Whatever a format lets through (raw bytes in a DOCX's XML text, found by fuzz_extract), the
  // index and the answers only ever see valid UTF-8.
  for (auto& s : sections) {
    if (sanitize_utf8("." + s.text) != "." + s.text) s.text = sanitize_utf8(s.text);
    if (sanitize_utf8("." + s.heading) != "." + s.heading) s.heading = sanitize_utf8(s.heading);
  }
  if (sections.empty()) {
    if (type == FileType::pdf) throw ExtractError("PDF has no extractable text");
    throw ExtractError("The file contains no text");
  }
  return sections;
}

}  // namespace agentd::knowledge
