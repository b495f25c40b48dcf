// multipart/form-data bodies (RFC 7578), parsed in place.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace agentd::http {

struct FormPart {
  std::string name;
  std::optional<std::string> filename;  // set for file parts
  std::string content_type;
  std::string_view body;                // points into the request body
};

// The boundary from a Content-Type header, or nullopt when it is not multipart/form-data.
std::optional<std::string> multipart_boundary(std::string_view content_type);
// Throws std::invalid_argument with a readable message on a malformed body.
std::vector<FormPart> parse_multipart(std::string_view body, const std::string& boundary);

}  // namespace agentd::http
