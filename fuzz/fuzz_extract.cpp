// The extractors and the chunker on hostile files: the first byte picks the format (PDF, DOCX,
// PPTX, HTML, JSON, JSONL, Markdown, text). Anything may be refused with ExtractError; nothing
// may crash, and every chunk is valid UTF-8.
#include "knowledge/chunker.hpp"
#include "knowledge/extract/extract.hpp"

#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace agentd::knowledge;
  if (size < 1) return 0;
  static const FileType types[] = {FileType::pdf,  FileType::docx,  FileType::pptx,     FileType::html,
                                   FileType::json, FileType::jsonl, FileType::markdown, FileType::txt};
  const FileType type = types[data[0] % 8];
  const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  try {
    const auto sections = extract(type, bytes);
    for (const auto& chunk : chunk_sections(sections, 800, 120)) {
      // Valid UTF-8 without NUL bytes: sanitizing changes nothing ("." defeats the leading-BOM skip).
      if (sanitize_utf8("." + chunk.text) != "." + chunk.text) __builtin_trap();
    }
  } catch (const ExtractError&) {
  }
  return 0;
}
