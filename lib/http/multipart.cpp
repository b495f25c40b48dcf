#include "http/multipart.hpp"

#include <cctype>
#include <stdexcept>

namespace agentd::http {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The value of `key=` in a header's parameters (quoted or not).
std::optional<std::string> param(std::string_view header, std::string_view key) {
  const std::string h = lower(header);
  std::size_t pos = 0;
  while ((pos = h.find(std::string(key) + "=", pos)) != std::string::npos) {
    if (pos > 0 && h[pos - 1] != ';' && h[pos - 1] != ' ') {
      ++pos;
      continue;
    }
    std::size_t start = pos + key.size() + 1;
    if (start < header.size() && header[start] == '"') {
      const std::size_t end = header.find('"', start + 1);
      if (end == std::string_view::npos) return std::nullopt;
      return std::string(header.substr(start + 1, end - start - 1));
    }
    std::size_t end = header.find(';', start);
    if (end == std::string_view::npos) end = header.size();
    std::string v(header.substr(start, end - start));
    while (!v.empty() && v.back() == ' ') v.pop_back();
    return v;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> multipart_boundary(std::string_view content_type) {
  if (lower(content_type).rfind("multipart/form-data", 0) != 0) return std::nullopt;
  auto b = param(content_type, "boundary");
  if (!b || b->empty() || b->size() > 200) return std::nullopt;
  return b;
}

std::vector<FormPart> parse_multipart(std::string_view body, const std::string& boundary) {
  const std::string delimiter = "--" + boundary;
  std::vector<FormPart> parts;
  std::size_t pos = body.find(delimiter);
  if (pos == std::string_view::npos) throw std::invalid_argument("multipart body has no boundary line");
  while (true) {
    pos += delimiter.size();
    if (body.substr(pos, 2) == "--") break;  // the closing delimiter
    if (body.substr(pos, 2) != "\r\n") throw std::invalid_argument("malformed multipart boundary line");
    pos += 2;
    const std::size_t headers_end = body.find("\r\n\r\n", pos);
    if (headers_end == std::string_view::npos) throw std::invalid_argument("multipart part without headers");
    FormPart part;
    for (std::size_t line = pos; line < headers_end;) {
      std::size_t eol = body.find("\r\n", line);
      if (eol == std::string_view::npos || eol > headers_end) eol = headers_end;
      const std::string_view h = body.substr(line, eol - line);
      const std::size_t colon = h.find(':');
      if (colon != std::string_view::npos) {
        const std::string name = lower(h.substr(0, colon));
        std::string_view value = h.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        if (name == "content-disposition") {
          part.name = param(value, "name").value_or("");
          part.filename = param(value, "filename");
        } else if (name == "content-type") {
          part.content_type = std::string(value);
        }
      }
      line = eol + 2;
    }
    const std::size_t data = headers_end + 4;
    const std::size_t next = body.find("\r\n" + delimiter, data);
    if (next == std::string_view::npos) throw std::invalid_argument("multipart part is not terminated");
    part.body = body.substr(data, next - data);
    parts.push_back(std::move(part));
    pos = next + 2;
  }
  return parts;
}

}  // namespace agentd::http
