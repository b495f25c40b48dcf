// Plain text, Markdown, HTML, JSON and JSONL.
#include "knowledge/extract/extract.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <map>

namespace agentd::knowledge {
namespace json = boost::json;
namespace {

constexpr std::size_t kMaxJsonDepth = 64;

void trim(std::string& s) {
  const auto not_space = [](unsigned char c) { return !std::isspace(c); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
}

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    out.push_back(line);
    start = end + 1;
  }
  return out;
}

// Paragraphs (runs of non-blank lines) with the line they start on.
void paragraphs(std::string_view text, int first_line, const std::string& heading, std::vector<Section>& out) {
  const auto lines = lines_of(text);
  std::string current;
  int start = 0;
  for (std::size_t i = 0; i <= lines.size(); ++i) {
    const bool blank = i == lines.size() || std::all_of(lines[i].begin(), lines[i].end(),
                                                         [](unsigned char c) { return std::isspace(c); });
    if (blank) {
      trim(current);
      if (!current.empty()) out.push_back({current, std::nullopt, std::nullopt, start, heading});
      current.clear();
      continue;
    }
    if (current.empty()) start = first_line + static_cast<int>(i);
    else current.push_back('\n');
    current.append(lines[i]);
  }
}

void flatten(const json::value& v, const std::string& path, std::string& out, std::size_t depth) {
  if (depth > kMaxJsonDepth) throw ExtractError("JSON is nested more than 64 levels deep");
  switch (v.kind()) {
    case json::kind::object:
      for (const auto& kv : v.as_object())
        flatten(kv.value(), path.empty() ? std::string(kv.key()) : path + "." + std::string(kv.key()), out, depth + 1);
      break;
    case json::kind::array: {
      std::size_t i = 0;
      for (const auto& e : v.as_array()) flatten(e, path + "[" + std::to_string(i++) + "]", out, depth + 1);
      break;
    }
    case json::kind::string:
      out += (path.empty() ? "" : path + ": ") + std::string(v.as_string()) + "\n";
      break;
    case json::kind::null:
      break;
    default:
      out += (path.empty() ? "" : path + ": ") + json::serialize(v) + "\n";
  }
}

json::value parse_json(std::string_view text, const std::string& what) {
  json::parse_options opts;
  opts.max_depth = kMaxJsonDepth;
  json::error_code ec;
  json::value v = json::parse(text, ec, {}, opts);
  if (ec == json::error::too_deep) throw ExtractError(what + " is nested more than 64 levels deep");
  if (ec) throw ExtractError(what + " is not valid JSON: " + ec.message());
  return v;
}

std::string decode_entities(std::string_view s) {
  static const std::map<std::string, std::string, std::less<>> named = {
      {"amp", "&"}, {"lt", "<"}, {"gt", ">"}, {"quot", "\""}, {"apos", "'"}, {"nbsp", " "}, {"mdash", "—"},
      {"ndash", "–"}, {"hellip", "…"}, {"copy", "©"}, {"rsquo", "’"}, {"lsquo", "‘"}, {"ldquo", "“"}, {"rdquo", "”"}};
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out.push_back(s[i]);
      continue;
    }
    const std::size_t semi = s.find(';', i);
    if (semi == std::string_view::npos || semi - i > 10) {
      out.push_back('&');
      continue;
    }
    std::string_view name = s.substr(i + 1, semi - i - 1);
    unsigned long code = 0;
    bool numeric = false;
    if (!name.empty() && name[0] == '#') {
      numeric = true;
      const bool hex = name.size() > 1 && (name[1] == 'x' || name[1] == 'X');
      try {
        code = std::stoul(std::string(name.substr(hex ? 2 : 1)), nullptr, hex ? 16 : 10);
      } catch (...) {
        numeric = false;
      }
    }
    if (numeric && code > 0 && code < 0x110000) {
      // Encode as UTF-8.
      if (code < 0x80) out.push_back(static_cast<char>(code));
      else if (code < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (code >> 6)));
        out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
      } else if (code < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (code >> 12)));
        out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
      } else {
        out.push_back(static_cast<char>(0xF0 | (code >> 18)));
        out.push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
      }
      i = semi;
    } else if (auto it = named.find(name); it != named.end()) {
      out += it->second;
      i = semi;
    } else {
      out.push_back('&');
    }
  }
  return out;
}

}  // namespace

std::vector<Section> extract_text(std::string_view bytes) {
  std::vector<Section> out;
  paragraphs(sanitize_utf8(bytes), 1, "", out);
  return out;
}

std::vector<Section> extract_markdown(std::string_view bytes) {
  const std::string text = sanitize_utf8(bytes);
  const auto lines = lines_of(text);
  std::vector<Section> out;
  std::string heading, body;
  int body_start = 1;
  bool fenced = false;
  auto flush = [&] {
    paragraphs(body, body_start, heading, out);
    body.clear();
  };
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    if (line.substr(0, 3) == "```" || line.substr(0, 3) == "~~~") fenced = !fenced;
    std::size_t hashes = 0;
    while (!fenced && hashes < line.size() && line[hashes] == '#') ++hashes;
    if (hashes >= 1 && hashes <= 6 && (hashes == line.size() || line[hashes] == ' ')) {
      flush();
      heading = std::string(line.substr(hashes));
      while (!heading.empty() && heading.back() == '#') heading.pop_back();
      trim(heading);
      // The heading is searchable text too.
      out.push_back({heading, std::nullopt, std::nullopt, static_cast<int>(i) + 1, heading});
      body_start = static_cast<int>(i) + 2;
      continue;
    }
    if (body.empty()) body_start = static_cast<int>(i) + 1;
    body.append(line);
    body.push_back('\n');
  }
  flush();
  std::erase_if(out, [](const Section& s) { return s.text.empty(); });
  return out;
}

std::vector<Section> extract_html(std::string_view bytes) {
  const std::string html = sanitize_utf8(bytes);
  std::vector<Section> out;
  std::string heading, text, heading_text;
  bool in_heading = false;
  auto flush = [&] {
    std::string t = decode_entities(text);
    // Collapse runs of whitespace.
    std::string collapsed;
    bool space = false;
    for (char c : t) {
      if (std::isspace(static_cast<unsigned char>(c))) {
        if (c == '\n' && !collapsed.empty() && collapsed.back() != '\n') collapsed.push_back('\n');
        space = true;
        continue;
      }
      if (space && !collapsed.empty() && collapsed.back() != '\n') collapsed.push_back(' ');
      space = false;
      collapsed.push_back(c);
    }
    trim(collapsed);
    if (!collapsed.empty()) out.push_back({collapsed, std::nullopt, std::nullopt, std::nullopt, heading});
    text.clear();
  };
  std::size_t i = 0;
  while (i < html.size()) {
    if (html[i] != '<') {
      (in_heading ? heading_text : text).push_back(html[i++]);
      continue;
    }
    if (html.compare(i, 4, "<!--") == 0) {
      const std::size_t end = html.find("-->", i + 4);
      i = end == std::string::npos ? html.size() : end + 3;
      continue;
    }
    const std::size_t close = html.find('>', i);
    if (close == std::string::npos) break;
    std::string tag = html.substr(i + 1, close - i - 1);
    const bool closing = !tag.empty() && tag[0] == '/';
    std::string name;
    for (std::size_t k = closing ? 1 : 0; k < tag.size() && (std::isalnum(static_cast<unsigned char>(tag[k]))); ++k)
      name.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(tag[k]))));
    i = close + 1;
    if (!closing && (name == "script" || name == "style" || name == "noscript" || name == "template")) {
      const std::string end_tag = "</" + name;
      std::size_t end = i;
      while (true) {
        end = html.find("</", end);
        if (end == std::string::npos) break;
        std::string candidate = html.substr(end, end_tag.size());
        std::transform(candidate.begin(), candidate.end(), candidate.begin(), [](unsigned char c) { return std::tolower(c); });
        if (candidate == end_tag) break;
        end += 2;
      }
      const std::size_t gt = end == std::string::npos ? std::string::npos : html.find('>', end);
      i = gt == std::string::npos ? html.size() : gt + 1;
      continue;
    }
    const bool is_heading = name.size() == 2 && name[0] == 'h' && name[1] >= '1' && name[1] <= '6';
    if (is_heading && !closing) {
      flush();
      in_heading = true;
      heading_text.clear();
    } else if (is_heading && closing && in_heading) {
      in_heading = false;
      heading = decode_entities(heading_text);
      trim(heading);
      text = heading_text + "\n";
      flush();
    } else if (name == "p" || name == "div" || name == "br" || name == "li" || name == "tr" || name == "section" ||
               name == "article" || name == "table" || name == "ul" || name == "ol" || name == "blockquote" ||
               name == "pre" || name == "td" || name == "th") {
      (in_heading ? heading_text : text).push_back(name == "td" || name == "th" ? ' ' : '\n');
      if (!closing && (name == "p" || name == "section" || name == "article" || name == "table")) flush();
    }
  }
  flush();
  return out;
}

std::vector<Section> extract_json(std::string_view bytes) {
  const json::value v = parse_json(sanitize_utf8(bytes), "JSON file");
  std::string flat;
  flatten(v, "", flat, 0);
  std::vector<Section> out;
  paragraphs(flat, 1, "", out);
  // One line per value: keep them as one section per value so that chunks can pack them.
  std::vector<Section> lines;
  for (const auto& s : out) {
    std::size_t start = 0;
    while (start < s.text.size()) {
      std::size_t end = s.text.find('\n', start);
      if (end == std::string::npos) end = s.text.size();
      lines.push_back({s.text.substr(start, end - start), std::nullopt, std::nullopt, std::nullopt, ""});
      start = end + 1;
    }
  }
  return lines;
}

std::vector<Section> extract_jsonl(std::string_view bytes) {
  const std::string text = sanitize_utf8(bytes);
  const auto lines = lines_of(text);
  std::vector<Section> out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (std::all_of(lines[i].begin(), lines[i].end(), [](unsigned char c) { return std::isspace(c); })) continue;
    const json::value v = parse_json(lines[i], "JSONL line " + std::to_string(i + 1));
    std::string flat;
    flatten(v, "", flat, 0);
    trim(flat);
    if (!flat.empty()) out.push_back({flat, std::nullopt, std::nullopt, static_cast<int>(i) + 1, "", true});
  }
  return out;
}

}  // namespace agentd::knowledge
