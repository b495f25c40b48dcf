// multipart/form-data bodies: the first line is the Content-Type header, the rest the body.
#include "http/multipart.hpp"

#include <cstdint>
#include <stdexcept>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const auto newline = in.find('\n');
  if (newline == std::string_view::npos) return 0;
  const auto boundary = agentd::http::multipart_boundary(in.substr(0, newline));
  if (!boundary) return 0;
  const std::string_view body = in.substr(newline + 1);
  try {
    for (const auto& part : agentd::http::parse_multipart(body, *boundary)) {
      // Every part's body lies inside the request body.
      if (part.body.data() < body.data() || part.body.data() + part.body.size() > body.data() + body.size()) __builtin_trap();
    }
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
