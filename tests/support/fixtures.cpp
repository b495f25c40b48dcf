#include "fixtures.hpp"

#include <zip.h>

#include <sstream>
#include <stdexcept>

namespace agentd::testing {

std::string make_pdf(const std::vector<std::string>& pages) {
  std::vector<std::string> objects;
  const int n = static_cast<int>(pages.size());
  // 1: catalog, 2: pages, 3: font, then per page: page object, content stream.
  objects.push_back("<< /Type /Catalog /Pages 2 0 R >>");
  std::string kids;
  for (int i = 0; i < n; ++i) kids += std::to_string(4 + 2 * i) + " 0 R ";
  objects.push_back("<< /Type /Pages /Kids [" + kids + "] /Count " + std::to_string(n) + " >>");
  objects.push_back("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>");
  for (int i = 0; i < n; ++i) {
    objects.push_back("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
                      "/Contents " + std::to_string(5 + 2 * i) + " 0 R >>");
    const std::string stream = "BT /F1 12 Tf 72 720 Td (" + pages[i] + ") Tj ET";
    objects.push_back("<< /Length " + std::to_string(stream.size()) + " >>\nstream\n" + stream + "\nendstream");
  }
  std::string out = "%PDF-1.4\n";
  std::vector<std::size_t> offsets;
  for (std::size_t i = 0; i < objects.size(); ++i) {
    offsets.push_back(out.size());
    out += std::to_string(i + 1) + " 0 obj\n" + objects[i] + "\nendobj\n";
  }
  const std::size_t xref = out.size();
  out += "xref\n0 " + std::to_string(objects.size() + 1) + "\n0000000000 65535 f \n";
  for (auto off : offsets) {
    char line[32];
    std::snprintf(line, sizeof line, "%010zu 00000 n \n", off);
    out += line;
  }
  out += "trailer\n<< /Size " + std::to_string(objects.size() + 1) + " /Root 1 0 R >>\nstartxref\n" +
         std::to_string(xref) + "\n%%EOF\n";
  return out;
}

std::string make_zip(const std::vector<std::pair<std::string, std::string>>& entries) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* buffer = zip_source_buffer_create(nullptr, 0, 0, &error);
  zip_t* z = zip_open_from_source(buffer, ZIP_TRUNCATE, &error);
  if (!z) throw std::runtime_error("zip_open_from_source failed");
  zip_source_keep(buffer);
  // libzip reads the entries' buffers at zip_close: `entries` outlives it.
  for (const auto& [name, content] : entries) {
    zip_source_t* src = zip_source_buffer(z, content.data(), content.size(), 0);
    if (zip_file_add(z, name.c_str(), src, ZIP_FL_ENC_UTF_8) < 0) throw std::runtime_error("zip_file_add failed");
  }
  if (zip_close(z) != 0) throw std::runtime_error("zip_close failed");
  zip_source_open(buffer);
  zip_source_seek(buffer, 0, SEEK_END);
  const auto size = zip_source_tell(buffer);
  zip_source_seek(buffer, 0, SEEK_SET);
  std::string out(static_cast<std::size_t>(size), '\0');
  zip_source_read(buffer, out.data(), static_cast<zip_uint64_t>(size));
  zip_source_close(buffer);
  zip_source_free(buffer);
  return out;
}

namespace {
std::string xml_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else out.push_back(c);
  }
  return out;
}
const char* kContentTypes = R"(<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>)";
}  // namespace

std::string make_docx(const std::vector<std::pair<std::string, std::string>>& paragraphs,
                      const std::vector<std::vector<std::string>>& table) {
  std::string body;
  for (const auto& [style, text] : paragraphs) {
    body += "<w:p>";
    if (!style.empty()) body += "<w:pPr><w:pStyle w:val=\"" + style + "\"/></w:pPr>";
    body += "<w:r><w:t>" + xml_escape(text) + "</w:t></w:r></w:p>";
  }
  if (!table.empty()) {
    body += "<w:tbl>";
    for (const auto& row : table) {
      body += "<w:tr>";
      for (const auto& cell : row) body += "<w:tc><w:p><w:r><w:t>" + xml_escape(cell) + "</w:t></w:r></w:p></w:tc>";
      body += "</w:tr>";
    }
    body += "</w:tbl>";
  }
  const std::string document =
      R"(<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>)" +
      body + "</w:body></w:document>";
  return make_zip({{"[Content_Types].xml", kContentTypes}, {"word/document.xml", document}});
}

std::string make_pptx(const std::vector<SlideSpec>& slides) {
  const std::string ns =
      R"(xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships")";
  std::vector<std::pair<std::string, std::string>> entries{{"[Content_Types].xml", kContentTypes}};
  std::string ids, rels;
  const int n = static_cast<int>(slides.size());
  for (int i = 0; i < n; ++i) {
    const int file_no = n - i;  // presentation order differs from file order
    ids += "<p:sldId id=\"" + std::to_string(256 + i) + "\" r:id=\"rId" + std::to_string(i + 1) + "\"/>";
    rels += "<Relationship Id=\"rId" + std::to_string(i + 1) +
            "\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/slide\" Target=\"slides/slide" +
            std::to_string(file_no) + ".xml\"/>";
    const auto& s = slides[i];
    auto shape = [&](const std::string& type, const std::string& text) {
      return "<p:sp><p:nvSpPr><p:cNvPr id=\"1\" name=\"s\"/><p:cNvSpPr/><p:nvPr>" +
             (type.empty() ? std::string() : "<p:ph type=\"" + type + "\"/>") +
             "</p:nvPr></p:nvSpPr><p:txBody><a:p><a:r><a:t>" + xml_escape(text) + "</a:t></a:r></a:p></p:txBody></p:sp>";
    };
    entries.push_back({"ppt/slides/slide" + std::to_string(file_no) + ".xml",
                       "<?xml version=\"1.0\" encoding=\"UTF-8\"?><p:sld " + ns + "><p:cSld><p:spTree>" +
                           shape("title", s.title) + shape("", s.body) + "</p:spTree></p:cSld></p:sld>"});
    if (!s.notes.empty()) {
      entries.push_back({"ppt/slides/_rels/slide" + std::to_string(file_no) + ".xml.rels",
                         R"(<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/notesSlide" Target="../notesSlides/notesSlide)" +
                             std::to_string(file_no) + R"(.xml"/></Relationships>)"});
      entries.push_back({"ppt/notesSlides/notesSlide" + std::to_string(file_no) + ".xml",
                         "<?xml version=\"1.0\" encoding=\"UTF-8\"?><p:notes " + ns + "><p:cSld><p:spTree>" +
                             shape("body", s.notes) + "</p:spTree></p:cSld></p:notes>"});
    }
  }
  entries.push_back({"ppt/presentation.xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><p:presentation " + ns +
                                                 "><p:sldIdLst>" + ids + "</p:sldIdLst></p:presentation>"});
  entries.push_back({"ppt/_rels/presentation.xml.rels",
                     R"(<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">)" +
                         rels + "</Relationships>"});
  return make_zip(entries);
}

}  // namespace agentd::testing
