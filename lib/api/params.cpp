#include "api/params.hpp"

#include "core/errors.hpp"

#include <charconv>

namespace agentd::api {

int int_param(const http::RequestContext& ctx, std::string_view name, int fallback, int min, int max) {
  auto raw = ctx.query(name);
  if (!raw) return fallback;
  int value = 0;
  auto [ptr, ec] = std::from_chars(raw->data(), raw->data() + raw->size(), value);
  if (ec != std::errc{} || ptr != raw->data() + raw->size() || value < min || value > max)
    throw bad_request(std::string(name) + " must be an integer between " + std::to_string(min) + " and " +
                          std::to_string(max),
                      std::string(name), "invalid_parameter");
  return value;
}

}  // namespace agentd::api
