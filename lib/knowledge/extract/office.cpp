// DOCX and PPTX: zip archives of XML, read with libzip and pugixml under fixed bounds.
#include "knowledge/extract/extract.hpp"

#include <pugixml.hpp>
#include <zip.h>

#include <algorithm>
#include <map>
#include <memory>

namespace agentd::knowledge {
namespace {

constexpr zip_int64_t kMaxEntries = 10'000;
constexpr zip_uint64_t kMaxEntryBytes = 64 * 1024 * 1024;   // one XML part, uncompressed
constexpr zip_uint64_t kMaxTotalBytes = 256 * 1024 * 1024;  // everything we read
constexpr double kMaxRatio = 200.0;                         // uncompressed / compressed
constexpr int kMaxXmlDepth = 256;

class Archive {
 public:
  Archive(std::string_view bytes, const char* kind) : kind_(kind) {
    zip_error_t error;
    zip_error_init(&error);
    // Owned from the moment each is acquired: the source until the archive takes it over.
    std::unique_ptr<zip_source_t, decltype(&zip_source_free)> src(zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error),
                                                                  &zip_source_free);
    if (src) zip_.reset(zip_open_from_source(src.get(), ZIP_RDONLY, &error));
    zip_error_fini(&error);
    if (!zip_) throw ExtractError(std::string(kind) + " is not a valid zip archive");
    src.release();  // the archive frees its source
    if (zip_get_num_entries(zip_.get(), 0) > kMaxEntries)
      throw ExtractError(std::string(kind) + " has too many entries in its archive");
  }

  bool has(const std::string& name) const { return zip_name_locate(zip_.get(), name.c_str(), 0) >= 0; }

  std::string read(const std::string& name) {
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat(zip_.get(), name.c_str(), 0, &st) != 0) throw ExtractError(std::string(kind_) + " is missing " + name);
    if (st.size > kMaxEntryBytes || (st.comp_size > 0 && static_cast<double>(st.size) / st.comp_size > kMaxRatio) ||
        total_ + st.size > kMaxTotalBytes)
      throw ExtractError(std::string(kind_) + " expands too much when unpacked (a zip bomb?)");
    total_ += st.size;
    std::unique_ptr<zip_file_t, decltype(&zip_fclose)> f(zip_fopen(zip_.get(), name.c_str(), 0), &zip_fclose);
    if (!f) throw ExtractError(std::string(kind_) + " could not be unpacked: " + name);
    std::string out(st.size, '\0');
    zip_int64_t got = 0;
    while (got < static_cast<zip_int64_t>(st.size)) {
      const zip_int64_t n = zip_fread(f.get(), out.data() + got, st.size - got);
      if (n <= 0) throw ExtractError(std::string(kind_) + " is damaged: " + name + " cannot be read");
      got += n;
    }
    return out;
  }

 private:
  const char* kind_;
  std::unique_ptr<zip_t, decltype(&zip_discard)> zip_{nullptr, &zip_discard};
  zip_uint64_t total_ = 0;
};

pugi::xml_document parse_xml(const std::string& xml, const char* kind, const std::string& part) {
  // pugixml parses without recursion, but we walk the tree; refuse absurd nesting up front.
  int depth = 0, max_depth = 0;
  for (std::size_t i = 0; i + 1 < xml.size(); ++i) {
    if (xml[i] != '<') continue;
    if (xml[i + 1] == '/') --depth;
    else if (xml[i + 1] != '?' && xml[i + 1] != '!') {
      const std::size_t gt = xml.find('>', i);
      if (gt != std::string::npos && gt > 0 && xml[gt - 1] != '/') max_depth = std::max(max_depth, ++depth);
    }
  }
  if (max_depth > kMaxXmlDepth) throw ExtractError(std::string(kind) + " has XML nested too deeply in " + part);
  pugi::xml_document doc;
  if (!doc.load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_utf8))
    throw ExtractError(std::string(kind) + " has malformed XML in " + part);
  return doc;
}

// Concatenated text of every descendant element named `text_tag` (w:t, a:t), with tabs/breaks.
std::string text_of(const pugi::xml_node& node, const char* text_tag) {
  std::string out;
  for (auto it = node.begin(); it != node.end(); ++it) {
    // Iterative walk over the subtree.
    std::vector<pugi::xml_node> stack{*it};
    while (!stack.empty()) {
      pugi::xml_node n = stack.back();
      stack.pop_back();
      const std::string_view name = n.name();
      if (name == text_tag) out += n.text().get();
      else if (name == "w:tab") out.push_back('\t');
      else if (name == "w:br" || name == "a:br") out.push_back('\n');
      std::vector<pugi::xml_node> children(n.begin(), n.end());
      for (auto c = children.rbegin(); c != children.rend(); ++c) stack.push_back(*c);
    }
  }
  return out;
}

std::string relationship_target(const pugi::xml_document& rels, const std::string& id) {
  for (auto r : rels.child("Relationships").children("Relationship"))
    if (id == r.attribute("Id").value()) return r.attribute("Target").value();
  return {};
}

// "slides/slide1.xml" relative to "ppt/" -> "ppt/slides/slide1.xml"; "../notesSlides/x.xml" too.
std::string resolve(const std::string& base_dir, const std::string& target) {
  if (!target.empty() && target[0] == '/') return target.substr(1);
  std::string dir = base_dir, t = target;
  while (t.rfind("../", 0) == 0) {
    t = t.substr(3);
    if (!dir.empty()) dir.pop_back();
    dir = dir.substr(0, dir.rfind('/') + 1);
  }
  return dir + t;
}

}  // namespace

std::vector<Section> extract_docx(std::string_view bytes) {
  Archive zip(bytes, "DOCX");
  if (!zip.has("word/document.xml")) throw ExtractError("DOCX has no word/document.xml: not a Word document");
  const auto doc = parse_xml(zip.read("word/document.xml"), "DOCX", "word/document.xml");
  pugi::xml_node body = doc.child("w:document").child("w:body");
  std::vector<Section> out;
  std::string heading;
  for (pugi::xml_node block : body.children()) {
    const std::string_view name = block.name();
    if (name == "w:p") {
      std::string text = text_of(block, "w:t");
      if (text.find_first_not_of(" \t\n") == std::string::npos) continue;
      const std::string style = block.child("w:pPr").child("w:pStyle").attribute("w:val").value();
      if (style.rfind("Heading", 0) == 0 || style == "Title") {
        heading = text;
      }
      out.push_back({std::move(text), std::nullopt, std::nullopt, std::nullopt, heading});
    } else if (name == "w:tbl") {
      std::string table;
      for (pugi::xml_node row : block.children("w:tr")) {
        std::string line;
        for (pugi::xml_node cell : row.children("w:tc")) {
          if (!line.empty()) line += " | ";
          line += text_of(cell, "w:t");
        }
        table += line + "\n";
      }
      if (!table.empty()) out.push_back({std::move(table), std::nullopt, std::nullopt, std::nullopt, heading});
    }
  }
  return out;
}

std::vector<Section> extract_pptx(std::string_view bytes) {
  Archive zip(bytes, "PPTX");
  if (!zip.has("ppt/presentation.xml")) throw ExtractError("PPTX has no ppt/presentation.xml: not a presentation");
  const auto pres = parse_xml(zip.read("ppt/presentation.xml"), "PPTX", "ppt/presentation.xml");
  const auto rels = parse_xml(zip.read("ppt/_rels/presentation.xml.rels"), "PPTX", "ppt/_rels/presentation.xml.rels");
  std::vector<Section> out;
  int number = 0;
  // Slides in presentation order (sldIdLst), not in file-name order.
  for (pugi::xml_node id : pres.child("p:presentation").child("p:sldIdLst").children("p:sldId")) {
    ++number;
    const std::string part = resolve("ppt/", relationship_target(rels, id.attribute("r:id").value()));
    if (part.empty() || !zip.has(part)) continue;
    const auto slide = parse_xml(zip.read(part), "PPTX", part);
    std::string title, text;
    for (pugi::xml_node sp : slide.child("p:sld").child("p:cSld").child("p:spTree").children()) {
      for (auto p : sp.select_nodes(".//a:p")) {
        std::string line = text_of(p.node(), "a:t");
        if (line.find_first_not_of(" \t\n") == std::string::npos) continue;
        const std::string type = sp.child("p:nvSpPr").child("p:nvPr").child("p:ph").attribute("type").value();
        if (title.empty() && (type == "title" || type == "ctrTitle")) title = line;
        text += line + "\n";
      }
    }
    // Speaker notes, through the slide's relationships.
    const std::string slide_dir = part.substr(0, part.rfind('/') + 1);
    const std::string slide_rels = slide_dir + "_rels/" + part.substr(part.rfind('/') + 1) + ".rels";
    if (zip.has(slide_rels)) {
      const auto srels = parse_xml(zip.read(slide_rels), "PPTX", slide_rels);
      for (auto r : srels.child("Relationships").children("Relationship")) {
        if (std::string_view(r.attribute("Type").value()).find("notesSlide") == std::string_view::npos) continue;
        const std::string notes_part = resolve(slide_dir, r.attribute("Target").value());
        if (!zip.has(notes_part)) continue;
        const auto notes = parse_xml(zip.read(notes_part), "PPTX", notes_part);
        std::string notes_text;
        for (auto sp : notes.select_nodes("//p:sp")) {
          const std::string type = sp.node().child("p:nvSpPr").child("p:nvPr").child("p:ph").attribute("type").value();
          if (type != "body") continue;
          for (auto p : sp.node().select_nodes(".//a:p")) {
            std::string line = text_of(p.node(), "a:t");
            if (line.find_first_not_of(" \t\n") != std::string::npos) notes_text += line + "\n";
          }
        }
        if (!notes_text.empty()) text += "Notes: " + notes_text;
      }
    }
    if (text.empty()) continue;
    out.push_back({sanitize_utf8(text), std::nullopt, number, std::nullopt, title});
  }
  return out;
}

}  // namespace agentd::knowledge
